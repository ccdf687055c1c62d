/**
 * Carries out the churn plans (churn.ts) on the files under ROOT, in its own
 * process so that the changes land while the server is reading:
 * `churn_writer.ts ROOT`. After each change it prints `NAME INDEX`, the
 * index of the state the file is now in.
 */

import {
  appendFileSync,
  closeSync,
  openSync,
  renameSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type ChurnOp, churnPlans, STEP_MS } from "./churn.ts";

const root = process.argv[2];
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function apply(path: string, op: ChurnOp): void {
  switch (op.kind) {
    case "edit": {
      const fd = openSync(path, "r+");
      writeSync(fd, op.content, 0, op.content.byteLength, 0);
      closeSync(fd);
      return;
    }
    case "grow":
      return appendFileSync(path, op.tail);
    case "truncate":
      return truncateSync(path, op.size);
    case "replace":
    case "create":
      writeFileSync(path + ".next", op.content);
      return renameSync(path + ".next", path);
    case "delete":
      return unlinkSync(path);
    case "settle":
      return;
  }
}

await Promise.all(
  churnPlans().map(async (plan) => {
    const path = join(root, plan.name);
    for (const [i, op] of plan.ops.entries()) {
      await sleep(op.kind === "settle" ? op.ms : STEP_MS[plan.name]);
      apply(path, op);
      process.stdout.write(`${plan.name} ${i + 1}\n`);
    }
  }),
);
process.stdout.write("done\n");

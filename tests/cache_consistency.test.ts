// Files that change under load: another process edits, grows, truncates,
// renames over, deletes and re-creates two files (one cached once settled,
// one streamed) while clients keep requesting them through the running
// runtime's adapter. Every answer must be one whole state the file was
// really in, no older than the last change finished before the request was
// sent, with a Content-Length and an ETag that fit it; or a 404 while the
// file was deleted.

import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ChurnPlan, churnPlans } from "./_helpers/churn.ts";
import { scriptCommand, startProcess } from "./_helpers/cli.ts";
import { runtimeServe } from "./_helpers/adapter.ts";

const WRITER = fileURLToPath(new URL("./_helpers/churn_writer.ts", import.meta.url));
const CLIENTS = 8;

interface Tally {
  ok: number;
  notFound: number;
  problems: string[];
}

function keyOf(bytes: Uint8Array): string {
  let key = "";
  for (let i = 0; i < bytes.byteLength; i += 4096) {
    key += String.fromCharCode(...bytes.subarray(i, i + 4096));
  }
  return key;
}

/** For each content, the indices of the states that hold it. */
function stateIndex(plan: ChurnPlan): Map<string, number[]> {
  const index = new Map<string, number[]>();
  plan.states.forEach((state, i) => {
    const key = state === null ? "<deleted>" : keyOf(state);
    index.set(key, [...(index.get(key) ?? []), i]);
  });
  return index;
}

// `floor` is the last state the writer had reported when the request left.
function check(
  response: { status: number; body: Uint8Array; headers: Headers },
  states: Map<string, number[]>,
  floor: number,
): string | null {
  const { status, body, headers } = response;
  const key = status === 404 ? "<deleted>" : status === 200 ? keyOf(body) : null;
  if (key === null) return `status ${status}`;
  if (status === 200) {
    if (headers.get("content-length") !== String(body.byteLength)) {
      return `Content-Length ${headers.get("content-length")} for ${body.byteLength} bytes`;
    }
    const etagSize = /^"([0-9a-f]+)-/.exec(headers.get("etag") ?? "")?.[1];
    if (etagSize === undefined || parseInt(etagSize, 16) !== body.byteLength) {
      return `ETag ${headers.get("etag")} for ${body.byteLength} bytes`;
    }
  }
  const seen = states.get(key);
  if (seen === undefined) {
    return `${status}: a body that is no state of the file (${body.byteLength} bytes)`;
  }
  if (!seen.some((i) => i >= floor)) {
    return `${status}: state ${
      seen.join("/")
    }, stale: state ${floor} was finished before the request`;
  }
  return null;
}

/** A temp folder holding `files`, served by the runtime's adapter until `close()`. */
async function serveFolder(name: string, files: Record<string, Uint8Array>) {
  const base = mkdtempSync(join(tmpdir(), `fileserver-${name}-`));
  for (const [file, bytes] of Object.entries(files)) writeFileSync(join(base, file), bytes);
  const serve = await runtimeServe();
  const controller = new AbortController();
  const server = await serve({
    root: base,
    port: 0,
    hostname: "127.0.0.1",
    signal: controller.signal,
  });
  const close = async () => {
    controller.abort();
    await server.finished;
    rmSync(base, { recursive: true, force: true });
  };
  return { base, server, close };
}

test("serve() answers files changed under load with whole, current versions only", {
  timeout: 90_000,
}, async () => {
  const plans = churnPlans();
  const { base, server, close } = await serveFolder(
    "churn",
    Object.fromEntries(plans.map((plan) => [plan.name, plan.initial])),
  );
  const [command, argv] = scriptCommand(WRITER, [base]);
  const writer = startProcess(command, argv);
  const reached = new Map(plans.map((plan) => [plan.name, 0]));
  let done = false;
  writer.child.stdout!.on("data", () => {
    for (const line of writer.stdout().split("\n")) {
      const [name, index] = line.split(" ");
      if (index !== undefined) reached.set(name, Math.max(reached.get(name)!, Number(index)));
      if (line === "done") done = true;
    }
  });
  const exited = writer.exited.then((status) => {
    done = true;
    return status;
  });
  const tallies = new Map(
    plans.map((plan) => [plan.name, { ok: 0, notFound: 0, problems: [] } as Tally]),
  );
  const indices = new Map(plans.map((plan) => [plan.name, stateIndex(plan)]));
  const client = async (n: number) => {
    for (let i = n; !done; i++) {
      const plan = plans[i % plans.length];
      const tally = tallies.get(plan.name)!;
      const floor = reached.get(plan.name)!;
      try {
        const response = await fetch(new URL(plan.name, server.url));
        const body = new Uint8Array(await response.arrayBuffer());
        const problem = check(
          { status: response.status, body, headers: response.headers },
          indices.get(plan.name)!,
          floor,
        );
        if (problem !== null) tally.problems.push(problem);
        else if (response.status === 200) tally.ok++;
        else tally.notFound++;
      } catch (error) {
        tally.problems.push(`request failed: ${(error as Error).message}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: CLIENTS }, (_, n) => client(n)));
    assert.equal(await exited, 0, writer.stderr());
  } finally {
    await close();
  }
  for (const [name, tally] of tallies) {
    assert.deepEqual(
      tally.problems.slice(0, 5),
      [],
      `${name}: ${tally.problems.length} bad answers`,
    );
    // Enough answers of both kinds that the churn was really seen.
    assert.ok(tally.ok > 200, `${name}: only ${tally.ok} whole answers`);
    assert.ok(tally.notFound > 0, `${name}: never saw the file deleted`);
  }
});

test("serve() cuts a download whose file is truncated while it is sent, rather than end it short", {
  timeout: 30_000,
}, async () => {
  const size = 64 * 1024 * 1024;
  const { base, server, close } = await serveFolder("shrink", { "big.bin": new Uint8Array(size) });
  try {
    const response = await fetch(new URL("big.bin", server.url));
    assert.equal(response.headers.get("content-length"), String(size));
    const reader = response.body!.getReader();
    let received = (await reader.read()).value?.byteLength ?? 0;
    truncateSync(join(base, "big.bin"), 1024 * 1024);
    const outcome = await (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return "ended";
          received += value.byteLength;
        }
      } catch {
        return "cut";
      }
    })();
    assert.ok(received < size, `received all ${received} bytes of a truncated file`);
    assert.equal(outcome, "cut", `the body ended after ${received} of ${size} bytes`);
  } finally {
    await close();
  }
});

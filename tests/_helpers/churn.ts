/**
 * A fixed plan of changes to two files (edits in place, growth, truncation,
 * renames over, deletes and re-creations, with pauses long enough for the
 * cache to take the file), and every state each file passes through.
 * The writer process (churn_writer.ts) carries the plan out; the test
 * checks each response against the states.
 */

import { SETTLE_MS } from "../../src/core/file_cache.ts";
import { QUIET_MS } from "../../src/core/quiet_delay.ts";

/** One change to a file. */
export type ChurnOp =
  | { kind: "edit"; content: Uint8Array } // the same size, written in place
  | { kind: "grow"; tail: Uint8Array }
  | { kind: "truncate"; size: number }
  | { kind: "replace"; content: Uint8Array } // written aside, renamed over
  | { kind: "delete" }
  | { kind: "create"; content: Uint8Array } // written aside, renamed in
  | { kind: "settle"; ms: number };

/** A file's plan: where it starts, the changes, and the state after each. */
export interface ChurnPlan {
  name: string;
  initial: Uint8Array;
  ops: ChurnOp[];
  /** `states[0]` is `initial`; `states[i]` follows `ops[i - 1]`; `null`: deleted. */
  states: Array<Uint8Array | null>;
}

let serial = 0;

// Content that names its own version, so that no two states are equal.
function version(size: number): Uint8Array {
  const id = ++serial;
  const bytes = new Uint8Array(size);
  const label = new TextEncoder().encode(`v${id};`);
  for (let i = 0; i < size; i++) bytes[i] = (id * 31 + i * 7) % 251;
  bytes.set(label.subarray(0, size));
  return bytes;
}

function apply(state: Uint8Array | null, op: ChurnOp): Uint8Array | null {
  switch (op.kind) {
    case "edit":
    case "replace":
    case "create":
      return op.content;
    case "grow": {
      const grown = new Uint8Array(state!.byteLength + op.tail.byteLength);
      grown.set(state!);
      grown.set(op.tail, state!.byteLength);
      return grown;
    }
    case "truncate":
      return state!.slice(0, op.size);
    case "delete":
      return null;
    case "settle":
      return state;
  }
}

function plan(name: string, initial: Uint8Array, ops: ChurnOp[]): ChurnPlan {
  const states: Array<Uint8Array | null> = [initial];
  for (const op of ops) states.push(apply(states[states.length - 1], op));
  return { name, initial, ops, states };
}

const settle: ChurnOp = { kind: "settle", ms: SETTLE_MS + 300 };

// Quick changes of every kind, each the size a small file keeps: the
// fresh path's consistency under load.
function burst(size: number, rounds: number): ChurnOp[] {
  const ops: ChurnOp[] = [];
  for (let round = 0; round < rounds; round++) {
    ops.push({ kind: "edit", content: version(size) });
    ops.push({ kind: "grow", tail: version(97) });
    ops.push({ kind: "truncate", size: size - 13 });
    ops.push({ kind: "replace", content: version(size) });
    ops.push({ kind: "delete" });
    ops.push({ kind: "create", content: version(size) });
  }
  return ops;
}

/**
 * The plans: a small file (read at once, cached once settled) and a large
 * one (streamed from an open descriptor). The large one is only renamed
 * over, deleted and re-created: a body streamed from a file being written
 * in place can hold two versions on any server.
 */
export function churnPlans(): ChurnPlan[] {
  serial = 0;
  const small = 3000;
  const smallOps: ChurnOp[] = [
    settle,
    { kind: "edit", content: version(small) },
    ...burst(small, 10),
    settle,
    { kind: "grow", tail: version(200) },
    settle,
    { kind: "truncate", size: 1000 },
    { kind: "edit", content: version(1000) },
    { kind: "grow", tail: version(2000) },
    settle,
    { kind: "replace", content: version(small) },
    settle,
    { kind: "delete" },
    { kind: "create", content: version(small) },
    ...burst(small, 10),
  ];
  const large = 200 * 1024;
  const largeOps: ChurnOp[] = [];
  for (let i = 0; i < 20; i++) {
    largeOps.push({ kind: "replace", content: version(large) });
    largeOps.push({ kind: "delete" }, { kind: "create", content: version(large) });
  }
  return [
    plan("small.bin", version(small), smallOps),
    plan("large.bin", version(large), largeOps),
  ];
}

/**
 * How long the writer waits between two quick changes, per file. The server
 * opens a file only once its last change is QUIET_MS old, so a file changed
 * more often than that is never quiet and is answered 503: the steps leave
 * room for a lookup, a wait and a read between two changes.
 */
export const STEP_MS: Record<string, number> = {
  "small.bin": 2 * QUIET_MS + 10,
  "large.bin": 150,
};

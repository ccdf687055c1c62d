/**
 * Settings shared by the property tests (tests/properties/*.test.ts).
 *
 * The normal test run uses a fixed seed and each property's own small run
 * count, so that it is quick and the same everywhere. `npm run test:props`
 * sets `FC_SEED=random` and `FC_FACTOR=20` for a longer, different run each
 * time. A failure prints the seed and the path of the shrunk counterexample:
 * `FC_SEED=<seed> FC_PATH=<path>` replays it.
 */

import fc from "fast-check";
import process from "node:process";

const DEFAULT_SEED = 20_240_610;

function readSeed(): number {
  const text = process.env.FC_SEED;
  if (text === undefined || text === "") return DEFAULT_SEED;
  if (text === "random") return (Math.random() * 2 ** 31) | 0;
  const seed = Number(text);
  if (!Number.isInteger(seed)) throw new TypeError(`FC_SEED must be an integer or "random"`);
  return seed;
}

/** The seed of every property in this process. */
export const SEED: number = readSeed();

/** How many times each property's own run count is multiplied. */
export const FACTOR: number = Math.max(Number(process.env.FC_FACTOR) || 1, 0.01);

const PATH = process.env.FC_PATH || undefined;

if (process.env.FC_SEED === "random") console.log(`fast-check seed: ${SEED}`);

/**
 * Checks `property` `runs × FC_FACTOR` times with the run's seed; throws
 * (with the seed, path and shrunk counterexample) on the first failure.
 */
export function check<T>(
  property: fc.IProperty<T> | fc.IAsyncProperty<T>,
  runs: number,
): void | Promise<void> {
  const numRuns = Math.max(1, Math.round(runs * FACTOR));
  // deno-lint-ignore no-explicit-any
  return fc.assert(property as any, { seed: SEED, numRuns, path: PATH });
}

/** The fastest of `times` timings of `fn(make())`, in milliseconds; `make` is not timed. */
export async function fastest<T>(
  fn: (input: T) => unknown,
  make: () => T,
  times = 3,
): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < times; i++) {
    const input = make();
    const start = performance.now();
    await fn(input);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** A string of `length` characters: `unit` repeated, cut to the length. */
export function repeatTo(unit: string, length: number): string {
  return unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
}

/**
 * The shapes that make naive header parsers slow: long runs of quotes,
 * backslashes, separators, unclosed strings, repeated names and schemes.
 */
export const HOSTILE_UNITS: readonly string[] = [
  "a",
  " ",
  ",",
  '"',
  "\\",
  '\\"',
  "a=",
  "a=b,",
  'a="b",',
  "a a ",
  "Basic ",
  "Digest a=b ",
  "=",
  "%",
  "%2",
  "/",
  ";",
  "q=1;",
  "*/*,",
  'W/"',
  '"a",',
  "\t",
];

/** Builds an input of a given length from each hostile unit, by default as a plain string. */
export type InputMaker<T> = (length: number) => T;

const STRINGS: InputMaker<string>[] = HOSTILE_UNITS.map((unit) => (length) =>
  repeatTo(unit, length)
);

/**
 * Asserts that `run` takes well under a second on each 1 MiB input, and
 * that 1 MiB costs less than 8 times 256 KiB (four times the input: linear
 * work gives about 4, quadratic 16).
 */
export async function assertLinear<T = string>(
  name: string,
  run: (input: T) => unknown,
  makers: readonly InputMaker<T>[] = STRINGS as unknown as InputMaker<T>[],
): Promise<void> {
  const MiB = 1 << 20;
  for (const [i, make] of makers.entries()) {
    await run(make(MiB / 4)); // warm up the code paths before timing
    const bigMs = await fastest(run, () => make(MiB));
    const smallMs = await fastest(run, () => make(MiB / 4));
    const shape = (makers as readonly unknown[]) === STRINGS
      ? JSON.stringify(HOSTILE_UNITS[i])
      : `input ${i}`;
    if (bigMs >= 1000) throw new Error(`${name} took ${bigMs.toFixed(1)} ms on 1 MiB of ${shape}`);
    // Below a few milliseconds the ratio is timer noise, not growth.
    if (bigMs > 5 && bigMs / Math.max(smallMs, 0.5) >= 8) {
      throw new Error(
        `${name} looks superlinear on ${shape}: ` +
          `${smallMs.toFixed(1)} ms for 256 KiB, ${bigMs.toFixed(1)} ms for 1 MiB`,
      );
    }
  }
}

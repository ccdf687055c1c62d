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

/**
 * Strings of UTF-16 code units, lone surrogates included (fast-check's
 * "binary" unit makes whole code points only).
 */
export function utf16String(maxLength: number): fc.Arbitrary<string> {
  const unit = fc.oneof(
    fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)),
    fc.constantFrom("\ud800", "\udfff", "\ud83d\ude00", "a", "%", "/", "\\", '"', ","),
  );
  return fc.string({ unit, maxLength });
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
  '\\"',
  "a=",
  'a="b",',
  "Basic ",
  "%2",
  ";q=1",
  'W/"',
  "\t",
];

/** Builds an input of a given length from each hostile unit, by default as a plain string. */
export type InputMaker<T> = (length: number) => T;

/** Input makers that repeat each of `units` to the length asked for. */
export function repeating(units: readonly string[]): InputMaker<string>[] {
  return units.map((unit) => (length) => repeatTo(unit, length));
}

const STRINGS: InputMaker<string>[] = repeating(HOSTILE_UNITS);

/**
 * Asserts that `run` takes well under a second on each 1 MiB input, and
 * that 1 MiB costs less than 8 times 256 KiB (four times the input: linear
 * work gives about 4, quadratic 16). Short timings are mostly garbage
 * collection and JIT noise (a linear parser of a 1 MiB field of escapes
 * ranged from 4 to 20 times its 256 KiB time), so the ratio is judged only
 * above 50 ms, and measured again before it fails; a quadratic parser
 * fails the one-second bound long before that.
 */
export async function assertLinear<T = string>(
  name: string,
  run: (input: T) => unknown,
  makers: readonly InputMaker<T>[] = STRINGS as unknown as InputMaker<T>[],
): Promise<void> {
  const MiB = 1 << 20;
  for (const [i, make] of makers.entries()) {
    const shape = (makers as readonly unknown[]) === STRINGS
      ? JSON.stringify(HOSTILE_UNITS[i])
      : `input ${i}`;
    await run(make(MiB / 4)); // warm up the code paths before timing
    // One run first, so that a slow parser fails in seconds, not minutes.
    let bigMs = await fastest(run, () => make(MiB), 1);
    if (bigMs >= 1000) throw new Error(`${name} took ${bigMs.toFixed(1)} ms on 1 MiB of ${shape}`);
    let ratio = 0;
    let smallMs = 0;
    // A collection landing in one timing can make a linear parse look 10×
    // slower: the smaller time is floored at 10 ms (a quadratic parser of
    // 6 ms at 256 KiB still shows 96 ms, 9.6×), and a ratio is judged
    // only after the fastest of 1, 5 and 10 runs.
    for (const times of [1, 5, 10]) {
      bigMs = Math.min(bigMs, await fastest(run, () => make(MiB), times));
      smallMs = await fastest(run, () => make(MiB / 4), times);
      ratio = bigMs <= 50 ? 0 : bigMs / Math.max(smallMs, 10);
      if (ratio < 8) break;
    }
    if (ratio >= 8) {
      throw new Error(
        `${name} looks superlinear on ${shape}: ` +
          `${smallMs.toFixed(1)} ms for 256 KiB, ${bigMs.toFixed(1)} ms for 1 MiB`,
      );
    }
  }
}

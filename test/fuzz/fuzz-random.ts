/**
 * Seeded randomness and failure collection for the fuzz suites. Every suite draws from one seeded generator so a
 * run is reproducible: the seed is in each suite's name and in every failure message, and `LABBOT_FUZZ_SEED=<n>`
 * replays it (or tries another). Failures are collected per case rather than thrown at the first one, so a report
 * shows how many inputs broke and the first few of them, each with its case number and the input that broke it.
 */

/** The seed of this run: LABBOT_FUZZ_SEED when set (any integer), else a fixed default so CI is deterministic. */
export const FUZZ_SEED = readSeed(process.env.LABBOT_FUZZ_SEED);

function readSeed(value: string | undefined): number {
  const parsed = value === undefined || value.trim() === '' ? NaN : Number(value);
  return Number.isSafeInteger(parsed) ? parsed : 20261124;
}

/**
 * Jest timeout of each fuzz test. They take seconds, but CI machines are shared and slow; the suites have their own
 * per-call deadlines for hangs, so this only has to be generous.
 */
export const FUZZ_TIMEOUT_MS = 120_000;

/** A small, fast, seedable generator (mulberry32) with the helpers fuzzers need. */
export class FuzzRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    if (items.length === 0) {
      throw new Error('pick from an empty list');
    }
    // The list may hold undefined on purpose (fuzz values), so the index is checked, not the item.
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** A derived generator, so one case's draws do not shift every later case when a generator changes. */
  fork(salt: number): FuzzRandom {
    return new FuzzRandom((this.state ^ Math.imul(salt + 1, 0x9e3779b1)) >>> 0);
  }
}

/** What broke, for one case. */
export interface FuzzFailure {
  case: number;
  input: string;
  problem: string;
}

/** Collects failures; `report()` is what the test asserts to be empty, so jest prints the seed with the cases. */
export class FuzzFailures {
  private readonly failures: FuzzFailure[] = [];

  constructor(private readonly suite: string) {}

  add(caseNumber: number, input: string, problem: string): void {
    this.failures.push({ case: caseNumber, input: preview(input), problem });
  }

  get count(): number {
    return this.failures.length;
  }

  /** Empty when nothing broke; else a header naming seed and suite, then the first 20 failures. */
  report(): string[] {
    if (this.failures.length === 0) {
      return [];
    }
    return [
      `${this.suite}: ${this.failures.length} failing case(s); replay with LABBOT_FUZZ_SEED=${FUZZ_SEED}`,
      ...this.failures
        .slice(0, 20)
        .map((f) => `case ${f.case}: ${f.problem}\n    input: ${JSON.stringify(f.input)}`),
    ];
  }
}

/** Inputs can be megabytes; failure messages show the start and the length. */
function preview(input: string): string {
  return input.length > 300 ? `${input.slice(0, 300)}… (${input.length} chars)` : input;
}

/**
 * Lets whatever the code under test left running settle, so that a rejection it leaks surfaces inside the test that
 * caused it. No collector of our own is needed for those: jest-circus listens for `unhandledRejection` and
 * `uncaughtException` on the worker's real process and fails the running test with the leaked error (a
 * `process.on(...)` inside a test file would not see them: jest gives each file a copy of `process` whose events
 * are its own; checked by hand with a test leaking one of each, jest 29.7).
 */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
  }
}

import { type Clock } from '../../src/labs/ports';

/** A clock tests move by hand. */
export class ManualClock implements Clock {
  constructor(private current: Date = new Date('2026-11-24T09:00:00Z')) {}

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

/** Deterministic stand-in for Math.random: cycles through the given values. */
export function sequenceRandom(values: number[] = [0.1, 0.5, 0.9, 0.3, 0.7]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

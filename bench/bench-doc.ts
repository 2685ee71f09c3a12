/**
 * What every benchmark in bench/ shares: where the checkout is, how it rewrites its own section of
 * docs/benchmarks.md (between `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->`, leaving the others alone),
 * the machine line each section ends with, percentiles, and the target verdicts that bench/run-all.ts collects
 * into the doc's summary of targets.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import path from 'node:path';

/** The checkout: the nearest folder up from `from` with labbot's package.json (benches run from dist/bench/…). */
export function repoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'labbot') {
        return dir;
      }
    } catch {
      // no package.json here; keep going up
    }
    if (path.dirname(dir) === dir) {
      return process.cwd();
    }
  }
}

export const REPO = repoRoot();
export const DOC = path.join(REPO, 'docs', 'benchmarks.md');

const DOC_HEADER =
  '# Benchmarks\n\nFigures written by the scripts in `bench/`; each owns the section between its markers.\n';

export function startMarker(name: string): string {
  return `<!-- bench:${name}:start -->`;
}

export function endMarker(name: string): string {
  return `<!-- bench:${name}:end -->`;
}

/** "Machine: 2 × CPU, 23.5 GiB RAM, linux x64, Node v20…. Run <ISO date>." */
export function machineLine(extra = ''): string {
  const cpu = cpus();
  return (
    `Machine: ${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, ` +
    `${process.platform} ${process.arch}, Node ${process.version}. Run ${new Date().toISOString()}${extra}.`
  );
}

/**
 * Replaces the section `name` of docs/benchmarks.md with `text` (which must start and end with the markers), or
 * appends it when the doc has no such section yet; everything else in the doc is kept byte for byte.
 */
export function writeSection(name: string, text: string, doc: string = DOC): void {
  const start = startMarker(name);
  const end = endMarker(name);
  if (!text.startsWith(start) || !text.trimEnd().endsWith(end)) {
    throw new Error(`section text for ${name} must be wrapped in its markers`);
  }
  let current: string;
  try {
    current = readFileSync(doc, 'utf8');
  } catch {
    current = DOC_HEADER;
  }
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const next =
    from >= 0 && to > from
      ? current.slice(0, from) + text.trimEnd() + current.slice(to + end.length)
      : `${current.trimEnd()}\n\n${text.trimEnd()}\n`;
  writeFileSync(doc, next.endsWith('\n') ? next : `${next}\n`);
}

/** Wraps lines in the section's markers; the last lines say how to regenerate it. */
export function section(name: string, lines: readonly string[], regenerate = '`npm run bench`'): string {
  return [
    startMarker(name),
    ...lines,
    `Regenerate with ${regenerate}; the script rewrites only this section.`,
    endMarker(name),
  ].join('\n');
}

/** Nearest-rank percentile of ascending `sorted`; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) {
    return NaN;
  }
  const rank = Math.ceil((p / 100) * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? NaN;
}

export const fixed = (value: number, digits = 1): string =>
  Number.isFinite(value) ? value.toFixed(digits) : 'n/a';

/** A target of an issue, as a benchmark measured it. */
export interface TargetVerdict {
  /** Issue number. */
  issue: number;
  /** The target in the issue's words. */
  target: string;
  /** null: the issue asks for the figure but sets no bound; it is reported, not judged. */
  met: boolean | null;
  /** What was measured, and why it is (not) met. */
  detail: string;
  /** Which bench (or suite) measured it. */
  source: string;
}

/** The prefix bench/run-all.ts looks for in a benchmark's output. */
export const TARGET_LINE_PREFIX = 'bench-target ';

/** Prints the verdicts so that bench/run-all.ts can gather every bench's into the doc's targets section. */
export function reportTargets(verdicts: readonly TargetVerdict[]): void {
  for (const verdict of verdicts) {
    console.log(`${TARGET_LINE_PREFIX}${JSON.stringify(verdict)}`);
  }
}

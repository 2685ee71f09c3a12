/**
 * `npm run bench`: runs every benchmark in turn (each in its own process, each rewriting its own section of
 * docs/benchmarks.md), then the reliability and fuzz suites, and writes the summary of targets (the `targets`
 * section) from what each reported. A bench whose target is not met still counts as run: the doc says so. Exits 1
 * when a bench or suite could not run to the end (or, with `--strict`, when a target is not met).
 *
 * Flags: `--only deploy,memory` runs just those benches (the targets section then keeps the others' last
 * verdicts); `--no-suites` skips the jest suites; `--strict`.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  DOC,
  REPO,
  TARGET_LINE_PREFIX,
  endMarker,
  machineLine,
  section,
  startMarker,
  writeSection,
  type TargetVerdict,
} from './bench-doc';

/** In the order they run (cheap first, so a broken tree fails fast). */
const BENCHES = [
  'reaper-cost-sim',
  'ack-latency',
  'deploy',
  'reaper-pass',
  'memory',
  'scheduled-labs',
  'scale-out',
] as const;
const SUITES = ['test/reliability', 'test/fuzz'];
const NAME = 'targets';

interface Outcome {
  name: string;
  code: number | null;
  seconds: number;
  verdicts: TargetVerdict[];
}

function run(command: string, args: string[], name: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const verdicts: TargetVerdict[] = [];
    let pending = '';
    const child = spawn(command, args, { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk: Buffer) => {
      process.stdout.write(chunk);
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith(TARGET_LINE_PREFIX)) {
          verdicts.push(JSON.parse(line.slice(TARGET_LINE_PREFIX.length)) as TargetVerdict);
        }
      }
    });
    child.on('close', (code) =>
      resolve({ name, code, seconds: (performance.now() - started) / 1000, verdicts }),
    );
  });
}

/** The verdicts the targets section holds now (a partial run keeps the others). */
function previousVerdicts(): TargetVerdict[] {
  let doc: string;
  try {
    doc = readFileSync(DOC, 'utf8');
  } catch {
    return [];
  }
  const from = doc.indexOf(startMarker(NAME));
  const to = doc.indexOf(endMarker(NAME));
  if (from < 0 || to < from) {
    return [];
  }
  const json = /<!-- verdicts (.*) -->/.exec(doc.slice(from, to))?.[1];
  try {
    return json ? (JSON.parse(json) as TargetVerdict[]) : [];
  } catch {
    return [];
  }
}

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function targetsSection(verdicts: TargetVerdict[], outcomes: Outcome[]): string {
  const sorted = [...verdicts].sort((a, b) => a.issue - b.issue || a.source.localeCompare(b.source));
  const rows = sorted.map(
    (v) =>
      `| ${v.issue} | ${cell(v.target)} | ${v.met === null ? 'reported' : v.met ? '**met**' : '**NOT met**'} | ${cell(v.detail)} | \`${v.source}\` |`,
  );
  const ran = outcomes.map(
    (o) => `${o.name} ${o.seconds.toFixed(0)} s${o.code === 0 ? '' : ` (exit ${o.code})`}`,
  );
  return section(NAME, [
    '## Targets of issues 2, 6, 7 and 9',
    '',
    'Collected by `bench/run-all.ts` from what each benchmark and suite reported on its last run; the figures and the',
    'reasons are in the sections below. *Reported*: the issue asks for the figure without a bound.',
    '',
    '| issue | target | verdict | measured | by |',
    '|---:|---|---|---|---|',
    ...rows,
    '',
    `Last run: ${ran.join(', ')}.`,
    machineLine(),
    `<!-- verdicts ${JSON.stringify(sorted)} -->`,
  ]);
}

/** jest's verdict on one suite: passed or not, with how many tests. */
function suiteVerdict(outcome: Outcome, folder: string): TargetVerdict {
  const what =
    folder === 'test/reliability'
      ? 'reliability suite (10% 5xx, BUSY_ENTITY, session expiry, failed tasks, latency spikes, SIGKILLs during 50 deploys and teardowns) passes'
      : 'fuzz suite (10,000 command strings, malformed Slack payloads, malformed XML) passes';
  return {
    issue: 9,
    target: what,
    met: outcome.code === 0,
    detail: `\`npx jest ${folder}\`: ${outcome.code === 0 ? 'passed' : `FAILED (exit ${outcome.code})`} in ${outcome.seconds.toFixed(0)} s on this machine`,
    source: folder,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',')) : undefined;
  const benches = BENCHES.filter((b) => only === undefined || only.has(b));
  const suites = argv.includes('--no-suites') || only !== undefined ? [] : SUITES;
  const outcomes: Outcome[] = [];
  for (const bench of benches) {
    console.log(`\n== bench ${bench}`);
    outcomes.push(await run(process.execPath, [path.join(__dirname, `${bench}.js`)], bench));
  }
  const suiteVerdicts: TargetVerdict[] = [];
  for (const folder of SUITES.filter((s) => suites.includes(s))) {
    console.log(`\n== jest ${folder}`);
    const outcome = await run(
      process.execPath,
      [path.join(REPO, 'node_modules', 'jest', 'bin', 'jest.js'), folder],
      folder,
    );
    outcomes.push(outcome);
    suiteVerdicts.push(suiteVerdict(outcome, folder));
  }

  const fresh = [...outcomes.flatMap((o) => o.verdicts), ...suiteVerdicts];
  const redone = new Set(fresh.map((v) => v.source));
  const verdicts = [...previousVerdicts().filter((v) => !redone.has(v.source)), ...fresh];
  writeSection(NAME, targetsSection(verdicts, outcomes));

  console.log('\n== summary');
  for (const o of outcomes) {
    console.log(`${o.code === 0 ? 'ok  ' : 'EXIT'} ${o.name} (${o.seconds.toFixed(0)} s)`);
  }
  for (const v of verdicts) {
    console.log(
      `${v.met === null ? 'info' : v.met ? 'met ' : 'MISS'} issue ${v.issue}: ${v.target}: ${v.detail}`,
    );
  }
  console.log(`wrote ${path.relative(process.cwd(), DOC)}`);
  // A bench that reported its targets ran to the end, even if it exits 1 because one was missed.
  const broken = outcomes.filter((o) => o.code !== 0 && o.verdicts.length === 0 && !SUITES.includes(o.name));
  const suitesFailed = suiteVerdicts.some((v) => v.met === false);
  const missed = verdicts.some((v) => v.met === false);
  if (broken.length > 0 || suitesFailed || (argv.includes('--strict') && missed)) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Reaper pass benchmark (issue 7, must show 4; issue 9; issue 17 target 1): VCD API calls and wall time of
 * `runReapCycle` over 100, 1,000, 5,000 and 20,000 labs, on a first pass (an empty signal store) and on the passes of
 * the hour after it, every 5 minutes on an injected clock (the steady state). The simulator's state and the store are
 * seeded directly (bench/seed-labs.ts): 75% of the labs powered on, 25% suspended, a third of them 4-VM vSphere labs,
 * plus 5% vApps that are not labbot's. The powered-on labs are a mix of uses: half used in Slack within the hour
 * (their owners keep chatting), 40% busy by CPU only, 10% idle and warned (in their grace period). The real reaper
 * pass (plan mode: it reads exactly as enforce does and changes nothing, so the mix stays) runs with the real VcdCloud
 * client and SQLite store against the simulator behind a counting proxy, at 50 ms per call. Checks from the calls
 * themselves: every query asks for pages of 128, no more calls are in flight than the reaper's bound, and the issue
 * 17 target (5,000 labs: ≤ 20 s and ≤ 2,500 calls per steady-state pass).
 *
 * Run: `npm run bench`, or alone: `npx tsc -p bench/tsconfig.json && node dist/bench/bench/reaper-pass.js`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { DEFAULT_POLICY } from '../src/config/default-policy';
import { type Lab } from '../src/labs/lab';
import { type LabSignal } from '../src/labs/ports';
import { createSilentLogger } from '../src/observability/logger';
import { runReapCycle, type ReapCycleDeps } from '../src/reaper/run-reap-cycle';
import { createStore, type Store } from '../src/store/create-store';
import { openDatabase } from '../src/store/database';
import { VcdCloud } from '../src/vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from '../src/vcdsim/vcd-sim';
import { startVcdProxy, type VcdProxy } from '../test/reliability/vcd-proxy';
import { seedSimulator, seedStore } from './seed-labs';
import {
  DOC,
  fixed,
  repoRoot,
  machineLine,
  reportTargets,
  section,
  writeSection,
  type TargetVerdict,
} from './bench-doc';

const NAME = 'reaper-pass';
const SIZES = [100, 1000, 5000, 20000] as const;
const LATENCY_MS = 50;
const PAGE_SIZE = 128;
/** runReapCycle's default: calls in flight at once. */
const CONCURRENCY = 8;
/** The hour after the first pass, at the default cron's 5 minutes. */
const STEADY_PASSES = 12;
const CYCLE_MS = 5 * 60_000;
/** Issue 17 target 1. */
const TARGET = { labs: 5000, seconds: 20, calls: 2500 };
const T0 = Date.parse('2026-11-24T09:00:00Z');

type Use = 'chat' | 'busy' | 'idle';

/** The use of the `j`-th powered-on lab: 50% chat, 40% busy by CPU only, 10% idle and warned. */
function useOf(j: number): Use {
  const k = j % 10;
  return k < 5 ? 'chat' : k < 9 ? 'busy' : 'idle';
}

interface Seeded {
  sim: VcdSim;
  proxy: VcdProxy;
  dataDir: string;
  clock: { ms: number };
  labs: Lab[];
  poweredOnLabs: number;
  suspendedLabs: number;
  poweredOnVms: number;
  foreign: number;
  uses: Record<Use, number>;
}

/** A simulator holding `count` labbot vApps (and 5% foreign ones) in the usage mix, and the store holding their labs. */
async function seed(count: number): Promise<Seeded> {
  const clock = { ms: T0 };
  const sim = await startVcdSim({
    now: () => clock.ms,
    maxConcurrentTasks: 0,
    sessionIdleTimeoutMs: 24 * 3_600_000,
    vdcs: [{ name: 'lab-vdc', cpuLimitMhz: 0, memoryLimitMb: 0, storageLimitMb: 0 }],
  });
  const proxy = await startVcdProxy(sim.url);
  const now = new Date(T0);
  const { labs, ...counts } = seedSimulator(sim, { count, vcdUrl: proxy.url, now });
  const vApps = new Map(sim.state.vApps().map((v) => [v.name, v]));
  const uses: Record<Use, number> = { chat: 0, busy: 0, idle: 0 };
  const ago = (minutes: number) => new Date(T0 - minutes * 60_000);
  let j = 0;
  for (const lab of labs) {
    const vApp = vApps.get(lab.vappName);
    if (lab.phase !== 'ready' || vApp === undefined) {
      continue;
    }
    const use = useOf(j);
    uses[use] += 1;
    // Chatty owners' last messages are spread over the hour; the others last wrote 3 hours ago.
    lab.lastActivityAt = use === 'chat' ? ago((j % 12) * 5 + 1) : ago(180);
    lab.createdAt = ago(270);
    lab.readyAt = ago(240);
    lab.poweredOnSince = ago(240);
    if (use === 'idle') {
      lab.reapWarnedAt = ago(10);
    }
    for (const vm of vApp.vms) {
      vm.poweredOnAt = T0 - 240 * 60_000;
      vm.usage = { profile: { kind: use === 'idle' ? 'idle' : 'busy' }, since: T0 - 240 * 60_000 };
    }
    j += 1;
  }
  const dataDir = mkdtempSync(path.join(tmpdir(), `labbot-bench-reaper-${count}-`));
  await seedStore(dataDir, labs);
  return { sim, proxy, dataDir, clock, labs, uses, ...counts };
}

/**
 * Replaces what the first pass recorded with the signals a bot running for hours would hold at T0 (the steady state):
 * each busy lab's latest busy sample somewhere in the last hour, 5-minute marks spread evenly, and the idle labs'
 * samples of every pass of the last hour. Without it the busy labs the first pass found (all busy at T0) would come
 * due together an hour later: the echo of a cold start, not the steady state.
 */
async function warmSignals(store: Store, seeded: Seeded): Promise<void> {
  await store.signals.prune(new Date(T0 + 1));
  const signals: LabSignal[] = [];
  let j = 0;
  for (const lab of seeded.labs) {
    if (lab.phase !== 'ready') {
      continue;
    }
    const use = useOf(j);
    if (use === 'busy') {
      signals.push({ labId: lab.id, at: new Date(T0 - (j % 12) * CYCLE_MS), kind: 'cpu', value: 60 });
    } else if (use === 'idle') {
      for (let k = 0; k < 12; k++) {
        signals.push({ labId: lab.id, at: new Date(T0 - k * CYCLE_MS), kind: 'cpu', value: 2 });
      }
    }
    j += 1;
  }
  await store.signals.record(signals);
}

interface PassResult {
  /** 0: the first pass; 1..12 the steady ones. */
  index: number;
  wallMs: number;
  calls: number;
  byOperation: Map<string, number>;
  peakInFlight: number;
  /** Query calls that did not ask for pages of 128. */
  badPageSizes: number;
  queryPages: number;
  metricsFailed: number;
}

const count = (byOperation: Map<string, number>, prefix: string): number =>
  [...byOperation.entries()].filter(([op]) => op.startsWith(prefix)).reduce((sum, [, n]) => sum + n, 0);

/** The first pass and the hour of passes after it, each at 50 ms per call. */
async function passes(seeded: Seeded): Promise<PassResult[]> {
  const { sim, proxy, clock } = seeded;
  sim.faults.configure({});
  const db = await openDatabase({ kind: 'sqlite', dataDir: seeded.dataDir });
  const store: Store = createStore(db, { holder: 'bench', now: () => new Date(clock.ms) });
  const logger = createSilentLogger();
  const cloud = new VcdCloud({
    url: proxy.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    auth: { kind: 'token', apiToken: 'simulated-api-token' },
    simulated: true,
    logger,
    clock: { now: () => new Date(clock.ms) },
  });
  const deps: ReapCycleDeps = {
    store: store.labs,
    signals: store.signals,
    cloud,
    waker: { wake: () => undefined },
    messenger: { dm: () => Promise.resolve(), post: () => Promise.resolve() },
    clock: { now: () => new Date(clock.ms) },
    policy: DEFAULT_POLICY,
    logger,
    audit: store.audit,
    concurrency: CONCURRENCY,
  };
  const chat = seeded.labs.filter(
    (l) =>
      l.phase === 'ready' && l.lastActivityAt !== undefined && l.lastActivityAt.getTime() > T0 - 90 * 60_000,
  );
  const results: PassResult[] = [];
  try {
    // Log in and find the VDC first, as a running bot has long done before its reaper's pass.
    await cloud.inspector.connect();
    await cloud.listManagedVApps();
    sim.faults.configure({ latency: [{ fixedMs: LATENCY_MS }] });
    for (let index = 0; index <= STEADY_PASSES; index++) {
      if (index === 1) {
        await warmSignals(store, seeded);
      }
      if (index > 0) {
        clock.ms += CYCLE_MS;
        // Chatty owners keep writing: whoever last wrote 55 minutes ago writes again.
        for (const lab of chat) {
          if ((lab.lastActivityAt?.getTime() ?? 0) <= clock.ms - 55 * 60_000) {
            lab.lastActivityAt = new Date(clock.ms);
            await store.labs.applyRequest(lab.id, { lastActivityAt: lab.lastActivityAt });
          }
        }
      }
      proxy.reset();
      let peak = 0;
      const onRequest = (): void => {
        peak = Math.max(peak, proxy.inFlight);
      };
      proxy.events.on('request', onRequest);
      const started = performance.now();
      const report = await runReapCycle(deps, 'plan');
      const wallMs = performance.now() - started;
      proxy.events.off('request', onRequest);
      const queries = proxy.calls.filter((c) => c.operation === 'query');
      results.push({
        index,
        wallMs,
        calls: proxy.calls.length,
        byOperation: proxy.countByOperation(),
        peakInFlight: peak,
        badPageSizes: queries.filter(
          (c) => new URL(c.url, 'http://x').searchParams.get('pageSize') !== String(PAGE_SIZE),
        ).length,
        queryPages: queries.length,
        metricsFailed: report.metricsFailed.length,
      });
    }
    return results;
  } finally {
    cloud.close();
    await store.labs.close();
  }
}

function opsLine(byOperation: Map<string, number>): string {
  return [...byOperation.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([op, n]) => `\`${op}\` ${n.toLocaleString('en-US')}`)
    .join(', ');
}

interface SizeResult {
  size: number;
  seeded: Omit<Seeded, 'sim' | 'proxy' | 'dataDir' | 'clock' | 'labs'>;
  passes: PassResult[];
  /** When this size was measured (ISO), and the 1-minute load average seen during its passes. */
  measuredAt: string;
  load: { min: number; max: number };
}

/**
 * Every size's latest result, kept between runs so that `--sizes 5000` re-measures one size and the section still
 * shows the others (with their own date and load): the 20,000-lab run takes tens of minutes, the others a few.
 */
const RESULTS_FILE = path.join(repoRoot(), 'bench', 'results', 'reaper-pass.json');

type StoredPass = Omit<PassResult, 'byOperation'> & { byOperation: Record<string, number> };
type StoredSize = Omit<SizeResult, 'passes'> & { passes: StoredPass[] };

function loadResults(): SizeResult[] {
  if (!existsSync(RESULTS_FILE)) {
    return [];
  }
  const stored = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as StoredSize[];
  return stored.map((r) => ({
    ...r,
    passes: r.passes.map((p) => ({ ...p, byOperation: new Map(Object.entries(p.byOperation)) })),
  }));
}

function saveResults(results: readonly SizeResult[]): void {
  const stored: StoredSize[] = results.map((r) => ({
    ...r,
    passes: r.passes.map((p) => ({ ...p, byOperation: Object.fromEntries(p.byOperation) })),
  }));
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  writeFileSync(RESULTS_FILE, `${JSON.stringify(stored, null, 1)}\n`);
}

/** The results of this run replace those of the same sizes; the others are kept. */
function mergeResults(kept: readonly SizeResult[], fresh: readonly SizeResult[]): SizeResult[] {
  const bySize = new Map(kept.map((r) => [r.size, r]));
  for (const r of fresh) {
    bySize.set(r.size, r);
  }
  return [...bySize.values()].sort((a, b) => a.size - b.size);
}

const steadyOf = (r: SizeResult) => r.passes.filter((p) => p.index > 0);
const worst = (ps: PassResult[], by: (p: PassResult) => number) =>
  ps.reduce<PassResult | undefined>((a, b) => (a === undefined || by(b) > by(a) ? b : a), undefined);
const n = (x: number) => x.toLocaleString('en-US');

function row(r: SizeResult, label: string, p: PassResult | undefined): string {
  if (!p) {
    return '';
  }
  const s = r.seeded;
  return (
    `| ${n(r.size)} | ${n(s.poweredOnLabs)} / ${n(s.suspendedLabs)} / ${n(s.foreign)} | ${s.uses.chat} / ${s.uses.busy} / ${s.uses.idle} | ${label} | ` +
    `${fixed(p.wallMs / 1000, 2)} | ${n(p.calls)} | ${p.queryPages} | ${n(count(p.byOperation, 'vm.metrics.get') + count(p.byOperation, 'vm.metrics.post'))} | ` +
    `${n(count(p.byOperation, 'vm.metrics.historic'))} | ${count(p.byOperation, 'vApp.get')} | ${p.peakInFlight} | ${p.metricsFailed} |`
  );
}

async function main(): Promise<void> {
  const fresh: SizeResult[] = [];
  // `--sizes 100,5000`: a subset; the other sizes keep their last results (bench/results/reaper-pass.json).
  const at = process.argv.indexOf('--sizes');
  const sizes = at >= 0 ? (process.argv[at + 1] ?? '').split(',').map(Number) : [...SIZES];
  for (const size of sizes) {
    console.log(`seeding ${size} labs…`);
    const seeded = await seed(size);
    try {
      console.log(
        `  first pass and ${STEADY_PASSES} steady passes over ${size} labs, ${LATENCY_MS} ms per call…`,
      );
      const load = { min: loadavg()[0] ?? NaN, max: loadavg()[0] ?? NaN };
      const sampler = setInterval(() => {
        const now = loadavg()[0] ?? NaN;
        load.min = Math.min(load.min, now);
        load.max = Math.max(load.max, now);
      }, 2000);
      const ps = await passes(seeded).finally(() => clearInterval(sampler));
      for (const p of ps) {
        console.log(
          `    pass ${p.index}: ${fixed(p.wallMs / 1000, 2)} s, ${p.calls} calls (${opsLine(p.byOperation)})`,
        );
      }
      const { poweredOnVms, poweredOnLabs, suspendedLabs, foreign, uses } = seeded;
      fresh.push({
        size,
        seeded: { poweredOnVms, poweredOnLabs, suspendedLabs, foreign, uses },
        passes: ps,
        measuredAt: new Date().toISOString(),
        load,
      });
    } finally {
      await seeded.proxy.close();
      await seeded.sim.close();
      rmSync(seeded.dataDir, { recursive: true, force: true });
    }
  }

  const results = mergeResults(loadResults(), fresh);
  saveResults(results);
  const allPasses = results.flatMap((r) => r.passes);
  const allPaged = allPasses.every((p) => p.badPageSizes === 0);
  const peak = Math.max(...allPasses.map((p) => p.peakInFlight));
  const bounded = peak <= CONCURRENCY;
  const target = results.find((r) => r.size === TARGET.labs);
  const steady = target ? steadyOf(target) : [];
  const maxCalls = worst(steady, (p) => p.calls);
  const maxWall = worst(steady, (p) => p.wallMs);
  const callsMet = maxCalls !== undefined && maxCalls.calls <= TARGET.calls;
  const wallMet = maxWall !== undefined && maxWall.wallMs <= TARGET.seconds * 1000;
  const big = results.find((r) => r.size === 20000);
  const bigSteady = big ? steadyOf(big) : [];
  const mean = (ps: PassResult[], by: (p: PassResult) => number) =>
    ps.length > 0 ? ps.reduce((sum, p) => sum + by(p), 0) / ps.length : NaN;

  const rows = results.flatMap((r) => [
    row(r, 'first', r.passes[0]),
    row(
      r,
      'steady, most calls',
      worst(steadyOf(r), (p) => p.calls),
    ),
    row(
      r,
      'steady, slowest',
      worst(steadyOf(r), (p) => p.wallMs),
    ),
  ]);
  const summary = results.map(
    (r) =>
      `${n(r.size)} labs: steady passes ${n(Math.min(...steadyOf(r).map((p) => p.calls)))}–${n(Math.max(...steadyOf(r).map((p) => p.calls)))} calls ` +
      `(mean ${n(Math.round(mean(steadyOf(r), (p) => p.calls)))}), ${fixed(Math.min(...steadyOf(r).map((p) => p.wallMs)) / 1000, 1)}–${fixed(Math.max(...steadyOf(r).map((p) => p.wallMs)) / 1000, 1)} s`,
  );
  const text = section(NAME, [
    '## Reaper pass: API calls and wall time (`bench/reaper-pass.ts`)',
    '',
    'Real `runReapCycle` passes with the real VCD client and SQLite store, against the simulator behind a counting',
    `proxy at ${LATENCY_MS} ms per call: the first pass (an empty signal store: a fresh install or a lost database), then`,
    `the ${STEADY_PASSES} passes of the hour after it, every 5 minutes on an injected clock, from the signals a bot running for`,
    "hours holds (`warmSignals`: busy labs' last busy samples spread over the hour): the steady state. Plan mode: it reads",
    'exactly as enforce does but changes nothing, so the mix below holds for the hour. The simulator and the store are',
    'seeded directly: 75% of the labs powered on, 25% suspended, a third of them 4-VM `vsphere8-lab` vApps and the rest',
    "1-VM `esxi8-single`, plus 5% vApps in the VDC that are not labbot's. The powered-on labs are a mix of uses: half",
    'used in Slack within the hour, their owners writing again every hour (*chat*); 40% busy by CPU only, no Slack for',
    '3 hours (*busy*); 10% idle and warned 10 minutes before, in their grace period (*idle*). The cost simulation',
    "(`bench/reaper-cost-sim.ts`, default seed; its console's `usage reads` line) makes 13% of the usage calls that reading",
    'every ready lab each cycle makes; this mix makes about 9% at 5,000 labs (990 of 11,292 calls per steady pass).',
    `The client had logged in and found its VDC before. Concurrency: ${CONCURRENCY} calls in flight.`,
    "The simulator shares this process's CPU, and the machine was shared with other jobs while this ran: wall times",
    'are upper bounds. The simulator settles on every request as it always does (since 2026-12-02 that costs the tasks in',
    'flight and the leases due, not a scan of every vApp, and a query page builds only its own rows).',
    '',
    '| labs | on / suspended / foreign vApps | chat / busy / idle | pass | wall s | calls | query pages | `metrics/current` | `metrics/historic` | vApp reads | peak in flight | metrics failed |',
    '|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Steady state: ${summary.join('; ')}.`,
    '',
    `Measured (each size keeps its last run; \`--sizes\` re-measures some): ${results
      .map(
        (r) =>
          `${n(r.size)} labs ${r.measuredAt.slice(0, 16).replace('T', ' ')} UTC, load ${fixed(r.load.min, 1)}–${fixed(r.load.max, 1)}`,
      )
      .join('; ')}. Call counts do not depend on the load; wall times grow with it.`,
    '',
    `Calls of the 5,000-lab first pass: ${target?.passes[0] ? opsLine(target.passes[0].byOperation) : 'n/a'}; of its steady pass with the most calls: ${maxCalls ? opsLine(maxCalls.byOperation) : 'n/a'}.`,
    '',
    "What a pass costs (issue 17): the query of the VDC's vApps with our metadata (`listManagedVApps`, to act only on",
    'vApps that carry our `labbot.id`), 128 records a page, pages after the first asked for 8 at once; then only',
    'if some lab is to be read, the query of the running VMs (`type=vm`, `isVAppTemplate==false;status==POWERED_ON`),',
    "and for each lab that could be idle now (`src/reaper/usage-reads.ts`) its VMs' `metrics/current`, with",
    '`metrics/historic` since its last known sample when passes were skipped, stopping at the first VM that shows a use.',
    'A lab whose latest use (Slack, keep-alive, a busy sample, becoming ready) is at `t` is not read before',
    '`t` + idleMinutes: it cannot be idle before. So chat labs cost nothing, busy labs one history read an hour, and',
    'idle labs one read per VM per pass, as before. No vApp is read. Before issue 17 (2026-11-24): one vApp read per',
    'powered-on lab and one `metrics/current` per powered-on VM, every pass: 11,292 calls and 94.5 s at 5,000 labs.',
    'The first pass reads every lab not used in Slack within the hour (busy ones: history; idle ones: history and',
    'current). After a cold start the busy labs it found would come due again together about an hour later (one pass',
    'with about as many history reads as busy labs); labs whose use starts and stops at different times spread out.',
    '',
    `**Issue 17 target 1** (5,000 labs at ${LATENCY_MS} ms per call, steady state: ≤ ${TARGET.seconds} s and ≤ ${n(TARGET.calls)} calls per pass): ` +
      `**${callsMet && wallMet ? 'met' : 'NOT met'}**: the steady passes made at most ${maxCalls ? n(maxCalls.calls) : 'n/a'} calls ` +
      `(${callsMet ? 'met' : 'NOT met'}) and took at most ${maxWall ? fixed(maxWall.wallMs / 1000, 1) : 'n/a'} s (${wallMet ? 'met' : 'NOT met'}). ` +
      `Decisions unchanged on the cost simulation (\`node dist/bench/bench/reaper-cost-sim.js --decisions FILE\`, every seed and ` +
      'policy variant it runs, compared by minute, lab, kind, cause and action with the same run before the change;',
    'only the words of some *in use* reasons differ, quoting Slack activity where a CPU sample was not read).',
    `20,000 labs (reported, no target): first pass ${big?.passes[0] ? `${n(big.passes[0].calls)} calls in ${fixed(big.passes[0].wallMs / 1000, 1)} s` : 'n/a'}; ` +
      `steady passes up to ${bigSteady.length > 0 ? n(Math.max(...bigSteady.map((p) => p.calls))) : 'n/a'} calls and ` +
      `${bigSteady.length > 0 ? fixed(Math.max(...bigSteady.map((p) => p.wallMs)) / 1000, 1) : 'n/a'} s (mean ${bigSteady.length > 0 ? n(Math.round(mean(bigSteady, (p) => p.calls))) : 'n/a'} calls, ` +
      `${bigSteady.length > 0 ? fixed(mean(bigSteady, (p) => p.wallMs) / 1000, 1) : 'n/a'} s).`,
    `Issue 7's checks: queries paged at 128: **${allPaged ? 'met' : 'NOT met'}**; bounded concurrency: **${bounded ? 'met' : 'NOT met'}** (at most ${peak} calls in flight, bound ${CONCURRENCY}).`,
    '',
    machineLine(),
  ]);
  writeSection(NAME, text);
  console.log(text);
  console.log(`wrote ${path.relative(process.cwd(), DOC)}`);
  const verdicts: TargetVerdict[] = [
    {
      issue: 7,
      target: 'reaper pass over 5,000 labs: queries paged at 128, bounded concurrency',
      met: allPaged && bounded,
      detail: `paged at 128: ${allPaged ? 'yes' : 'NO'}; peak ${peak} calls in flight (bound ${CONCURRENCY})`,
      source: 'bench/reaper-pass.ts',
    },
    {
      issue: 17,
      target: `reaper pass over 5,000 labs at ${LATENCY_MS} ms per call, steady state: ≤ ${TARGET.seconds} s and ≤ ${n(TARGET.calls)} calls`,
      met: callsMet && wallMet,
      detail:
        `at most ${maxCalls ? n(maxCalls.calls) : 'n/a'} calls and ${maxWall ? fixed(maxWall.wallMs / 1000, 1) : 'n/a'} s per steady pass ` +
        `(first pass ${target?.passes[0] ? `${n(target.passes[0].calls)} calls, ${fixed(target.passes[0].wallMs / 1000, 1)} s` : 'n/a'}); ` +
        `20,000 labs: up to ${bigSteady.length > 0 ? n(Math.max(...bigSteady.map((p) => p.calls))) : 'n/a'} calls, ` +
        `${bigSteady.length > 0 ? fixed(Math.max(...bigSteady.map((p) => p.wallMs)) / 1000, 1) : 'n/a'} s`,
      source: 'bench/reaper-pass.ts',
    },
  ];
  reportTargets(verdicts);
  if (!verdicts.every((v) => v.met)) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Cost simulation of the idle reaper (issue 7 must show 3, issue 19 item 3). One seeded lab-usage trace
 * (bench/trace-model.ts) is billed under six strategies: (a) no reaper, only VCD's 7-day runtime lease; (b) a nightly
 * shutdown at 19:00; (c) labbot's reaper, which calls the real `planReap` every 5 simulated minutes with signals
 * derived from the trace (CPU, network, Slack activity) and applies its decisions the way `runReapCycle` does,
 * restore window included; (d) the keep-running oracle that deletes each lab right after its last use; (e) the
 * clairvoyant oracle that also suspends through every pause longer than the resume time; and the floor (powered on
 * only while someone sits at it). Billing is the real `costSoFar`. Writes its section of docs/benchmarks.md with the
 * issue 19 targets on this seed and EXTRA_SEEDS others; exits 1 if labbot at the default policy misses one on the
 * default seed.
 *
 * Run: `npx tsc -p bench/tsconfig.json && node dist/bench/bench/reaper-cost-sim.js [--seed N] [--no-network]
 * [--no-keepalive] [--no-rhythm] [--idle N --grace N --window H] [--quick]`. Not a test.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_POLICY } from '../src/config/default-policy';
import { costSoFar, hourlyRate } from '../src/labs/cost';
import { type Lab, type LabSpec } from '../src/labs/lab';
import { type KindPolicy, type LabPolicy } from '../src/labs/policy';
import { type LabSignal } from '../src/labs/ports';
import { planReap, type ReapCause, type ReapDecision, updateRhythms } from '../src/reaper/plan-reap';
import { type WorkRhythm } from '../src/reaper/work-rhythm';
import { planUsageReads } from '../src/reaper/usage-reads';
import { DOC, machineLine, reportTargets, section as wrap, writeSection } from './bench-doc';
import {
  describeTraceModel,
  generateTrace,
  isWorkingDay,
  KEEPALIVE,
  type KindName,
  minuteOfDay,
  dayOf,
  MINUTES_PER_DAY,
  Rng,
  T0,
  type Trace,
  type TraceLab,
  WAIT_MINUTES,
} from './trace-model';

const DEFAULT_SEED = 20260302;
/** Issue 19 targets, on the default seed and on each of EXTRA_SEEDS others. */
const TARGET = {
  /** labbot's bill at most this many times the floor's. */
  floorRatio: 1.5,
  /** Sittings that found their lab deleted, at most. */
  redeploys: 10,
  /** Warnings sent while the owner sat at the lab, at most this share of all warnings. */
  warningsInUseShare: 0.03,
  /** Suspends or deletes while someone sat at the lab. */
  actsInUse: 0,
};
const CYCLE_MINUTES = 5;
/** VCD's default org leases (reference/lab-platforms.md, vcd#385); at storage-lease expiry the org deletes. */
const RUNTIME_LEASE_MINUTES = 7 * MINUTES_PER_DAY;
const STORAGE_LEASE_MINUTES = 30 * MINUTES_PER_DAY;
const NIGHTLY_SHUTDOWN = 19 * 60;
/** CPU of the busiest VM (%), as VCD's 5-minute `cpu.usage.average` would report it. */
const CPU = {
  /** Share of 5-minute windows during a sitting in which the lab is busy (the rest: reading, talking, waiting). */
  busyShare: 0.9,
  busy: [20, 70] as const,
  /** Idle level per template: a nested ESXi host idles at a few %, a vCenter keeps its lab higher. */
  idle: { esxi8: [1, 4], esxi7: [1, 4], vsphere8: [4, 10] } as Record<string, readonly [number, number]>,
  /** Share of idle windows with a background spike above the threshold (vCenter tasks, host services). */
  spikeShare: 0.01,
};
/**
 * Network of all the lab's VMs (KB/s), as VCD's 5-minute `net.usage.average` would report it (issue 19: a
 * first-class signal). Someone working at the lab moves data (console, SSH, the vSphere UI, copies); in a quiet
 * stretch only an open UI session polls, and not every quiet stretch has one; with nobody at it, background traffic
 * (NTP, host services) stays under the template's threshold bar rare spikes.
 */
const NET = {
  /** Share of 5-minute windows of active work with traffic at or above the threshold. */
  activeShare: 0.7,
  /** Share of quiet stretches during which the owner's console or UI session stays open. */
  quietConsoleShare: 0.6,
  /** With the console open in a quiet stretch: share of its windows whose polling reaches the threshold. */
  quietShare: 0.4,
  spikeShare: 0.01,
};
/** How owners answer a reaper DM. */
const OWNER = {
  /** Warned while sitting at the lab (a false positive): "I'm using it" (Keep 2h) or `/lab extend`. */
  inSessionResponds: 0.9,
  /** Idle warning and the next sitting starts within this many minutes: Keep 2h with `keepShare`. */
  keepWindow: 120,
  keepShare: 0.5,
  keepMinutes: 120,
  /** Expiry warning, the lab still needed, owner at work (weekday 08–18) or next sitting within 2 h: extend. */
  extendShare: 0.8,
};
/** labbot policy variants run on the same trace: both lifetime choices × these idle/grace timings. */
const SWEEP = { lifetimes: ['default', 'max'] as const, idleMinutes: [60, 45, 30], graceMinutes: [30, 15] };
const EXTRA_SEEDS = 10;
/** `--no-network`: the runs before issue 19, with CPU and Slack activity as the only signals (a sensitivity check). */
const NETWORK_SIGNAL = !process.argv.includes('--no-network');
/** `--no-keepalive`: no in-lab agent (the runs before keep-alive was modelled; a sensitivity check). */
const KEEPALIVE_SIGNAL = NETWORK_SIGNAL && !process.argv.includes('--no-keepalive');
/** `--no-rhythm`: no working-day profiles (the reaper before they were learned; a sensitivity check). */
const RHYTHM = !process.argv.includes('--no-rhythm');
/** `--quick`: the seed's strategies only (no sweep, no other seeds); for tuning, not for the doc. */
const QUICK = process.argv.includes('--quick');

const NAME = 'reaper-cost-sim';

const at = (minute: number) => new Date(T0 + minute * 60_000);

/** One vApp's life: a lab deleted and redeployed has two. Times in minutes; `on` are powered-on intervals. */
interface Incarnation {
  createdAt: number;
  endedAt: number;
  on: [number, number][];
}

interface LabOutcome {
  incs: Incarnation[];
  actsInUse: number;
  redeploys: number;
  /** Sittings that found the lab off or suspended and waited for a boot or resume. */
  restarts: number;
  waitMinutes: number;
}

interface ReaperStats {
  warnings: number;
  warningsInUse: number;
  /** Suspends in place of a delete (restore window), and the labs brought back from one by their owner. */
  windows: number;
  broughtBack: number;
  keeps: number;
  extends: number;
  suspends: number;
  deletes: number;
  deferred: number;
  planCalls: number;
  /** Keep 2h or extend refused: the kind's extension cap was used up, or the lab is at its maximum lifetime. */
  refused: number;
  /** Warnings sent while the owner sat at the lab, by cause. */
  warningsInUseBy: Record<ReapCause, number>;
  actsInUseBy: Record<ReapCause, number>;
  inUseReasons: string[];
  /** Redeploys by what had deleted the lab (its kind, the decision's cause, whether a restore window ran out first). */
  redeploysBy: Record<string, number>;
  /** Usage calls (issue 17): reading every ready lab every cycle, against only those `planUsageReads` picks. */
  callsEveryPass: number;
  callsNeeded: number;
  labReads: number;
  historyReads: number;
}

interface Result {
  name: string;
  cost: number;
  compute: number;
  storage: number;
  afterLastUse: number;
  idleOnMinutes: number;
  actsInUse: number;
  redeploys: number;
  restarts: number;
  waitMinutes: number;
  costByKind: Map<KindName, number>;
  reaper?: ReaperStats;
}

// ---------------------------------------------------------------------------------------------------------------
// Trace helpers

function specOf(lab: TraceLab, policy: LabPolicy): LabSpec {
  const t = policy.templates.find((x) => x.key === lab.template);
  if (!t) {
    throw new Error(`template ${lab.template} is not in the policy`);
  }
  return { vcpus: t.vcpus, memoryGb: t.memoryGb, storageGb: t.storageGb };
}

function kindOf(lab: TraceLab, policy: LabPolicy): KindPolicy {
  const k = policy.kinds.find((x) => x.name === lab.kind);
  if (!k) {
    throw new Error(`kind ${lab.kind} is not in the policy`);
  }
  return k;
}

const lastEnd = (lab: TraceLab) => lab.sessions.at(-1)?.end ?? lab.readyAt;

/** Index of the sitting running at `m`, or -1. */
function sessionAt(lab: TraceLab, m: number): number {
  return lab.sessions.findIndex((s) => s.start <= m && m < s.end);
}

/** Start of the first sitting after `m`, if any. */
function nextStart(lab: TraceLab, m: number): number | undefined {
  return lab.sessions.find((s) => s.start > m)?.start;
}

function overlap(a0: number, a1: number, b0: number, b1: number): number {
  return Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
}

/** The next 19:00 strictly after `m`. */
function nextShutdown(m: number): number {
  const today = dayOf(m) * MINUTES_PER_DAY + NIGHTLY_SHUTDOWN;
  return today > m ? today : today + MINUTES_PER_DAY;
}

// ---------------------------------------------------------------------------------------------------------------
// (a), (b), (d) and the floor: closed-form walks over each lab's sittings

function noReaper(lab: TraceLab): LabOutcome {
  const out: LabOutcome = { incs: [], actsInUse: 0, redeploys: 0, restarts: 0, waitMinutes: 0 };
  const on: [number, number][] = [];
  const boot = WAIT_MINUTES[lab.template]?.boot ?? 5;
  let onSince: number | undefined = lab.readyAt;
  let leaseEnd = lab.readyAt + RUNTIME_LEASE_MINUTES;
  let offAt = lab.readyAt;
  for (const s of lab.sessions) {
    if (onSince !== undefined && leaseEnd <= s.start) {
      on.push([onSince, leaseEnd]);
      offAt = leaseEnd;
      onSince = undefined;
    }
    if (onSince === undefined) {
      onSince = s.start;
      leaseEnd = s.start + RUNTIME_LEASE_MINUTES;
      out.restarts += 1;
      out.waitMinutes += boot;
    }
    while (leaseEnd < s.end) {
      // VCD powers it off mid-sitting; the owner renews the lease and boots it again
      out.actsInUse += 1;
      out.restarts += 1;
      out.waitMinutes += boot;
      leaseEnd += RUNTIME_LEASE_MINUTES;
    }
  }
  let endedAt: number;
  if (lab.teardownAt !== undefined) {
    if (onSince !== undefined) {
      on.push([onSince, Math.min(leaseEnd, lab.teardownAt)]);
    }
    endedAt = lab.teardownAt;
  } else {
    if (onSince !== undefined) {
      on.push([onSince, leaseEnd]);
      offAt = leaseEnd;
    }
    endedAt = offAt + STORAGE_LEASE_MINUTES;
  }
  out.incs.push({ createdAt: lab.createdAt, endedAt, on });
  return out;
}

function nightly(lab: TraceLab): LabOutcome {
  const out: LabOutcome = { incs: [], actsInUse: 0, redeploys: 0, restarts: 0, waitMinutes: 0 };
  const on: [number, number][] = [];
  const boot = WAIT_MINUTES[lab.template]?.boot ?? 5;
  let onSince: number | undefined = lab.readyAt;
  let offAt = lab.readyAt;
  for (const s of lab.sessions) {
    if (onSince !== undefined && nextShutdown(onSince) <= s.start) {
      offAt = nextShutdown(onSince);
      on.push([onSince, offAt]);
      onSince = undefined;
    }
    if (onSince === undefined) {
      onSince = s.start;
      out.restarts += 1;
      out.waitMinutes += boot;
    }
    for (let k = nextShutdown(onSince); k < s.end; k = nextShutdown(k)) {
      // powered off under someone's hands; they boot it again, and it stays on until the next 19:00
      out.actsInUse += 1;
      out.restarts += 1;
      out.waitMinutes += boot;
      on.push([onSince, k]);
      onSince = k;
    }
  }
  let endedAt: number;
  if (onSince !== undefined) {
    const off = nextShutdown(onSince);
    const end = lab.teardownAt !== undefined ? Math.min(off, lab.teardownAt) : off;
    on.push([onSince, end]);
    offAt = end;
  }
  if (lab.teardownAt !== undefined) {
    endedAt = lab.teardownAt;
  } else {
    endedAt = offAt + STORAGE_LEASE_MINUTES;
  }
  out.incs.push({ createdAt: lab.createdAt, endedAt, on });
  return out;
}

function oracle(lab: TraceLab): LabOutcome {
  const end = lastEnd(lab);
  return {
    incs: [{ createdAt: lab.createdAt, endedAt: end, on: [[lab.readyAt, end]] }],
    actsInUse: 0,
    redeploys: 0,
    restarts: 0,
    waitMinutes: 0,
  };
}

/**
 * The clairvoyant oracle (issue 19): knows every future sitting. It suspends through every pause longer than the
 * template's resume time, resuming just in time for the next sitting (billed while resuming, nobody waits), and
 * deletes the lab the minute its last sitting ends.
 */
function clairvoyant(lab: TraceLab): LabOutcome {
  const resume = WAIT_MINUTES[lab.template]?.resume ?? 2;
  const on: [number, number][] = [];
  let from = lab.readyAt;
  let to = lab.readyAt;
  let restarts = 0;
  for (const s of lab.sessions) {
    if (s.start - to > resume) {
      on.push([from, to]);
      from = s.start - resume;
      restarts += 1;
    }
    to = Math.max(to, s.end);
  }
  on.push([from, to]);
  return {
    incs: [{ createdAt: lab.createdAt, endedAt: lastEnd(lab), on }],
    actsInUse: 0,
    redeploys: 0,
    restarts,
    waitMinutes: 0,
  };
}

function floor(lab: TraceLab): LabOutcome {
  return {
    incs: [
      {
        createdAt: lab.createdAt,
        endedAt: lastEnd(lab),
        on: lab.sessions.map((s): [number, number] => [s.start, s.end]),
      },
    ],
    actsInUse: 0,
    redeploys: 0,
    restarts: 0,
    waitMinutes: 0,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// (c) labbot: the real planReap every 5 minutes, its decisions applied as runReapCycle applies them

interface Run {
  trace: TraceLab;
  spec: LabSpec;
  kind: KindPolicy;
  lab?: Lab;
  inc?: Incarnation;
  onSince?: number;
  generation: number;
  /** CPU and network signals the reaper recorded (what `runReapCycle` reads back from the store). */
  cpu: LabSignal[];
  /** Every 5-minute CPU and network sample while ready: what VCD's `metrics/historic` holds for the lab. */
  history: LabSignal[];
  outcome: LabOutcome;
  /** Why the reaper deleted its current vApp, for the redeploy it may cause (ReaperStats.redeploysBy). */
  deletedBy?: string;
}

type Event = { type: 0 | 1 | 2 | 3; run: Run };
const CREATE = 0;
const READY = 1;
const SIT = 2;
const TEARDOWN = 3;

function newLab(run: Run, m: number, ready: boolean): void {
  run.generation += 1;
  const id = run.generation === 1 ? run.trace.id : `${run.trace.id}-r${run.generation}`;
  run.lab = {
    id,
    kind: run.trace.kind,
    owner: run.trace.owner,
    template: run.trace.template,
    vappName: `lab-${id}`,
    vappHref: `https://vcd.example/api/vApp/vapp-${id}`,
    desired: 'running',
    phase: ready ? 'ready' : 'deploying',
    createdAt: at(m),
    ...(ready ? { readyAt: at(m), poweredOnSince: at(m) } : {}),
    expiresAt: at(m + run.kind.defaultLifetimeHours * 60),
    vms: [],
    spec: run.spec,
    extensions: 0,
    poweredOnMs: 0,
    lastActivityAt: at(m),
  };
  run.inc = { createdAt: m, endedAt: Number.NaN, on: [] };
  run.onSince = ready ? m : undefined;
  run.cpu = [];
  run.history = [];
}

function powerOn(run: Run, m: number): void {
  if (run.lab && run.onSince === undefined) {
    run.onSince = m;
    run.lab.poweredOnSince = at(m);
    run.lab.phase = 'ready';
    run.lab.desired = 'running';
  }
}

function powerOff(run: Run, m: number): void {
  if (run.lab && run.inc && run.onSince !== undefined) {
    run.inc.on.push([run.onSince, m]);
    run.lab.poweredOnMs += (m - run.onSince) * 60_000;
    run.onSince = undefined;
    delete run.lab.poweredOnSince;
  }
}

function end(run: Run, m: number): void {
  powerOff(run, m);
  if (run.inc) {
    run.inc.endedAt = m;
    run.outcome.incs.push(run.inc);
  }
  run.lab = undefined;
  run.inc = undefined;
  run.cpu = [];
  run.history = [];
}

/**
 * `LabService.resume` of a lab in its restore window ("Bring it back"): the window ends, and an expired lab gets its
 * kind's extension from now, never past the maximum lifetime.
 */
function bringBack(lab: Lab, kind: KindPolicy, m: number): void {
  delete lab.restoreUntil;
  const hardStop = lab.createdAt.getTime() + kind.maxLifetimeHours * 3_600_000;
  if (lab.expiresAt.getTime() <= at(m).getTime()) {
    lab.expiresAt = new Date(
      Math.max(lab.expiresAt.getTime(), Math.min(at(m).getTime() + kind.extendHours * 3_600_000, hardStop)),
    );
  }
}

/** `LabService.keep`: snooze, counted against the kind's extensions, never past the maximum lifetime. */
function keep(lab: Lab, kind: KindPolicy, m: number, minutes: number): boolean {
  if (lab.extensions >= kind.maxExtensions) {
    return false;
  }
  const hardStop = lab.createdAt.getTime() + kind.maxLifetimeHours * 3_600_000;
  const until = new Date(Math.min(at(m + minutes).getTime(), hardStop));
  lab.snoozedUntil = until;
  delete lab.reapWarnedAt;
  lab.extensions += 1;
  if (lab.expiresAt < until) {
    lab.expiresAt = until;
  }
  lab.lastActivityAt = at(m);
  return true;
}

/** `LabService.extend` by the kind's default extension. */
function extend(lab: Lab, kind: KindPolicy, m: number): boolean {
  if (lab.extensions >= kind.maxExtensions) {
    return false;
  }
  const hardStop = lab.createdAt.getTime() + kind.maxLifetimeHours * 3_600_000;
  const wanted = Math.max(lab.expiresAt.getTime(), at(m).getTime()) + kind.extendHours * 3_600_000;
  const expiresAt = new Date(Math.min(wanted, hardStop));
  if (expiresAt <= lab.expiresAt) {
    return false;
  }
  lab.expiresAt = expiresAt;
  lab.extensions += 1;
  lab.lastActivityAt = at(m);
  return true;
}

/**
 * CPU of the 5 minutes up to `m`: busy for the share of it someone sat at the lab and worked it, idle level
 * otherwise (quiet stretches included).
 */
function cpuSample(run: Run, m: number, rng: Rng, policy: LabPolicy): number {
  const template = policy.templates.find((t) => t.key === run.trace.template);
  const threshold = template?.idleCpuPercent ?? 5;
  const [lo, hi] = CPU.idle[run.trace.template] ?? [1, 4];
  const idle = rng.chance(CPU.spikeShare) ? rng.uniform(threshold, 2.5 * threshold) : rng.uniform(lo, hi);
  let sat = 0;
  for (const s of run.trace.sessions) {
    if (s.start >= m) {
      break;
    }
    sat += overlap(m - CYCLE_MINUTES, m, s.start, s.end);
    if (s.quiet) {
      sat -= overlap(m - CYCLE_MINUTES, m, s.quiet.start, s.quiet.end);
    }
  }
  if (sat === 0) {
    return idle;
  }
  const busy = rng.chance(CPU.busyShare) ? rng.uniform(CPU.busy[0], CPU.busy[1]) : rng.uniform(lo, threshold);
  const share = sat / CYCLE_MINUTES;
  return share * busy + (1 - share) * idle;
}

/** Whether the console stays open through each quiet stretch, drawn once per stretch (keyed by its start). */
const consoleOpen = new Map<string, boolean>();

/** Whether the owner keeps the console open through the quiet stretch `quiet` of the lab (drawn once, with NET). */
function consoleOpenThrough(run: Run, quiet: { start: number }, rng: Rng): boolean {
  const key = `${run.trace.id}@${quiet.start}`;
  if (!consoleOpen.has(key)) {
    consoleOpen.set(key, rng.chance(NET.quietConsoleShare));
  }
  return consoleOpen.get(key) ?? false;
}

/**
 * Whether the in-lab agent calls the keep-alive URL in the 5 minutes up to `m` (KEEPALIVE in trace-model.ts): the
 * owner interacted in that window (sat at the lab, outside a quiet stretch with the console closed), bar a lost call.
 */
function keepaliveCall(run: Run, m: number, consoleRng: Rng, lossRng: Rng): boolean {
  let interacted = false;
  for (const s of run.trace.sessions) {
    if (s.start >= m) {
      break;
    }
    const sat = overlap(m - KEEPALIVE.intervalMinutes, m, s.start, s.end);
    if (sat === 0) {
      continue;
    }
    const quiet = s.quiet ? overlap(m - KEEPALIVE.intervalMinutes, m, s.quiet.start, s.quiet.end) : 0;
    interacted ||= sat > quiet || (s.quiet !== undefined && consoleOpenThrough(run, s.quiet, consoleRng));
  }
  return interacted && !lossRng.chance(KEEPALIVE.lossShare);
}

/** Network of the 5 minutes up to `m` (NET): at or above the threshold while someone works or polls, else below. */
function netSample(run: Run, m: number, rng: Rng, policy: LabPolicy): number {
  const template = policy.templates.find((t) => t.key === run.trace.template);
  const threshold = template?.idleNetworkKbps ?? 20;
  const low = rng.uniform(0.5, 0.4 * threshold);
  const high = rng.uniform(threshold, 20 * threshold);
  let busy = rng.chance(NET.spikeShare);
  for (const s of run.trace.sessions) {
    if (s.start >= m) {
      break;
    }
    if (overlap(m - CYCLE_MINUTES, m, s.start, s.end) === 0) {
      continue;
    }
    const quiet = s.quiet && overlap(m - CYCLE_MINUTES, m, s.quiet.start, s.quiet.end) >= CYCLE_MINUTES / 2;
    if (quiet && s.quiet) {
      busy ||= consoleOpenThrough(run, s.quiet, rng) && rng.chance(NET.quietShare);
    } else {
      busy ||= rng.chance(NET.activeShare);
    }
  }
  return busy ? high : low;
}

function labbot(
  trace: Trace,
  policy: LabPolicy,
  seed: number,
): { outcomes: LabOutcome[]; stats: ReaperStats } {
  const rng = new Rng(seed ^ 0x5eed);
  // A stream of its own, so that the CPU samples are those of the runs before network signals were modelled.
  const netRng = new Rng(seed ^ 0x4e7);
  // Keep-alive losses on a stream of their own too (the console draws are the network's: one per quiet stretch).
  const keepaliveRng = new Rng(seed ^ 0x6a1);
  const rhythms = new Map<string, WorkRhythm>();
  consoleOpen.clear();
  const stats: ReaperStats = {
    warnings: 0,
    warningsInUse: 0,
    windows: 0,
    broughtBack: 0,
    keeps: 0,
    extends: 0,
    suspends: 0,
    deletes: 0,
    deferred: 0,
    planCalls: 0,
    refused: 0,
    warningsInUseBy: { idle: 0, expiring: 0, expired: 0, 'ticket-closed': 0 },
    actsInUseBy: { idle: 0, expiring: 0, expired: 0, 'ticket-closed': 0 },
    inUseReasons: [],
    redeploysBy: {},
    callsEveryPass: 0,
    callsNeeded: 0,
    labReads: 0,
    historyReads: 0,
  };
  const lookback = (policy.reaper.idleMinutes + policy.reaper.graceMinutes) * 2;
  const runs: Run[] = trace.labs.map((t) => ({
    trace: t,
    spec: specOf(t, policy),
    kind: kindOf(t, policy),
    generation: 0,
    cpu: [],
    history: [],
    outcome: { incs: [], actsInUse: 0, redeploys: 0, restarts: 0, waitMinutes: 0 },
  }));
  const events = new Map<number, Event[]>();
  const add = (m: number, e: Event) => events.set(m, [...(events.get(m) ?? []), e]);
  let lastEvent = 0;
  for (const run of runs) {
    add(run.trace.createdAt, { type: CREATE, run });
    add(run.trace.readyAt, { type: READY, run });
    for (const s of run.trace.sessions) {
      add(s.start, { type: SIT, run });
    }
    if (run.trace.teardownAt !== undefined) {
      add(run.trace.teardownAt, { type: TEARDOWN, run });
    }
    lastEvent = Math.max(lastEvent, run.trace.teardownAt ?? lastEnd(run.trace));
  }
  const byId = new Map<string, Run>();
  const first = Math.min(...runs.map((r) => r.trace.createdAt));
  for (let m = first; ; m++) {
    for (const e of (events.get(m) ?? []).sort((a, b) => a.type - b.type)) {
      const { run } = e;
      const waits = WAIT_MINUTES[run.trace.template] ?? { deploy: 10, boot: 5, resume: 2 };
      if (e.type === CREATE) {
        newLab(run, m, false);
        byId.set(run.lab?.id ?? '', run);
      } else if (e.type === READY) {
        if (run.lab && run.lab.phase === 'deploying') {
          run.lab.phase = 'ready';
          run.lab.readyAt = at(m);
          powerOn(run, m);
        }
      } else if (e.type === SIT) {
        if (!run.lab) {
          // reaped (deleted) while still needed: deploy it again and wait
          newLab(run, m, true);
          byId.set(run.lab!.id, run);
          run.outcome.redeploys += 1;
          const by = run.deletedBy ?? 'deleted by no reaper decision';
          stats.redeploysBy[by] = (stats.redeploysBy[by] ?? 0) + 1;
          delete run.deletedBy;
          run.outcome.waitMinutes += waits.deploy;
        } else if (run.lab.phase === 'suspended') {
          if (run.lab.restoreUntil) {
            bringBack(run.lab, run.kind, m);
            stats.broughtBack += 1;
          }
          powerOn(run, m);
          run.outcome.restarts += 1;
          run.outcome.waitMinutes += waits.resume;
        }
        // the owner asks for the lab's access details (or resumes it) in Slack
        if (run.lab) {
          run.lab.lastActivityAt = at(m);
        }
      } else if (run.lab) {
        end(run, m);
      }
    }
    const live = runs.filter((r) => r.lab && (r.lab.phase === 'ready' || r.lab.phase === 'suspended'));
    if (m % CYCLE_MINUTES === 0 && live.length > 0) {
      cycle(m, live, byId, policy, { rng, netRng, keepaliveRng }, rhythms, lookback, stats);
    }
    if (m > lastEvent && runs.every((r) => !r.lab)) {
      break;
    }
    if (m > lastEvent + 60 * MINUTES_PER_DAY) {
      throw new Error('labbot simulation did not settle within 60 days of the last event');
    }
  }
  return { outcomes: runs.map((r) => r.outcome), stats };
}

function cycle(
  m: number,
  live: Run[],
  byId: Map<string, Run>,
  policy: LabPolicy,
  { rng, netRng, keepaliveRng }: { rng: Rng; netRng: Rng; keepaliveRng: Rng },
  /** The stored working-day profiles (runReapCycle's WorkRhythmStore), updated in place. */
  rhythms: Map<string, WorkRhythm>,
  lookback: number,
  stats: ReaperStats,
): void {
  const since = at(m - lookback).getTime();
  for (const run of live) {
    if (run.lab?.phase === 'ready') {
      // Drawn for every ready lab, read or not, so that the random stream (and so the trace) is the same either way.
      run.history.push({ labId: run.lab.id, at: at(m), kind: 'cpu', value: cpuSample(run, m, rng, policy) });
      if (NETWORK_SIGNAL) {
        run.history.push({
          labId: run.lab.id,
          at: at(m),
          kind: 'network',
          value: netSample(run, m, netRng, policy),
        });
      }
      if (KEEPALIVE_SIGNAL && keepaliveCall(run, m, netRng, keepaliveRng)) {
        // Recorded by the keep-alive route as it comes (SignalStore.recordKeepalive), not by the reaper's reads.
        run.cpu.push({ labId: run.lab.id, at: at(m), kind: 'keepalive' });
      }
    }
    for (const list of [run.cpu, run.history]) {
      while ((list[0]?.at.getTime() ?? Infinity) < since) {
        list.shift();
      }
    }
  }
  const labs = live.map((r) => r.lab!);
  // As runReapCycle does: the stored profiles with the uses known before the reads pick what to read, those with
  // every use seen after them go to planReap and back to the store.
  const known = (signals: LabSignal[]) =>
    RHYTHM ? updateRhythms(rhythms, labs, signals, at(m), policy) : undefined;
  readUsage(m, live, policy, lookback, stats, known(live.flatMap((run) => run.cpu)));
  const signals = live.flatMap((run) => run.cpu);
  const updated = known(signals);
  for (const [key, rhythm] of updated ?? []) {
    rhythms.set(key, rhythm);
  }
  const decisions = planReap(labs, signals, at(m), policy, undefined, updated);
  stats.planCalls += 1;
  recordDecisions(m, decisions);
  for (const d of decisions) {
    const run = byId.get(d.labId);
    const lab = run?.lab;
    if (!run || !lab) {
      continue;
    }
    const sitting = sessionAt(run.trace, m) >= 0;
    if (d.kind === 'warn') {
      lab.reapWarnedAt = at(m);
      stats.warnings += 1;
      stats.warningsInUse += sitting ? 1 : 0;
      stats.warningsInUseBy[d.cause] += sitting ? 1 : 0;
      respond(run, lab, d.cause, sitting, m, rng, stats);
    } else if (d.kind === 'unwarn') {
      delete lab.reapWarnedAt;
    } else if (d.kind === 'defer') {
      stats.deferred += 1;
    } else if (d.kind === 'act') {
      if (sitting) {
        run.outcome.actsInUse += 1;
        stats.actsInUseBy[d.cause] += 1;
        stats.inUseReasons.push(`${at(m).toISOString().slice(0, 16)} ${d.labId} ${d.action}: ${d.reason}`);
      }
      delete lab.reapWarnedAt;
      if (d.action === 'suspend') {
        stats.suspends += 1;
        stats.windows += d.restoreUntil ? 1 : 0;
        powerOff(run, m);
        lab.phase = 'suspended';
        lab.desired = 'suspended';
        if (d.restoreUntil) {
          lab.restoreUntil = d.restoreUntil;
        }
      } else {
        stats.deletes += 1;
        run.deletedBy =
          `${run.trace.kind} lab deleted (${d.cause})` +
          (lab.phase === 'suspended'
            ? ' after a suspend (restore window or suspended kind)'
            : ' while running');
        end(run, m);
      }
    }
  }
}

/**
 * `--decisions FILE`: every decision of every `planReap` call, one line each (minute, lab, kind, cause, action; the
 * reason too unless it is a plain keep), so that two runs (another read strategy, another commit) can be compared
 * with `cmp`.
 */
const decisionLog: string[] = [];
function recordDecisions(m: number, decisions: readonly ReapDecision[]): void {
  if (!process.argv.includes('--decisions')) {
    return;
  }
  for (const d of decisions) {
    const cause = 'cause' in d ? d.cause : '';
    const action = 'action' in d ? d.action : '';
    decisionLog.push(
      `${m} ${d.labId} ${d.kind} ${cause} ${action}${d.kind === 'keep' ? '' : ` ${d.reason}`}`,
    );
  }
}

/** VMs per template (bench/seed-labs.ts: a vsphere8 lab is 4 VMs, an ESXi host 1): the metrics calls of a read. */
const VMS: Record<string, number> = { vsphere8: 4 };

/**
 * The reaper's usage reads of one cycle, as `runReapCycle` makes them: with `--sampling every-pass` (before issue 17)
 * every ready lab's current CPU; by default only the labs `planUsageReads` picks, each with the history it has not
 * seen (the trace's samples after `historySince`) and its current sample. Counts the calls both ways.
 */
function readUsage(
  m: number,
  live: Run[],
  policy: LabPolicy,
  lookback: number,
  stats: ReaperStats,
  rhythms: ReadonlyMap<string, WorkRhythm> | undefined,
): void {
  const ready = live.filter((r) => r.lab?.phase === 'ready');
  const vmsOf = (run: Run) => VMS[run.trace.template] ?? 1;
  // Before: one vApp read per powered-on lab, and one metrics read per VM.
  stats.callsEveryPass += ready.reduce((sum, r) => sum + 1 + vmsOf(r), 0);
  if (process.argv.includes('every-pass')) {
    for (const run of ready) {
      run.cpu.push(...run.history.filter((s) => s.at.getTime() === at(m).getTime()));
    }
    return;
  }
  const reads = planUsageReads(
    ready.map((r) => r.lab!),
    ready.flatMap((r) => r.cpu),
    at(m),
    policy,
    { lookbackMs: lookback * 60_000, ...(rhythms ? { rhythms } : {}) },
  );
  const byId = new Map(ready.map((r) => [r.lab!.id, r]));
  for (const read of reads) {
    const run = byId.get(read.labId);
    if (read.kind !== 'read' || !run) {
      continue;
    }
    const from = read.historySince?.getTime();
    const history =
      from === undefined
        ? []
        : run.history.filter((s) => s.at.getTime() > from && s.at.getTime() < at(m).getTime());
    // As runReapCycle does: a busy sample in the last 10 minutes of history shows the lab in use; no current read.
    const recentBusy = history.some(
      (s) =>
        (s.value ?? 0) >= (s.kind === 'network' ? read.busy.networkKbps : read.busy.cpuPercent) &&
        s.at.getTime() >= at(m - 10).getTime(),
    );
    const current = recentBusy ? [] : run.history.filter((s) => s.at.getTime() === at(m).getTime());
    run.cpu.push(...history.filter((s) => !run.cpu.includes(s)), ...current);
    // An upper bound: every VM read (runReapCycle stops at the first VM that shows a use).
    stats.callsNeeded += vmsOf(run) * ((from !== undefined ? 1 : 0) + (recentBusy ? 0 : 1));
    stats.labReads += 1;
    stats.historyReads += from !== undefined ? 1 : 0;
  }
}

/** What a warned owner does (constants in OWNER). */
function respond(
  run: Run,
  lab: Lab,
  cause: ReapCause,
  sitting: boolean,
  m: number,
  rng: Rng,
  stats: ReaperStats,
): void {
  const next = nextStart(run.trace, m);
  const soon = next !== undefined && next - m <= OWNER.keepWindow;
  if (cause === 'idle') {
    const pressed = sitting ? rng.chance(OWNER.inSessionResponds) : soon && rng.chance(OWNER.keepShare);
    if (pressed) {
      const kept = keep(lab, run.kind, m, OWNER.keepMinutes);
      stats.keeps += kept ? 1 : 0;
      stats.refused += kept ? 0 : 1;
    }
    return;
  }
  const atWork = isWorkingDay(dayOf(m)) && minuteOfDay(m) >= 8 * 60 && minuteOfDay(m) < 18 * 60;
  const extendIt = sitting
    ? rng.chance(OWNER.inSessionResponds)
    : next !== undefined && (soon || atWork) && rng.chance(OWNER.extendShare);
  if (extendIt) {
    const extended = extend(lab, run.kind, m);
    stats.extends += extended ? 1 : 0;
    stats.refused += extended ? 0 : 1;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Billing and the report

function incCost(inc: Incarnation, spec: LabSpec, policy: LabPolicy, clipAt = Infinity) {
  const endedAt = Math.max(inc.createdAt, Math.min(inc.endedAt, clipAt));
  const onMinutes = inc.on.reduce((sum, [a, b]) => sum + overlap(a, b, -Infinity, clipAt), 0);
  const total = costSoFar(
    { spec, createdAt: at(inc.createdAt), endedAt: at(endedAt), poweredOnMs: onMinutes * 60_000 },
    at(endedAt),
    policy.rates,
  );
  const rate = hourlyRate(spec, policy.rates);
  return { total, compute: (Math.ceil(onMinutes) * rate.compute) / 60 };
}

function summarize(name: string, trace: Trace, outcomes: LabOutcome[], policy: LabPolicy): Result {
  const r: Result = {
    name,
    cost: 0,
    compute: 0,
    storage: 0,
    afterLastUse: 0,
    idleOnMinutes: 0,
    actsInUse: 0,
    redeploys: 0,
    restarts: 0,
    waitMinutes: 0,
    costByKind: new Map(),
  };
  trace.labs.forEach((lab, i) => {
    const o = outcomes[i];
    if (!o) {
      return;
    }
    const spec = specOf(lab, policy);
    for (const inc of o.incs) {
      const c = incCost(inc, spec, policy);
      r.cost += c.total;
      r.compute += c.compute;
      r.afterLastUse += c.total - incCost(inc, spec, policy, lastEnd(lab)).total;
      r.costByKind.set(lab.kind, (r.costByKind.get(lab.kind) ?? 0) + c.total);
      for (const [a, b] of inc.on) {
        const sat = lab.sessions.reduce((sum, s) => sum + overlap(a, b, s.start, s.end), 0);
        r.idleOnMinutes += b - a - sat;
      }
    }
    r.actsInUse += o.actsInUse;
    r.redeploys += o.redeploys;
    r.restarts += o.restarts;
    r.waitMinutes += o.waitMinutes;
  });
  r.storage = r.cost - r.compute;
  return r;
}

/** A labbot policy variant: reaper timings, and whether labs get their kind's default or maximum lifetime. */
interface Variant {
  lifetimes: 'default' | 'max';
  idle: number;
  grace: number;
}

function variantPolicy(policy: LabPolicy, v: Variant): LabPolicy {
  return {
    ...policy,
    kinds:
      v.lifetimes === 'max'
        ? policy.kinds.map((k) => ({ ...k, defaultLifetimeHours: k.maxLifetimeHours }))
        : policy.kinds,
    reaper: { ...policy.reaper, idleMinutes: v.idle, graceMinutes: v.grace },
  };
}

const variantName = (v: Variant) =>
  `idle ${v.idle} + grace ${v.grace} min, ${v.lifetimes === 'max' ? 'lifetime = max lifetime' : 'default lifetimes'}`;

/** Prefer a variant that changes less: default lifetimes first, then the longest idle + grace. */
const mildestFirst = (a: Variant, b: Variant) =>
  (a.lifetimes === 'default' ? 0 : 1) - (b.lifetimes === 'default' ? 0 : 1) ||
  b.idle + b.grace - (a.idle + a.grace) ||
  b.idle - a.idle;

function runLabbot(name: string, trace: Trace, policy: LabPolicy, seed: number): Result {
  const { outcomes, stats } = labbot(trace, policy, seed);
  return { ...summarize(name, trace, outcomes, policy), reaper: stats };
}

interface Verdicts {
  cost: boolean;
  redeploys: boolean;
  warnings: boolean;
  inUse: boolean;
}

/** Each issue 19 target for one run, against that seed's floor. */
function verdicts(r: Result, floorCost: number): Verdicts {
  const s = r.reaper;
  return {
    cost: r.cost <= TARGET.floorRatio * floorCost,
    redeploys: r.redeploys <= TARGET.redeploys,
    warnings: s === undefined || s.warningsInUse <= TARGET.warningsInUseShare * s.warnings,
    inUse: r.actsInUse <= TARGET.actsInUse,
  };
}

const meets = (r: Result, floorCost: number) => Object.values(verdicts(r, floorCost)).every(Boolean);
const yes = (ok: boolean) => (ok ? 'met' : '**not met**');
const usd = (x: number) =>
  `$${x.toLocaleString('en-US', { minimumFractionDigits: 0, maximumFractionDigits: 0 })}`;
const hours = (minutes: number) => Math.round(minutes / 60).toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;
/** For each seed over the redeploy target: what had deleted the labs needed again. */
function redeploySeedWords(seeds: readonly { seed: number; floor: number; labbot: Result }[]): string {
  const over = seeds.filter((x) => !verdicts(x.labbot, x.floor).redeploys);
  return over
    .map((x) => ` Redeploys on seed ${x.seed} (${x.labbot.redeploys}): ${redeployWords(x.labbot.reaper)}.`)
    .join('');
}

/** The redeploys of a run by what had deleted the lab, most first, in words (ReaperStats.redeploysBy). */
function redeployWords(stats: ReaperStats | undefined): string {
  const by = Object.entries(stats?.redeploysBy ?? {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  return by.length === 0 ? 'no redeploy' : by.map(([why, n]) => `${n} × ${why}`).join(', ');
}

const kindsThat = (policy: LabPolicy, action: 'suspend' | 'delete') =>
  policy.kinds
    .filter((k) => k.idleAction === action)
    .map((k) => k.name)
    .join(', ');

function resultRow(r: Result, oracleCost: number, floorCost: number): string {
  return (
    `| ${r.name} | ${usd(r.cost)} | ${ratio(r.cost, floorCost)} | ${ratio(r.cost, oracleCost)} | ${usd(r.compute)} | ${usd(r.storage)} | ` +
    `${usd(r.afterLastUse)} | ${hours(r.idleOnMinutes)} | ${r.actsInUse} | ${r.redeploys} | ${r.restarts} | ` +
    `${hours(r.waitMinutes)} | ${r.reaper ? `${r.reaper.warnings} (${r.reaper.warningsInUse})` : '–'} |`
  );
}

interface Report {
  seed: number;
  trace: Trace;
  results: Result[];
  oracle: Result;
  floor: Result;
  labbot: Result;
  sweep: { variant: Variant; result: Result }[];
  tuned?: { variant: Variant; result: Result };
  seeds: { seed: number; oracle: number; floor: number; labbot: Result; tuned?: Result }[];
  ms: number;
}

function simulate(seed: number, policy: LabPolicy): { trace: Trace; results: Result[] } {
  const trace = generateTrace(seed, policy);
  const results = [
    summarize('(a) no reaper, VCD 7-day runtime lease', trace, trace.labs.map(noReaper), policy),
    summarize('(b) nightly shutdown at 19:00', trace, trace.labs.map(nightly), policy),
    runLabbot(
      `(c) labbot reaper, DEFAULT_POLICY (idle ${policy.reaper.idleMinutes} + grace ${policy.reaper.graceMinutes} min)`,
      trace,
      policy,
      seed,
    ),
    summarize(
      '(d) keep-running oracle: delete right after the last use',
      trace,
      trace.labs.map(oracle),
      policy,
    ),
    summarize(
      '(e) clairvoyant oracle: suspend through every pause longer than the resume time, delete after the last use',
      trace,
      trace.labs.map(clairvoyant),
      policy,
    ),
    summarize('(ref) floor: powered on only while sitting at it', trace, trace.labs.map(floor), policy),
  ];
  return { trace, results };
}

function traceSummary(trace: Trace): string {
  const kinds = ['demo', 'repro', 'class', 'dev'] as const;
  const count = (k: KindName) => trace.labs.filter((l) => l.kind === k).length;
  const sittings = trace.labs.reduce((n, l) => n + l.sessions.length, 0);
  const sat = trace.labs.reduce((n, l) => n + l.sessions.reduce((s, x) => s + x.end - x.start, 0), 0);
  const forgotten = trace.labs.filter((l) => l.teardownAt === undefined).length;
  const span = trace.labs.map((l) => lastEnd(l) - l.createdAt).sort((a, b) => a - b);
  const median = span[Math.floor(span.length / 2)] ?? 0;
  return (
    `This seed's trace: ${trace.labs.length} labs (${kinds.map((k) => `${count(k)} ${k}`).join(', ')}), ` +
    `${sittings} sittings, ${hours(sat)} h of use; ${forgotten} labs (${pct(forgotten, trace.labs.length)}) ` +
    `are forgotten; median time from request to last use ${(median / 60).toFixed(1)} h.`
  );
}

/** The issue 19 targets on this seed, each with its verdict and, where not met, why (from the run's own figures). */
/**
 * Why the idle tail after a sitting cannot be shorter, in numbers: the trace's quiet stretches, and how many outlast
 * half of idle + grace. In the share whose console is closed the owner sits at the lab with no keep-alive, CPU or
 * network signal: a reaper that acted sooner would act on those whose owner misses the warning.
 */
function silentStretches(trace: Trace, tail: number): string {
  const stretches = trace.labs.flatMap((l) =>
    l.sessions.flatMap((s) => (s.quiet ? [s.quiet.end - s.quiet.start] : [])),
  );
  const long = stretches.filter((m) => m > tail / 2).length;
  const closed = 1 - NET.quietConsoleShare;
  return (
    `The tail cannot safely be shorter: the trace has ${stretches.length} quiet stretches of an owner at the lab, ` +
    `${long} of them longer than ${Math.round(tail / 2)} min (half of idle + grace); in about ${Math.round(closed * 100)}% ` +
    `(console closed: ~${Math.round(long * closed)} of those) no keep-alive, CPU or network signal tells them from a ` +
    `lab left behind, so halving the tail during the working day would warn ~${Math.round(long * closed)} owners at ` +
    `their labs and act on those who miss the warning. labbot halves it only after an owner's learned end of day.`
  );
}

function verdict(rep: Report, policy: LabPolicy): string[] {
  const l = rep.labbot;
  const s = l.reaper;
  const r = policy.reaper;
  const f = rep.floor.cost;
  const v = verdicts(l, f);
  const warnings = s?.warnings ?? 0;
  const inUseWarnings = s?.warningsInUse ?? 0;
  const afterUse = usd(l.afterLastUse);
  const overFloor = l.cost - f;
  const lines = [
    `**Issue 19 targets, labbot with \`DEFAULT_POLICY\`, seed ${rep.seed}:**`,
    '',
    `- Cost at most ${TARGET.floorRatio}× the floor: ${yes(v.cost)}. labbot costs ${ratio(l.cost, f)} the floor ` +
      `(${usd(l.cost)} vs ${usd(f)}) and ${ratio(l.cost, rep.oracle.cost)} the clairvoyant oracle.` +
      (v.cost
        ? ''
        : ` Of the ${usd(overFloor)} above the floor, ${usd(l.compute - rep.floor.compute)} is compute: ` +
          `${hours(l.idleOnMinutes)} h powered on with nobody at the lab, mostly the ${r.idleMinutes} min idle window ` +
          `and ${r.graceMinutes} min grace after each sitting (shorter timings act on quiet stretches: see the sweep) ` +
          `and the pauses under idle + grace; ${usd(l.storage - rep.floor.storage)} is storage: suspended labs and ` +
          `the ${r.restoreWindowHours ?? 0} h restore windows (${s?.windows ?? 0} of them; ${s?.broughtBack ?? 0} ` +
          `labs brought back) that replace redeploys. ${afterUse} in all is billed after labs' last use. ` +
          silentStretches(rep.trace, r.idleMinutes + r.graceMinutes)),
    `- At most ${TARGET.redeploys} redeploys: ${yes(v.redeploys)} (${l.redeploys}; ${l.restarts} resumes, ` +
      `${hours(l.waitMinutes)} h of waiting in all).` +
      (v.redeploys ? '' : ` Why: ${redeployWords(s)}.`),
    `- Warnings while the owner is at the lab at most ${TARGET.warningsInUseShare * 100}% of all: ${yes(v.warnings)} ` +
      `(${inUseWarnings} of ${warnings}, ${warnings > 0 ? ((100 * inUseWarnings) / warnings).toFixed(1) : '0'}%: ` +
      `${s?.warningsInUseBy.idle ?? 0} idle, ${(s?.warningsInUseBy.expiring ?? 0) + (s?.warningsInUseBy.expired ?? 0)} expiry).`,
    `- No action on a lab in use: ${yes(v.inUse)} (${l.actsInUse}).` +
      (v.inUse
        ? ''
        : ` E.g. ${(s?.inUseReasons ?? [])
            .slice(0, 2)
            .map((x) => `\`${x}\``)
            .join(', ')}.`),
  ];
  const t = rep.tuned;
  if (!meets(l, f)) {
    lines.push(
      '',
      t
        ? `**A setting of the sweep below that meets every target:** ${variantName(t.variant)} (row (c′)).`
        : `**No setting of the sweep below meets every target** on this trace: the timings that bring the cost ` +
            `down act on quiet stretches (owners at their labs), the ones that never do cost more than ` +
            `${TARGET.floorRatio}× the floor.`,
    );
  }
  return lines;
}

/** What the sweep shows, in one sentence built from its rows. */
function sweepSummary(rep: Report): string {
  const rows = rep.sweep.filter((x) => x.variant.lifetimes === 'max');
  const longest = rows[0];
  const shortest = rows.at(-1);
  const cheapest = [...rep.sweep].sort((a, b) => a.result.cost - b.result.cost)[0];
  if (!longest || !shortest || !cheapest) {
    return '';
  }
  const idleActs = (x: Result) => x.reaper?.actsInUseBy.idle ?? 0;
  return (
    `Shorter timings save at most ${pct(rep.labbot.cost - cheapest.result.cost, rep.labbot.cost)} of the default's ` +
    `bill (${variantName(cheapest.variant)}), but quiet stretches then outlast idle + grace: with lifetimes at ` +
    `their maximum, idle decisions on labs in use go from ${idleActs(longest.result)} at ` +
    `${longest.variant.idle} + ${longest.variant.grace} min to ${idleActs(shortest.result)} at ` +
    `${shortest.variant.idle} + ${shortest.variant.grace} min, and warnings to owners at their lab from ` +
    `${longest.result.reaper?.warningsInUse ?? 0} to ${shortest.result.reaper?.warningsInUse ?? 0}.`
  );
}

function section(rep: Report, policy: LabPolicy): string {
  const o = rep.oracle.cost;
  const fl = rep.floor.cost;
  const r = policy.reaper;
  const rows = rep.results.map((x) => resultRow(x, o, fl));
  if (rep.tuned) {
    rows.splice(
      3,
      0,
      resultRow(
        {
          ...rep.tuned.result,
          name: `(c′) labbot, TUNED: ${variantName(rep.tuned.variant)}`,
        },
        o,
        fl,
      ),
    );
  }
  const sweepRows = rep.sweep.map(({ variant: v, result: x }) => {
    const s = x.reaper;
    return (
      `| ${v.lifetimes === 'max' ? '= max' : 'default'} | ${v.idle} | ${v.grace} | ${usd(x.cost)} | ${ratio(x.cost, fl)} | ` +
      `${x.actsInUse} (${s?.actsInUseBy.idle ?? 0}) | ${x.redeploys} | ` +
      `${s?.warnings ?? 0} | ${s?.warningsInUse ?? 0} | ${s?.keeps ?? 0} | ${s?.suspends ?? 0} | ${s?.deletes ?? 0} | ` +
      `${meets(x, fl) ? 'yes' : 'no'} |`
    );
  });
  const seedRow = (x: { seed: number; oracle: number; floor: number; labbot: Result }) => {
    const l = x.labbot;
    const v = verdicts(l, x.floor);
    const w = l.reaper;
    const share = w && w.warnings > 0 ? ((100 * w.warningsInUse) / w.warnings).toFixed(1) : '0';
    return (
      `| ${x.seed} | ${usd(l.cost)} | ${ratio(l.cost, x.floor)} | ${ratio(l.cost, x.oracle)} | ${l.redeploys} | ` +
      `${w?.warnings ?? 0} (${w?.warningsInUse ?? 0}, ${share}%) | ${l.actsInUse} | ` +
      `${[v.cost, v.redeploys, v.warnings, v.inUse].map((ok) => (ok ? 'met' : '**no**')).join(' / ')} |`
    );
  };
  const seedRows = [
    seedRow({ seed: rep.seed, oracle: o, floor: fl, labbot: rep.labbot }),
    ...rep.seeds.map(seedRow),
  ];
  const allSeeds = [{ floor: fl, labbot: rep.labbot }, ...rep.seeds];
  const metOn = (key: keyof Verdicts) => allSeeds.filter((x) => verdicts(x.labbot, x.floor)[key]).length;
  const kinds = ['demo', 'repro', 'class', 'dev'] as const;
  const byKind = kinds.map(
    (k) =>
      `${k} ${ratio(rep.labbot.costByKind.get(k) ?? 0, rep.oracle.costByKind.get(k) ?? 1)}` +
      (rep.tuned
        ? ` (tuned ${ratio(rep.tuned.result.costByKind.get(k) ?? 0, rep.oracle.costByKind.get(k) ?? 1)})`
        : ''),
  );
  const s = rep.labbot.reaper;
  const idleLevels = Object.entries(CPU.idle)
    .filter(([k]) => policy.kinds.some((kind) => kind.defaultTemplate === k))
    .map(([k, [a, b]]) => `${a}–${b}% ${k}`)
    .join(', ');
  return wrap(
    NAME,
    [
      '## Idle reaper cost simulation (`bench/reaper-cost-sim.ts`)',
      '',
      "One seeded lab-usage trace, billed under each strategy with labbot's own `costSoFar` (CPU and RAM per",
      "started minute while powered on, storage while the vApp exists) at `DEFAULT_POLICY`'s rates " +
        `($${policy.rates.vcpuHour}/vCPU-h, $${policy.rates.memoryGbHour}/GB-h of RAM, $${policy.rates.storageGbMonth}/GB-month of storage).`,
      "Each lab is billed for its whole life, so a forgotten vApp's storage tail counts even where it runs past the",
      'three weeks of the trace.',
      '',
      `Seed **${rep.seed}** (\`--seed N\` for another). ${traceSummary(rep.trace)}`,
      '',
      '### Trace model (`bench/trace-model.ts`)',
      '',
      ...describeTraceModel(policy),
      '',
      '### Strategies',
      '',
      `- **(a) no reaper:** labs run until their owner tears them down. VCD's default runtime lease powers a vApp off`,
      `  7 days after it was last started (a sitting after that boots it and renews the lease); the default 30-day`,
      `  storage lease then deletes it (orgs set to "move to expired items" would bill storage longer).`,
      `- **(b) nightly shutdown:** every lab still on at 19:00 is powered off; the owner's next sitting boots it.`,
      `  Storage as in (a): a forgotten lab is deleted 30 days after its last power-off.`,
      `- **(c) labbot:** every ${CYCLE_MINUTES} simulated minutes the real \`planReap\` gets the live labs (ready or suspended) and`,
      `  their signals of the last ${(r.idleMinutes + r.graceMinutes) * 2} min, as \`runReapCycle\` reads them. Signals: a CPU sample`,
      `  per powered-on lab per cycle, the 5-minute average of the busiest VM: ${CPU.busy[0]}–${CPU.busy[1]}% for the part of`,
      `  the window someone sat at the lab (in ${Math.round((1 - CPU.busyShare) * 100)}% of such windows the sitter is reading or talking`,
      `  and it stays at idle level), else the template's idle level (${idleLevels}) with a ${CPU.spikeShare * 100}% chance of a background spike above the threshold; Slack`,
      `  activity (\`lastActivityAt\`) at every sitting's start; ` +
        (NETWORK_SIGNAL
          ? `a network sample per cycle (all VMs, KB/s): at or above the template's threshold in ` +
            `${NET.activeShare * 100}% of windows of active work; in a quiet stretch only if the owner's console or UI ` +
            `stays open (${NET.quietConsoleShare * 100}% of stretches), and then in ${NET.quietShare * 100}% of its windows; ` +
            `else below, bar a ${NET.spikeShare * 100}% chance of a spike.`
          : 'no network or keep-alive signals (`--no-network`).') +
        (KEEPALIVE_SIGNAL
          ? ` Keep-alive calls as the trace model above has them (recorded as they come, read by every cycle).`
          : NETWORK_SIGNAL
            ? ' No keep-alive calls (`--no-keepalive`).'
            : '') +
        (RHYTHM
          ? ` Owners' and labs' working-day profiles (\`updateRhythms\`) carried from cycle to cycle as the store keeps them.`
          : ' No working-day profiles (`--no-rhythm`).'),
      `  Decisions are applied as \`runReapCycle\` applies them: *warn* sets \`reapWarnedAt\`,`,
      `  *unwarn* clears it, *act* suspends or deletes per the kind (${kindsThat(policy, 'delete')} delete, ${kindsThat(policy, 'suspend')} suspend),`,
      `  and the controller is taken to finish at once. With \`restoreWindowHours\` (${r.restoreWindowHours ?? 0} h) a delete of a`,
      `  running or suspended lab is a suspend with a restore window first (never past the kind's maximum lifetime); the lab`,
      `  is deleted only if still suspended when it ends. A suspended lab resumes at its owner's next sitting (in a restore`,
      `  window as \`LabService.resume\` does it: the window ends, an expired lab gets its kind's extension); a deleted one`,
      `  that is needed again is redeployed then (a **redeploy**, the disruption). Labs carry the kind's default`,
      `  lifetime, and hard expiry warns and deletes as \`planReap\` decides.`,
      `  Owners answering a DM: warned while sitting at the lab (a false positive), ${OWNER.inSessionResponds * 100}% press`,
      `  "I'm using it" (Keep 2h) or, for an expiry, \`/lab extend\`; warned idle with their next sitting within`,
      `  ${OWNER.keepWindow / 60} h, ${OWNER.keepShare * 100}% press Keep ${OWNER.keepMinutes / 60}h; warned of expiry while they still need the lab and are at work`,
      `  (weekday 08–18) or sit down within 2 h, ${OWNER.extendShare * 100}% extend. Keeps and extensions go through the same rules`,
      `  as \`LabService.keep\`/\`extend\` (the kind's extension cap, never past the maximum lifetime). Owners who forgot a`,
      `  lab ignore its DMs (in reality the DM reminds some of them to tear it down: not counted).`,
      `- **(d) keep-running oracle** (issue 7's): the lab is deleted the minute its last sitting ends; until then it runs,`,
      `  pauses and nights included (it knows when the lab is done, not when it is paused).`,
      `- **(e) clairvoyant oracle** (issue 19's, the *vs clairvoyant* column): knows every sitting ahead; suspends through`,
      `  every pause longer than the template's resume time (${Object.entries(WAIT_MINUTES)
        .map(([k, w]) => `${w.resume} min ${k}`)
        .join(
          ', ',
        )}), resuming just in time (billed while resuming, nobody waits), and deletes the lab when its last sitting ends.`,
      `- **(ref) floor:** powered on exactly while someone sits at it, deleted after the last sitting; no strategy`,
      `  can go lower.`,
      '',
      `### Results (seed ${rep.seed})`,
      '',
      "Costs in US dollars over the labs' whole lives. *After last use*: what was billed after each lab's last",
      'sitting ended. *Idle on*: hours powered on with nobody at the lab. *In-use acts*: power-offs, suspends or',
      'deletes while someone sat at the lab. *Redeploys*: sittings that found their lab deleted. *Restarts*:',
      "sittings that had to boot or resume it. *Wait*: owners' hours waiting for those. *Warnings*: reaper DMs",
      '(in parentheses: sent while the owner sat at the lab).',
      '',
      '| strategy | cost | vs floor | vs clairvoyant | compute | storage | after last use | idle on (h) | in-use acts | redeploys | restarts | wait (h) | warnings |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows,
      '',
      `labbot vs clairvoyant oracle by kind: ${byKind.join(', ')}. labbot default: ${s?.suspends ?? 0} suspends, ${s?.deletes ?? 0} deletes, ` +
        `${s?.keeps ?? 0} Keep 2h, ${s?.extends ?? 0} extensions, ${s?.refused ?? 0} keeps/extensions refused (cap), ` +
        `${s?.deferred ?? 0} deferred acts (blast radius), ${s?.planCalls ?? 0} \`planReap\` calls; of the warnings sent ` +
        `while the owner sat at the lab, ${s?.warningsInUseBy.idle ?? 0} were idle false positives and ` +
        `${(s?.warningsInUseBy.expiring ?? 0) + (s?.warningsInUseBy.expired ?? 0)} expiry notices.`,
      '',
      ...verdict(rep, policy),
      '',
      '### Reaper policy sweep (same trace)',
      '',
      "Lifetime *default*: the kinds' `defaultLifetimeHours` (" +
        policy.kinds.map((k) => `${k.name} ${k.defaultLifetimeHours} h`).join(', ') +
        "); *= max*: each kind's `defaultLifetimeHours` set to its `maxLifetimeHours` (" +
        policy.kinds.map((k) => `${k.name} ${k.maxLifetimeHours} h`).join(', ') +
        '). *In-use acts*: all causes, in parentheses those that were idle decisions (a quiet stretch outlasting ' +
        'idle + grace with the warning unanswered); the rest are hard-expiry deletes. *Warnings in use*: sent while ' +
        'the owner sat at the lab (idle false positives + expiry notices).',
      '',
      '| lifetime | idleMinutes | graceMinutes | cost | vs floor | in-use acts (idle) | redeploys | warnings | warnings in use | Keep 2h | suspends | deletes | target met |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
      ...sweepRows,
      '',
      sweepSummary(rep),
      '',
      `### Other seeds`,
      '',
      `labbot with \`DEFAULT_POLICY\` on seed ${rep.seed} and ${rep.seeds.length} others. *Warnings*: all (sent while ` +
        `the owner sat at the lab, their share). *Targets*: cost ≤ ${TARGET.floorRatio}× floor / ≤ ${TARGET.redeploys} ` +
        `redeploys / warnings at the lab ≤ ${TARGET.warningsInUseShare * 100}% / ${TARGET.actsInUse} actions on labs in use.`,
      '',
      '| seed | cost | vs floor | vs clairvoyant | redeploys | warnings (at the lab) | in-use acts | targets |',
      '|---|---:|---:|---:|---:|---:|---:|---|',
      ...seedRows,
      '',
      `Met on all ${allSeeds.length} seeds: cost ${metOn('cost')}/${allSeeds.length}, redeploys ` +
        `${metOn('redeploys')}/${allSeeds.length}, warnings at the lab ${metOn('warnings')}/${allSeeds.length}, ` +
        `no action on a lab in use ${metOn('inUse')}/${allSeeds.length}.` +
        redeploySeedWords([{ seed: rep.seed, floor: fl, labbot: rep.labbot }, ...rep.seeds]),
      '',
      machineLine(`, ${(rep.ms / 1000).toFixed(1)} s for all runs`),
    ],
    '`npm run bench` (this bench alone: `npx tsc -p bench/tsconfig.json && node dist/bench/bench/reaper-cost-sim.js [--seed N]`)',
  );
}

/** `--idle N --grace N --window H`: the reaper timings of a what-if run (the doc then says so in its heading). */
function whatIf(policy: LabPolicy, argv: readonly string[]): LabPolicy {
  const num = (flag: string): number | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? Number(argv[i + 1]) : undefined;
  };
  const reaper = { ...policy.reaper };
  reaper.idleMinutes = num('--idle') ?? reaper.idleMinutes;
  reaper.graceMinutes = num('--grace') ?? reaper.graceMinutes;
  reaper.restoreWindowHours = num('--window') ?? reaper.restoreWindowHours;
  return { ...policy, reaper };
}

function seedArg(argv: readonly string[]): number {
  const i = argv.indexOf('--seed');
  const value = i >= 0 ? Number(argv[i + 1]) : DEFAULT_SEED;
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`--seed wants a non-negative integer, got ${argv[i + 1]}`);
  }
  return value;
}

function main(): void {
  const started = performance.now();
  const policy = whatIf(DEFAULT_POLICY, process.argv.slice(2));
  const seed = seedArg(process.argv.slice(2));
  console.log(`seed ${seed}`);
  const { trace, results } = simulate(seed, policy);
  const [, , labbotResult, , oracleResult, floorResult] = results;
  if (!labbotResult || !oracleResult || !floorResult) {
    throw new Error('a strategy is missing');
  }
  const defaultVariant: Variant = {
    lifetimes: 'default',
    idle: policy.reaper.idleMinutes,
    grace: policy.reaper.graceMinutes,
  };
  const variants = (QUICK ? [] : SWEEP.lifetimes).flatMap((lifetimes) =>
    SWEEP.idleMinutes.flatMap((idle) =>
      SWEEP.graceMinutes.map((grace): Variant => ({ lifetimes, idle, grace })),
    ),
  );
  const sweep = variants.map((variant) => ({
    variant,
    result:
      variant.lifetimes === 'default' &&
      variant.idle === defaultVariant.idle &&
      variant.grace === defaultVariant.grace
        ? labbotResult
        : runLabbot('sweep', trace, variantPolicy(policy, variant), seed),
  }));
  const mildest = sweep
    .filter((x) => meets(x.result, floorResult.cost))
    .sort((a, b) => mildestFirst(a.variant, b.variant))[0];
  const tuned = mildest && !meets(labbotResult, floorResult.cost) ? mildest : undefined;
  const seeds = Array.from({ length: QUICK ? 0 : EXTRA_SEEDS }, (_, i) => {
    const s = seed + i + 1;
    const other = simulate(s, policy);
    const o = other.results[4];
    const l = other.results[2];
    const f = other.results[5];
    if (!o || !l || !f) {
      throw new Error('a strategy is missing');
    }
    return {
      seed: s,
      oracle: o.cost,
      floor: f.cost,
      labbot: l,
      ...(tuned ? { tuned: runLabbot('tuned', other.trace, variantPolicy(policy, tuned.variant), s) } : {}),
    };
  });
  const report: Report = {
    seed,
    trace,
    results,
    oracle: oracleResult,
    floor: floorResult,
    labbot: labbotResult,
    sweep,
    ...(tuned ? { tuned } : {}),
    seeds,
    ms: performance.now() - started,
  };
  const text = section(report, policy);
  writeSection(NAME, text);
  console.log(text);
  const all = [
    { seed, floor: floorResult.cost, labbot: labbotResult },
    ...seeds.map((x) => ({ seed: x.seed, floor: x.floor, labbot: x.labbot })),
  ];
  const onAll = (key: keyof Verdicts) => all.filter((x) => verdicts(x.labbot, x.floor)[key]).length;
  reportTargets(
    (
      [
        ['cost', `reaper cost <= ${TARGET.floorRatio}x the floor`],
        ['redeploys', `at most ${TARGET.redeploys} redeploys`],
        [
          'warnings',
          `warnings while the owner is at the lab <= ${TARGET.warningsInUseShare * 100}% of all warnings`,
        ],
        ['inUse', 'zero actions on labs in use'],
      ] as const
    ).map(([key, target]) => ({
      issue: 19,
      target: `${target} (DEFAULT_POLICY, seed ${seed} and ${seeds.length} others)`,
      met: onAll(key) === all.length,
      detail: `met on ${onAll(key)} of ${all.length} seeds`,
      source: 'bench/reaper-cost-sim.ts',
    })),
  );
  const r = labbotResult.reaper;
  if (r) {
    console.log(
      `usage reads (issue 17), labbot default, ${r.planCalls} cycles: ${r.callsEveryPass.toLocaleString('en-US')} calls reading every ready lab each cycle ` +
        `(a vApp read + a metrics read per VM), ${r.callsNeeded.toLocaleString('en-US')} with planUsageReads ` +
        `(${r.labReads.toLocaleString('en-US')} lab reads, ${r.historyReads.toLocaleString('en-US')} with history; ${pct(r.callsNeeded, r.callsEveryPass)}; ` +
        `sampling: ${process.argv.includes('every-pass') ? 'every pass' : 'needed only'})`,
    );
  }
  for (const reason of labbotResult.reaper?.inUseReasons ?? []) {
    console.log(`labbot default acted on a lab in use: ${reason}`);
  }
  console.log(`wrote ${path.relative(process.cwd(), DOC)}`);
  const decisionsAt = process.argv.indexOf('--decisions');
  if (decisionsAt >= 0) {
    const file = process.argv[decisionsAt + 1] ?? 'reaper-decisions.txt';
    writeFileSync(file, `${decisionLog.join('\n')}\n`);
    console.log(`wrote ${decisionLog.length} decisions to ${file}`);
  }
  if (!meets(labbotResult, floorResult.cost)) {
    process.exitCode = 1;
  }
}

main();

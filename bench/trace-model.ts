/**
 * The lab-usage trace behind bench/reaper-cost-sim.ts (issue 7, must show 3): who creates which labs when, when
 * they use them, and whether they clean up. Pure and seeded, so every strategy in the simulation sees the very
 * same trace. `describeTraceModel()` writes these parameters into docs/benchmarks.md, so the doc and the code
 * cannot drift apart.
 *
 * Time is in whole minutes since `T0`, a Monday 00:00 UTC; every owner works in UTC (one office).
 */
import { type LabPolicy } from '../src/labs/policy';

/** Monday 2 March 2026, 00:00 UTC. */
export const T0 = Date.UTC(2026, 2, 2);
export const MINUTES_PER_DAY = 1440;
/** Labs are created over this many days (three weeks). */
export const TRACE_DAYS = 21;
/** Labs in the trace (a class adds its whole roster, so the count ends slightly above). */
export const TRACE_LABS = 300;

export type KindName = 'demo' | 'repro' | 'class' | 'dev';

/** One sitting at the lab: [start, end) in minutes. */
export interface Session {
  start: number;
  end: number;
  /** A stretch inside the sitting when the lab is open but its CPU idles (a lecture, a call, reading docs). */
  quiet?: { start: number; end: number };
}

export interface TraceLab {
  id: string;
  kind: KindName;
  /** The kind's default template in the policy. */
  template: string;
  owner: string;
  /** The `/lab` request; storage bills from here. */
  createdAt: number;
  /** Deployed and powered on; compute bills from here. */
  readyAt: number;
  /** Sorted, disjoint, the first at or after `readyAt`. Never empty. */
  sessions: Session[];
  /** When the owner tears it down (`/lab teardown`), shortly after the last session; absent: forgotten. */
  teardownAt?: number;
}

export interface Trace {
  seed: number;
  labs: TraceLab[];
}

/** Minutes an owner waits, per template: a (re)deploy from the catalog, a boot from powered off, a resume. */
export const WAIT_MINUTES: Record<string, { deploy: number; boot: number; resume: number }> = {
  esxi8: { deploy: 10, boot: 5, resume: 2 },
  esxi7: { deploy: 10, boot: 5, resume: 2 },
  vsphere8: { deploy: 25, boot: 15, resume: 4 },
};

type Weighted<T> = readonly (readonly [T, number])[];

interface KindModel {
  /** Share of the trace's labs. */
  share: number;
  /** Working days on which the lab is used. */
  activeDays: Weighted<number>;
  /** Working days from one active day to the next (1: the next working day). */
  dayGap: Weighted<number>;
  sessionsPerDay: Weighted<number>;
  /** Session length: log-normal with this median (minutes) and sigma, clipped to [min, max]. */
  session: { median: number; sigma: number; min: number; max: number };
  /** Pause between sittings of one day: short with probability 1 - longShare, else long (minutes, uniform). */
  shortPause: readonly [number, number];
  longPause: readonly [number, number];
  longShare: number;
  /** No session ends later than this after creation (the kind's maximum lifetime, less a margin). */
  maxSpanHours: number;
  /** Share of owners who tear the lab down themselves after the last session. */
  teardownShare: number;
}

/**
 * Kinds in the proportions a pre-sales and support org would show: demos dominate, support repros next,
 * classes come in rosters, dev/test labs are the fewest but live longest.
 */
export const KIND_MODELS: Record<Exclude<KindName, 'class'>, KindModel> = {
  demo: {
    share: 0.4,
    activeDays: [[1, 1]],
    dayGap: [[1, 1]],
    sessionsPerDay: [
      [1, 0.35],
      [2, 0.4],
      [3, 0.2],
      [4, 0.05],
    ],
    session: { median: 45, sigma: 0.5, min: 10, max: 180 },
    shortPause: [10, 40],
    longPause: [60, 180],
    longShare: 0.5,
    maxSpanHours: 10,
    teardownShare: 0.35,
  },
  repro: {
    share: 0.3,
    activeDays: [
      [1, 0.3],
      [2, 0.3],
      [3, 0.2],
      [4, 0.12],
      [5, 0.08],
    ],
    dayGap: [
      [1, 0.6],
      [2, 0.2],
      [3, 0.12],
      [4, 0.08],
    ],
    sessionsPerDay: [
      [1, 0.4],
      [2, 0.4],
      [3, 0.2],
    ],
    session: { median: 60, sigma: 0.6, min: 10, max: 240 },
    shortPause: [10, 45],
    longPause: [60, 240],
    longShare: 0.45,
    maxSpanHours: 12 * 24,
    teardownShare: 0.4,
  },
  dev: {
    share: 0.15,
    activeDays: [
      [1, 0.2],
      [2, 0.2],
      [3, 0.25],
      [4, 0.2],
      [5, 0.15],
    ],
    dayGap: [
      [1, 0.85],
      [2, 0.15],
    ],
    sessionsPerDay: [
      [1, 0.2],
      [2, 0.5],
      [3, 0.3],
    ],
    session: { median: 90, sigma: 0.5, min: 15, max: 300 },
    shortPause: [10, 45],
    longPause: [60, 180],
    longShare: 0.4,
    maxSpanHours: 156,
    teardownShare: 0.45,
  },
};

/** Classes: a trainer deploys a roster of labs before a one-day course; each student owns (is handed) one. */
export const CLASS_MODEL = {
  share: 0.15,
  roster: [8, 12] as const,
  /** Deploy time of day, minutes. */
  deployAt: [8 * 60, 8 * 60 + 30] as const,
  /** The course's blocks, minutes of the day; students arrive up to 10 min late and leave up to 10 min early. */
  blocks: [
    [9 * 60, 10 * 60 + 30],
    [10 * 60 + 45, 12 * 60],
    [13 * 60, 14 * 60 + 45],
    [15 * 60, 16 * 60 + 30],
  ] as const,
  skipAfternoon: 0.1,
  skipLastBlock: 0.05,
  teardownShare: 0.35,
};

/** Time of day a lab is requested: a morning bump, an afternoon bump, and some evening work. */
export const CREATION_HOURS = {
  morning: { share: 0.55, mean: 10, sd: 1 },
  afternoon: { share: 0.35, mean: 14.5, sd: 1.3 },
  evening: { share: 0.1, from: 18, to: 23 },
  weekendShare: 0.05,
};
/** Later active days start when the owner sits down: normal around 09:15, sd 35 min, within 07:30–11:30. */
export const MORNING_START = { mean: 9 * 60 + 15, sd: 35, min: 7 * 60 + 30, max: 11 * 60 + 30 };
/** No new sitting starts after 18:30 (one already running may go on into the evening, up to 23:00). */
export const DAY_END = 18 * 60 + 30;
export const LATEST_END = 23 * 60;
/** Lunch starts 11:45–12:30; a sitting running into it ends there with this probability; lunch lasts 45–75 min. */
export const LUNCH = { from: 11 * 60 + 45, to: 12 * 60 + 30, takeShare: 0.85, length: [45, 75] as const };
/**
 * Quiet stretches: the share of sittings (per kind) with one stretch of 15–90 min (never longer than the sitting
 * less 10 min) in which the owner sits at the lab without loading it: a class listening to the trainer, a demo
 * presenter on slides, an engineer reading logs or on a call. The reaper's CPU signal cannot tell this from idle.
 */
export const QUIET = {
  share: { demo: 0.3, repro: 0.2, class: 0.5, dev: 0.2 } as Record<KindName, number>,
  minutes: [15, 90] as const,
};
/**
 * The in-lab keep-alive (issue 19: a first-class signal). Every template carries labbot's agent, which calls the lab's
 * keep-alive URL every 5 min while its owner interacts with the lab: console or SSH input, or requests made from the
 * vSphere or host client by the user (not the UI's own background polling). So it calls through every stretch of
 * active work; through a quiet stretch only while the owner keeps the console or UI open and reads or scrolls in it
 * (the same stretches whose UI traffic shows on the network, NET.quietConsoleShare in the cost simulation); not in a
 * stretch spent on slides, a call or a lecture with the console closed; and never once the sitting ended (the owner
 * walked away or closed it). A call is lost in `lossShare` of windows (agent restart, a network blip).
 */
export const KEEPALIVE = { intervalMinutes: 5, lossShare: 0.02 };
/** After the last sitting, a tidy owner tears the lab down 2–30 min later. */
export const TEARDOWN_DELAY = [2, 30] as const;

/** mulberry32: small, fast, and good enough for a simulation; the seed is printed with every run. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return Math.floor(this.uniform(lo, hi + 1));
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  normal(mean: number, sd: number): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  logNormal(median: number, sigma: number): number {
    return median * Math.exp(this.normal(0, sigma));
  }

  pick<T>(weighted: Weighted<T>): T {
    const total = weighted.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, w] of weighted) {
      r -= w;
      if (r < 0) {
        return value;
      }
    }
    const last = weighted.at(-1);
    if (!last) {
      throw new Error('pick from an empty list');
    }
    return last[0];
  }
}

export const dayOf = (minute: number): number => Math.floor(minute / MINUTES_PER_DAY);
export const minuteOfDay = (minute: number): number => minute - dayOf(minute) * MINUTES_PER_DAY;
/** T0 is a Monday, so days 5 and 6 of each week are the weekend. */
export const isWorkingDay = (day: number): boolean => day % 7 < 5;

function nextWorkingDay(day: number, gap: number): number {
  let d = day;
  for (let left = gap; left > 0;) {
    d += 1;
    if (isWorkingDay(d)) {
      left -= 1;
    }
  }
  return d;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

function creationMinuteOfDay(rng: Rng): number {
  const h = CREATION_HOURS;
  const which = rng.pick<'morning' | 'afternoon' | 'evening'>([
    ['morning', h.morning.share],
    ['afternoon', h.afternoon.share],
    ['evening', h.evening.share],
  ]);
  const hour =
    which === 'evening'
      ? rng.uniform(h.evening.from, h.evening.to)
      : clamp(rng.normal(h[which].mean, h[which].sd), 7, 18.5);
  return Math.round(hour * 60);
}

/** Up to `count` sittings of one day from `start` (absolute minute); the first always happens. */
function daySessions(rng: Rng, model: KindModel, start: number, count: number): Session[] {
  const day = dayOf(start);
  const base = day * MINUTES_PER_DAY;
  const lunchStart = base + rng.int(LUNCH.from, LUNCH.to);
  let lunchDone = start >= lunchStart;
  const sessions: Session[] = [];
  let t = start;
  for (let i = 0; i < count; i++) {
    if (i > 0 && t - base > DAY_END) {
      break;
    }
    if (!lunchDone && t > lunchStart - 15 && t < lunchStart + LUNCH.length[0]) {
      // nobody sits down for a few minutes just before (or during) lunch
      t = lunchStart + rng.int(LUNCH.length[0], LUNCH.length[1]);
      lunchDone = true;
    }
    const length = Math.round(
      clamp(rng.logNormal(model.session.median, model.session.sigma), model.session.min, model.session.max),
    );
    // an evening-created lab's first sitting may run late; others end by LATEST_END
    let end = t < base + LATEST_END ? Math.min(t + length, base + LATEST_END) : t + length;
    let next: number;
    if (!lunchDone && end > lunchStart + 10 && rng.chance(LUNCH.takeShare)) {
      end = Math.max(lunchStart, t + 5);
      next = end + rng.int(LUNCH.length[0], LUNCH.length[1]);
      lunchDone = true;
    } else {
      const pause = rng.chance(model.longShare)
        ? rng.int(model.longPause[0], model.longPause[1])
        : rng.int(model.shortPause[0], model.shortPause[1]);
      next = end + pause;
      if (!lunchDone && next > lunchStart) {
        lunchDone = true;
        // a pause that would end in the middle of lunch ends after it
        next = Math.max(next, lunchStart + rng.int(LUNCH.length[0], LUNCH.length[1]));
      }
    }
    if (end > t) {
      sessions.push({ start: t, end });
    }
    t = next;
  }
  return sessions;
}

function oneLab(rng: Rng, id: string, kind: Exclude<KindName, 'class'>, policy: LabPolicy): TraceLab {
  const model = KIND_MODELS[kind];
  const template = templateOf(kind, policy);
  const weekend = rng.chance(CREATION_HOURS.weekendShare);
  let day: number;
  do {
    day = rng.int(0, TRACE_DAYS - 1);
  } while (isWorkingDay(day) === weekend);
  const createdAt = day * MINUTES_PER_DAY + creationMinuteOfDay(rng);
  const readyAt = createdAt + (WAIT_MINUTES[template]?.deploy ?? 10);
  const limit = createdAt + model.maxSpanHours * 60;

  const sessions: Session[] = [];
  const days = rng.pick(model.activeDays);
  let start = readyAt + rng.int(0, 10);
  for (let d = 0; d < days; d++) {
    if (d > 0) {
      const next = nextWorkingDay(dayOf(sessions.at(-1)?.end ?? start), rng.pick(model.dayGap));
      start =
        next * MINUTES_PER_DAY +
        Math.round(
          clamp(rng.normal(MORNING_START.mean, MORNING_START.sd), MORNING_START.min, MORNING_START.max),
        );
    }
    const today = daySessions(rng, model, start, rng.pick(model.sessionsPerDay));
    const fitting = today.filter((s) => s.end <= limit);
    sessions.push(...fitting);
    if (fitting.length < today.length) {
      break;
    }
  }
  if (sessions.length === 0) {
    // the first sitting alone ran past the cap: keep it, cut to fit
    sessions.push({ start, end: Math.min(limit, start + model.session.median) });
  }
  return withTeardown(rng, { id, kind, template, owner: ownerOf(rng), createdAt, readyAt, sessions }, model);
}

function classRoster(rng: Rng, classNo: number, size: number, policy: LabPolicy): TraceLab[] {
  const c = CLASS_MODEL;
  const template = templateOf('class', policy);
  let day: number;
  do {
    day = rng.int(0, TRACE_DAYS - 1);
  } while (!isWorkingDay(day));
  const base = day * MINUTES_PER_DAY;
  const createdAt = base + rng.int(c.deployAt[0], c.deployAt[1]);
  const readyAt = createdAt + (WAIT_MINUTES[template]?.deploy ?? 10);
  return Array.from({ length: size }, (_, i) => {
    const skipAfternoon = rng.chance(c.skipAfternoon);
    const skipLast = rng.chance(c.skipLastBlock);
    const blocks = c.blocks.filter((_b, b) => !(skipAfternoon && b >= 2) && !(skipLast && b === 3));
    const sessions = blocks.map(([from, to]) => ({
      start: Math.max(readyAt, base + from + rng.int(0, 10)),
      end: base + to - rng.int(0, 10),
    }));
    const lab: TraceLab = {
      id: `class${classNo}-${String(i + 1).padStart(2, '0')}`,
      kind: 'class',
      template,
      owner: `U-class${classNo}-${i + 1}`,
      createdAt,
      readyAt,
      sessions,
    };
    return withTeardown(rng, lab, { teardownShare: c.teardownShare });
  });
}

function withTeardown(rng: Rng, lab: TraceLab, model: Pick<KindModel, 'teardownShare'>): TraceLab {
  const last = lab.sessions.at(-1);
  if (last && rng.chance(model.teardownShare)) {
    return { ...lab, teardownAt: last.end + rng.int(TEARDOWN_DELAY[0], TEARDOWN_DELAY[1]) };
  }
  return lab;
}

function withQuietStretches(rng: Rng, lab: TraceLab): TraceLab {
  const sessions = lab.sessions.map((s): Session => {
    const longest = Math.min(QUIET.minutes[1], s.end - s.start - 10);
    if (longest < QUIET.minutes[0] || !rng.chance(QUIET.share[lab.kind])) {
      return s;
    }
    const length = rng.int(QUIET.minutes[0], longest);
    const start = rng.int(s.start + 5, s.end - 5 - length);
    return { ...s, quiet: { start, end: start + length } };
  });
  return { ...lab, sessions };
}

function templateOf(kind: KindName, policy: LabPolicy): string {
  const template = policy.kinds.find((k) => k.name === kind)?.defaultTemplate;
  if (template === undefined) {
    throw new Error(`the policy has no lab kind ${kind}`);
  }
  return template;
}

/** Sixty people share the non-class labs. */
function ownerOf(rng: Rng): string {
  return `U${String(rng.int(1, 60)).padStart(3, '0')}`;
}

/** The trace for `seed`: labs sorted by creation. */
export function generateTrace(seed: number, policy: LabPolicy): Trace {
  const rng = new Rng(seed);
  const labs: TraceLab[] = [];
  for (const kind of ['demo', 'repro', 'dev'] as const) {
    const count = Math.round(TRACE_LABS * KIND_MODELS[kind].share);
    for (let i = 0; i < count; i++) {
      labs.push(oneLab(rng, `${kind}-${String(i + 1).padStart(3, '0')}`, kind, policy));
    }
  }
  const classLabs = Math.round(TRACE_LABS * CLASS_MODEL.share);
  for (let n = 1, made = 0; made < classLabs; n++) {
    // the last roster is cut (never below the smallest class) so classes stay near their share
    const size = Math.min(rng.int(CLASS_MODEL.roster[0], CLASS_MODEL.roster[1]), classLabs - made);
    const roster = classRoster(rng, n, Math.max(CLASS_MODEL.roster[0], size), policy);
    labs.push(...roster);
    made += roster.length;
  }
  labs.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  return { seed, labs: labs.map((lab) => withQuietStretches(rng, lab)) };
}

const hhmm = (minutes: number) =>
  `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(Math.round(minutes % 60)).padStart(2, '0')}`;
const dist = (weighted: Weighted<number>) =>
  weighted.map(([v, w]) => `${v}: ${Math.round(w * 100)}%`).join(', ');

/** The trace model in words, for docs/benchmarks.md, built from the parameters above. */
export function describeTraceModel(policy: LabPolicy): string[] {
  const tpl = (kind: KindName) => {
    const key = templateOf(kind, policy);
    const t = policy.templates.find((x) => x.key === key);
    return t ? `\`${key}\` (${t.vcpus} vCPU, ${t.memoryGb} GB, ${t.storageGb} GB)` : `\`${key}\``;
  };
  const kindLine = (kind: Exclude<KindName, 'class'>, what: string) => {
    const m = KIND_MODELS[kind];
    return (
      `- **${kind}** (${Math.round(m.share * 100)}%, ${tpl(kind)}): ${what} Active days {${dist(m.activeDays)}}, ` +
      `next active day after {${dist(m.dayGap)}} working days; sittings per day {${dist(m.sessionsPerDay)}}; ` +
      `sitting length log-normal, median ${m.session.median} min, σ ${m.session.sigma}, ${m.session.min}–${m.session.max} min; ` +
      `pause ${m.shortPause[0]}–${m.shortPause[1]} min (${Math.round((1 - m.longShare) * 100)}%) or ` +
      `${m.longPause[0]}–${m.longPause[1]} min (${Math.round(m.longShare * 100)}%); last use within ` +
      `${m.maxSpanHours} h of creation; ${Math.round(m.teardownShare * 100)}% of owners tear it down.`
    );
  };
  const c = CLASS_MODEL;
  const h = CREATION_HOURS;
  const used = new Set(policy.kinds.map((k) => k.defaultTemplate));
  const waits = (pick: (w: { deploy: number; boot: number; resume: number }) => number) =>
    Object.entries(WAIT_MINUTES)
      .filter(([k]) => used.has(k))
      .map(([k, w]) => `${pick(w)} min (${k})`)
      .join(', ');
  return [
    `- **Arrivals:** about ${TRACE_LABS} labs created over ${TRACE_DAYS} days starting Monday ${new Date(T0).toISOString().slice(0, 10)}, ` +
      `all owners in UTC. ${Math.round((1 - h.weekendShare) * 100)}% on weekdays; time of day normal around ` +
      `${hhmm(h.morning.mean * 60)} (sd ${h.morning.sd} h, ${Math.round(h.morning.share * 100)}%) or ` +
      `${hhmm(h.afternoon.mean * 60)} (sd ${h.afternoon.sd} h, ${Math.round(h.afternoon.share * 100)}%), ` +
      `else evening ${h.evening.from}:00–${h.evening.to}:00 (${Math.round(h.evening.share * 100)}%). ` +
      `Each kind uses its default template from \`DEFAULT_POLICY\`, priced with its rates.`,
    `- **Deploy:** a lab is ready (powered on) ${waits((w) => w.deploy)} after the request; the first sitting ` +
      `starts 0–10 min later.`,
    kindLine('demo', 'a customer demo: prep, the call, maybe a follow-up, all on one day.'),
    kindLine('repro', 'a support ticket: a few days of work with waits for the customer in between.'),
    kindLine('dev', 'dev/test work over consecutive working days.'),
    `- **class** (${Math.round(c.share * 100)}%, ${tpl('class')}): rosters of ${c.roster[0]}–${c.roster[1]} labs ` +
      `deployed ${hhmm(c.deployAt[0])}–${hhmm(c.deployAt[1])} on a weekday for a one-day course with blocks ` +
      `${c.blocks.map(([a, b]) => `${hhmm(a)}–${hhmm(b)}`).join(', ')}; each student arrives 0–10 min late and ` +
      `leaves 0–10 min early, ${Math.round(c.skipAfternoon * 100)}% skip the afternoon, ` +
      `${Math.round(c.skipLastBlock * 100)}% the last block; ${Math.round(c.teardownShare * 100)}% tear their lab down.`,
    `- **Days and breaks:** later active days start normal around ${hhmm(MORNING_START.mean)} (sd ${MORNING_START.sd} min), ` +
      `skipping weekends (the overnight and weekend pause); no sitting starts after ${hhmm(DAY_END)}, none runs ` +
      `past ${hhmm(LATEST_END)}. Lunch starts ${hhmm(LUNCH.from)}–${hhmm(LUNCH.to)}: a sitting running into it ` +
      `ends there (${Math.round(LUNCH.takeShare * 100)}%) and the next starts ${LUNCH.length[0]}–${LUNCH.length[1]} min later.`,
    `- **Quiet stretches:** ${(['demo', 'repro', 'class', 'dev'] as const)
      .map((k) => `${Math.round(QUIET.share[k] * 100)}% (${k})`)
      .join(
        ', ',
      )} of sittings have one stretch of ${QUIET.minutes[0]}–${QUIET.minutes[1]} min (at most the ` +
      `sitting less 10 min) in which the owner is at the lab but does not load it (a lecture, slides on a call, ` +
      `reading logs): the lab's CPU idles while it is in use.`,
    `- **Keep-alive:** every template carries labbot's in-lab agent, which calls the keep-alive URL every ` +
      `${KEEPALIVE.intervalMinutes} min while the owner interacts with the lab (console or SSH input, requests the user ` +
      `makes in the vSphere or host client; not the UI's own polling): through all active work; through a quiet ` +
      `stretch only while the console or UI stays open and is read in (the stretches whose UI traffic shows on the ` +
      `network); not through one spent on slides, a call or a lecture with the console closed; never after the ` +
      `sitting ends. ${KEEPALIVE.lossShare * 100}% of calls are lost (agent restart, network blip).`,
    `- **Abandonment:** after the last sitting the lab is never used again. A tidy owner runs \`/lab teardown\` ` +
      `${TEARDOWN_DELAY[0]}–${TEARDOWN_DELAY[1]} min after it; the others forget the lab.`,
    `- **Waits** when a sitting finds the lab not running: boot from powered off ${waits((w) => w.boot)}, ` +
      `resume from suspended ${waits((w) => w.resume)}, redeploy the deploy time.`,
  ];
}

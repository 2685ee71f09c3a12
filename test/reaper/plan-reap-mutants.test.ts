import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabSignal } from '../../src/labs/ports';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { planReap, rhythmKey, updateRhythms, withinHours } from '../../src/reaper/plan-reap';
import { type WorkRhythm } from '../../src/reaper/work-rhythm';
import { cpu, lab, minutesAgo, noWindow, NOW } from './plan-reap-fixtures';

/**
 * Mutants of src/reaper/plan-reap.ts that survived plan-reap.test.ts (docs/mutation-testing.md): mostly the edges
 * of its comparisons (a lab exactly at its expiry, exactly at the end of the grace period, a sample exactly at the
 * threshold) and the inputs the main suite never varies (signals out of order, a template or kind the policy no
 * longer lists, labs outside `ours`). The reaper deletes labs, so each edge is pinned on the side DESIGN.md wants.
 */
// Idle 60 min, grace 30 min, expiry warning 30 min; no restore window, so the edges of the delete itself are pinned
// here (the restore window has its own cases in plan-reap.test.ts).
const policy: LabPolicy = noWindow;

function sample(kind: LabSignal['kind'], ago: number, value?: number, labId = 'demo-abc'): LabSignal {
  return value === undefined
    ? { labId, at: minutesAgo(ago), kind }
    : { labId, at: minutesAgo(ago), kind, value };
}

function decide(l: Lab, signals: LabSignal[], p: LabPolicy = policy) {
  return planReap([l], signals, NOW, p)[0];
}

describe('reaper/plan-reap: the edges (mutants)', () => {
  it('stops honouring a snooze the moment it ends', () => {
    expect(decide(lab({ snoozedUntil: NOW }), cpu(1))).toMatchObject({ kind: 'warn', cause: 'idle' });
  });

  it('calls a lab expired at its expiry time, not a minute later', () => {
    expect(decide(lab({ expiresAt: NOW }), cpu(1))).toEqual({
      labId: 'demo-abc',
      kind: 'warn',
      cause: 'expired',
      reason: 'expired at 12:00 UTC; delete it after a 30 min grace period',
      actAfter: new Date('2026-11-24T12:30:00Z'),
    });
  });

  it('warns of expiry exactly expiryWarningMinutes ahead, and not a minute earlier', () => {
    // A suspended lab: nobody sits at it, so its owner is told (a lab in use is not: plan-reap.test.ts).
    const suspended = { phase: 'suspended' as const, desired: 'suspended' as const };
    const atWarning = decide(lab({ ...suspended, expiresAt: new Date(NOW.getTime() + 30 * 60_000) }), []);
    const before = decide(lab({ ...suspended, expiresAt: new Date(NOW.getTime() + 31 * 60_000) }), []);

    expect(atWarning).toMatchObject({
      kind: 'warn',
      cause: 'expiring',
      reason: 'expires at 12:30 UTC (in 30m)',
    });
    expect(before).toMatchObject({ labId: 'demo-abc', kind: 'keep' });
  });

  it('keeps an expiring lab whose owner was already warned, saying so', () => {
    const decision = decide(
      lab({ expiresAt: new Date(NOW.getTime() + 20 * 60_000), reapWarnedAt: minutesAgo(5) }),
      cpu(60),
    );

    expect(decision).toEqual({
      labId: 'demo-abc',
      kind: 'keep',
      reason: 'expires at 12:20 UTC (in 20m); owner warned',
    });
  });

  it('counts a use exactly idleMinutes ago as idle, and one a minute later as use', () => {
    const atEdge = decide(lab({ lastActivityAt: minutesAgo(60), readyAt: minutesAgo(190) }), cpu(1));
    const inside = decide(lab({ lastActivityAt: minutesAgo(59) }), cpu(1));

    expect(atEdge).toMatchObject({
      kind: 'warn',
      reason:
        'idle 60 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity since 11:00 UTC; will delete it after a 30 min grace period (by then it will have cost $0.27 unused since 11:00 UTC)',
    });
    expect(inside).toMatchObject({ kind: 'keep', reason: 'in use: Slack activity at 11:01 UTC' });
  });

  it('needs a CPU sample newer than the idle window, not one exactly at its start', () => {
    const decision = decide(lab(), [sample('cpu', 60, 1), sample('cpu', 75, 1)]);

    expect(decision).toEqual({
      labId: 'demo-abc',
      kind: 'keep',
      reason: 'no recent CPU metrics, so not judged idle',
    });
  });

  it('ignores a CPU sample without a value when looking for the latest one', () => {
    const decision = decide(lab(), [sample('cpu', 70, 1), sample('cpu', 0)]);

    expect(decision).toMatchObject({ kind: 'keep', reason: 'no recent CPU metrics, so not judged idle' });
  });

  it('acts the moment the grace period is over', () => {
    expect(decide(lab({ reapWarnedAt: minutesAgo(30) }), cpu(1))).toMatchObject({
      kind: 'act',
      cause: 'idle',
      action: 'delete',
      reason:
        'idle 118 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity since 10:02 UTC',
    });
    expect(decide(lab({ reapWarnedAt: minutesAgo(29) }), cpu(1))).toMatchObject({ kind: 'keep' });
  });

  it('counts CPU and network exactly at the template threshold as use', () => {
    expect(decide(lab(), cpu(5))).toMatchObject({ kind: 'keep', reason: 'in use: CPU 5.0% at 12:00 UTC' });
    expect(decide(lab(), [...cpu(1), sample('network', 20, 20)])).toMatchObject({
      kind: 'keep',
      reason: 'in use: network 20 KB/s at 11:40 UTC',
    });
    expect(decide(lab(), [...cpu(1), sample('network', 20, 19.4)])).toMatchObject({ kind: 'warn' });
    // A network sample without a value is no traffic.
    expect(decide(lab(), [...cpu(1), sample('network', 20)])).toMatchObject({ kind: 'warn' });
  });

  it('names the earliest-listed use when two happened at the same minute', () => {
    const decision = decide(lab({ lastActivityAt: minutesAgo(10) }), [...cpu(1), sample('keepalive', 10)]);

    expect(decision).toMatchObject({ kind: 'keep', reason: 'in use: Slack activity at 11:50 UTC' });
  });

  it('says "no Slack activity" and the whole window for a lab with no recorded use at all', () => {
    const decision = decide(lab({ lastActivityAt: undefined, readyAt: undefined }), cpu(1));

    expect(decision).toMatchObject({
      kind: 'warn',
      reason:
        'idle 60 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity; will delete it after a 30 min grace period',
    });
  });

  it('orders signals by time whatever order they arrive in', () => {
    // Newest first: unsorted, the latest CPU sample would look 80 minutes old.
    const decision = decide(lab(), [sample('cpu', 0, 1), sample('cpu', 80, 1)]);

    expect(decision).toMatchObject({ kind: 'warn', cause: 'idle' });
  });

  it('uses fallback thresholds and a suspend for a template and kind the policy no longer lists', () => {
    const adopted = lab({ kind: 'retired', template: 'esxi6', reapWarnedAt: minutesAgo(31) });

    expect(decide(adopted, cpu(4))).toMatchObject({
      kind: 'act',
      action: 'suspend',
      reason:
        'idle 118 min: CPU 4.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity since 10:02 UTC',
    });
    expect(decide(adopted, [...cpu(1), sample('network', 5, 20)])).toMatchObject({
      kind: 'unwarn',
      reason: 'in use again: in use: network 20 KB/s at 11:55 UTC',
    });
  });

  it('deletes an expired lab of an unlisted kind even in use: it has no maximum lifetime to wait for', () => {
    const decision = decide(
      lab({ kind: 'retired', expiresAt: minutesAgo(1), reapWarnedAt: minutesAgo(31) }),
      cpu(60),
    );

    expect(decision).toMatchObject({
      kind: 'act',
      cause: 'expired',
      action: 'delete',
      reason: 'expired at 11:59 UTC',
    });
  });

  it('keeps an expired lab in use without a DM at the lab, saying it goes when idle', () => {
    const decision = decide(lab({ expiresAt: minutesAgo(1) }), cpu(60));

    expect(decision).toEqual({
      labId: 'demo-abc',
      kind: 'keep',
      reason:
        'expired at 11:59 UTC but in use: CPU 60.0% at 12:00 UTC; reaped once idle, at the latest at its maximum lifetime (20:40 UTC)',
    });
  });

  it('does not wait for a suspended expired lab to be idle: it is warned, then deleted', () => {
    const suspended = {
      phase: 'suspended' as const,
      desired: 'suspended' as const,
      expiresAt: minutesAgo(1),
    };

    expect(decide(lab(suspended), [])).toMatchObject({
      kind: 'warn',
      cause: 'expired',
      reason: 'expired at 11:59 UTC; delete it after a 30 min grace period',
    });
    expect(decide(lab({ ...suspended, reapWarnedAt: minutesAgo(31) }), [])).toMatchObject({
      kind: 'act',
      action: 'delete',
    });
  });

  it('never touches a lab outside `ours`, and decides normally for one inside', () => {
    const [outside, inside] = planReap(
      [lab({ id: 'a', reapWarnedAt: minutesAgo(40) }), lab({ id: 'b', reapWarnedAt: minutesAgo(40) })],
      [...cpu(1, 90, 'a'), ...cpu(1, 90, 'b')],
      NOW,
      policy,
      new Set(['b']),
    );

    expect(outside).toEqual({
      labId: 'a',
      kind: 'keep',
      reason: 'its vApp does not carry labbot metadata for this lab in VCD: never touched',
    });
    expect(inside).toMatchObject({ labId: 'b', kind: 'act' });
  });

  it('breaks a tie in cost by lab id, and gives the whole reason with the deferral', () => {
    const limited: LabPolicy = { ...policy, reaper: { ...policy.reaper, maxActionsPerCycle: 1 } };
    const decisions = planReap(
      [lab({ id: 'b', reapWarnedAt: minutesAgo(40) }), lab({ id: 'a', reapWarnedAt: minutesAgo(40) })],
      [...cpu(1, 90, 'a'), ...cpu(1, 90, 'b')],
      NOW,
      limited,
    );

    expect(decisions).toEqual([
      {
        labId: 'b',
        kind: 'defer',
        cause: 'idle',
        action: 'delete',
        reason:
          'idle 118 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity since 10:02 UTC; deferred: at most 1 actions per cycle',
      },
      expect.objectContaining({ labId: 'a', kind: 'act' }),
    ]);
  });

  it('acts inside the allowed hours', () => {
    const office: LabPolicy = {
      ...policy,
      reaper: { ...policy.reaper, allowedHours: { from: 9, to: 17, timeZone: 'UTC' } },
    };

    expect(decide(lab({ reapWarnedAt: minutesAgo(40) }), cpu(1), office)).toMatchObject({ kind: 'act' });
  });

  it('takes the latest CPU sample, not the latest signal of any kind', () => {
    // The CPU sample is 70 minutes old; a quiet network sample a moment ago is no CPU metric.
    const decision = decide(lab(), [sample('cpu', 70, 1), sample('network', 0, 5)]);

    expect(decision).toMatchObject({ kind: 'keep', reason: 'no recent CPU metrics, so not judged idle' });
  });

  it('judges network use by network samples only', () => {
    // A template that idles at up to 90% CPU: a 50% CPU sample is idle, although 50 is above the network threshold.
    const busyIdler: LabPolicy = {
      ...policy,
      templates: policy.templates.map((t) => (t.key === 'esxi8' ? { ...t, idleCpuPercent: 90 } : t)),
    };

    expect(decide(lab(), cpu(50), busyIdler)).toMatchObject({ kind: 'warn', cause: 'idle' });
  });

  it('names becoming ready as the latest use of a lab nobody touched since', () => {
    const decision = decide(lab({ lastActivityAt: undefined, readyAt: minutesAgo(10) }), cpu(1));

    expect(decision).toEqual({ labId: 'demo-abc', kind: 'keep', reason: 'in use: ready at 11:50 UTC' });
  });

  it('acts on the most expensive lab first whatever the ids, and lets only acts use up the cap', () => {
    const limited: LabPolicy = { ...policy, reaper: { ...policy.reaper, maxActionsPerCycle: 1 } };
    const big = { template: 'vsphere8', spec: { vcpus: 12, memoryGb: 50, storageGb: 440 } };

    const byCost = planReap(
      [
        lab({ id: 'a', reapWarnedAt: minutesAgo(40) }),
        lab({ id: 'z', reapWarnedAt: minutesAgo(40), ...big }),
      ],
      [...cpu(1, 90, 'a'), ...cpu(1, 90, 'z')],
      NOW,
      limited,
    );
    // The expensive lab is in use (kept): the cheap idle one still gets the only action.
    const keptFirst = planReap(
      [lab({ id: 'a', reapWarnedAt: minutesAgo(40) }), lab({ id: 'z', ...big })],
      [...cpu(1, 90, 'a'), ...cpu(60, 90, 'z')],
      NOW,
      limited,
    );

    expect(byCost.map((d) => [d.labId, d.kind])).toEqual([
      ['a', 'defer'],
      ['z', 'act'],
    ]);
    expect(keptFirst.map((d) => [d.labId, d.kind])).toEqual([
      ['a', 'act'],
      ['z', 'keep'],
    ]);
  });

  it('gives the cap, not the hours, as the reason to defer inside the allowed hours', () => {
    const office: LabPolicy = {
      ...policy,
      reaper: { ...policy.reaper, maxActionsPerCycle: 1, allowedHours: { from: 9, to: 17, timeZone: 'UTC' } },
    };

    const decisions = planReap(
      [lab({ id: 'a', reapWarnedAt: minutesAgo(40) }), lab({ id: 'b', reapWarnedAt: minutesAgo(40) })],
      [...cpu(1, 90, 'a'), ...cpu(1, 90, 'b')],
      NOW,
      office,
    );

    expect(decisions[1]).toMatchObject({ labId: 'b', kind: 'defer' });
    expect(decisions[1]?.reason).toMatch(/; deferred: at most 1 actions per cycle$/);
  });

  it.each([
    ['08:59', { from: 9, to: 17 }, false],
    ['09:00', { from: 9, to: 17 }, true],
    ['16:59', { from: 9, to: 17 }, true],
    ['17:00', { from: 9, to: 17 }, false],
    ['19:59', { from: 20, to: 6 }, false],
    ['20:00', { from: 20, to: 6 }, true],
    ['05:59', { from: 20, to: 6 }, true],
    ['06:00', { from: 20, to: 6 }, false],
    ['12:00', { from: 0, to: 0 }, false],
  ])('withinHours at %s UTC in %o is %s', (time, hours, expected) => {
    expect(withinHours(new Date(`2026-11-24T${time}:00Z`), { ...hours, timeZone: 'UTC' })).toBe(expected);
  });
});

/**
 * Mutants of the working-day rules (issue 19) and of the words of an idle lab, which plan-reap.test.ts and
 * work-rhythm.test.ts left alive: the idle window halved after the owner's usual end of day, the stopped keep-alive to
 * the minute, the suspend instead of a delete for a lab that usually comes back (whose rhythm, from what share, until
 * when), the end of a restore window, and the uses a rhythm learns from.
 */
describe('reaper/plan-reap: working days, restore windows and words (mutants)', () => {
  const DAY = 86_400_000;
  const tuesday = NOW.getTime() - (NOW.getTime() % DAY);
  /**
   * Five weekdays seen once each, 08:00 to 10:00 (usual end 10:00 UTC), the day under way since 08:00 on Tuesday
   * 24th (NOW is 12:00 that day): past the usual end, so the idle window is halved to 30 min.
   */
  const rhythm = (cameBack: number, stayedAway: number): WorkRhythm => ({
    weekdays: [
      null,
      ...Array.from({ length: 5 }, () => ({ days: 1, start: 480, end: 600, endSpread: 0 })),
      null,
    ],
    day: { date: tuesday, first: tuesday + 8 * 3_600_000, last: tuesday + 8 * 3_600_000 },
    cameBack,
    stayedAway,
  });
  const owner = (r: WorkRhythm) => new Map([[rhythmKey('owner', 'U1'), r]]);
  const withKind = (p: LabPolicy, name: string, changes: object): LabPolicy => ({
    ...p,
    kinds: p.kinds.map((k) => (k.name === name ? { ...k, ...changes } : k)),
  });
  const plan = (l: Lab, signals: LabSignal[], p: LabPolicy, rhythms?: ReadonlyMap<string, WorkRhythm>) =>
    planReap([l], signals, NOW, p, undefined, rhythms)[0];
  const reasonOf = (d: ReturnType<typeof plan>) => d?.reason ?? '';
  const AFTER_END =
    "after its owner's usual end of day (10:00 UTC, learned over 5 working days): nobody is expected back tonight";

  describe('the idle window after the usual end of day', () => {
    it("is half the policy's: idle after 30 quiet minutes, not after 25, saying so", () => {
      const after30 = plan(
        lab({ lastActivityAt: minutesAgo(30) }),
        cpu(1),
        DEFAULT_POLICY,
        owner(rhythm(5, 0)),
      );
      expect(after30).toMatchObject({ kind: 'warn', cause: 'idle' });
      expect(reasonOf(after30)).toContain(
        `no Slack activity since 11:30 UTC; it went quiet ${AFTER_END}: judged idle after 30 min instead of 60; will`,
      );
      const after25 = plan(
        lab({ lastActivityAt: minutesAgo(25) }),
        cpu(1),
        DEFAULT_POLICY,
        owner(rhythm(5, 0)),
      );
      expect(after25).toEqual({
        labId: 'demo-abc',
        kind: 'keep',
        reason: 'in use: Slack activity at 11:35 UTC',
      });
    });

    // No Slack activity: the keep-alive and the CPU are the only uses (no working session to hold it for).
    const quiet = { lastActivityAt: undefined };
    const keepalive = (at: Date): LabSignal => ({ labId: 'demo-abc', at, kind: 'keepalive' });
    const busyAt = (m: number): LabSignal => ({
      labId: 'demo-abc',
      at: minutesAgo(m),
      kind: 'cpu',
      value: 40,
    });

    it('says the keep-alive stopped when its last call came at most 5 min before the last use', () => {
      const stopped = plan(
        lab(quiet),
        [...cpu(1, 35), busyAt(35), keepalive(minutesAgo(40))],
        DEFAULT_POLICY,
        owner(rhythm(5, 0)),
      );
      expect(reasonOf(stopped)).toContain(
        `it went quiet ${AFTER_END}; its keep-alive stopped at 11:20 UTC (console closed) and no CPU or network use came after it: judged idle after 30 min instead of 60;`,
      );
      const earlier = plan(
        lab(quiet),
        [...cpu(1, 35), busyAt(35), keepalive(new Date(minutesAgo(40).getTime() - 1))],
        DEFAULT_POLICY,
        owner(rhythm(5, 0)),
      );
      expect(reasonOf(earlier)).toContain(
        `it went quiet ${AFTER_END}: judged idle after 30 min instead of 60;`,
      );
    });

    it('says the keep-alive stopped once two calls (10 min) are missed, not after 9 min', () => {
      const short = { ...DEFAULT_POLICY, reaper: { ...DEFAULT_POLICY.reaper, idleMinutes: 10 } };
      const tenMinutes = plan(
        lab(quiet),
        [...cpu(1, 10), keepalive(minutesAgo(10))],
        short,
        owner(rhythm(5, 0)),
      );
      expect(tenMinutes).toMatchObject({ kind: 'warn', cause: 'idle' });
      expect(reasonOf(tenMinutes)).toContain('; its keep-alive stopped at 11:50 UTC (console closed)');
      const nine = plan(lab(quiet), [...cpu(1, 10), keepalive(minutesAgo(9))], short, owner(rhythm(5, 0)));
      expect(nine).toMatchObject({ kind: 'warn', cause: 'idle' });
      expect(reasonOf(nine)).toContain(`it went quiet ${AFTER_END}: judged idle after 5 min instead of 10;`);
    });
  });

  describe('a delete without a restore window, for a lab that usually comes back', () => {
    const warned = () => lab({ reapWarnedAt: minutesAgo(30) });
    const comeback = (until: string) => ({
      labId: 'demo-abc',
      kind: 'act',
      cause: 'idle',
      action: 'suspend',
      restoreUntil: new Date(until),
    });

    it("follows the lab's own rhythm when it knows one, over its owner's", () => {
      const rhythms = new Map([
        [rhythmKey('owner', 'U1'), rhythm(0, 5)],
        [rhythmKey('lab', 'demo-abc'), rhythm(5, 0)],
      ]);
      const decision = plan(warned(), cpu(1), noWindow, rhythms);
      // Never past the demo kind's maximum lifetime: 12 h after its creation at 08:40.
      expect(decision).toMatchObject(comeback('2026-11-24T20:40:00Z'));
      expect(reasonOf(decision)).toMatch(
        /; suspended, not deleted: it was used again the next working day after 5 of 5 working days, so it is deleted at 20:40 UTC unless brought back$/,
      );
    });

    it("falls back to the owner's when the lab's is under five days", () => {
      const rhythms = new Map([
        [rhythmKey('owner', 'U1'), rhythm(5, 0)],
        [rhythmKey('lab', 'demo-abc'), rhythm(1, 0)],
      ]);
      expect(plan(warned(), cpu(1), noWindow, rhythms)).toMatchObject({ kind: 'act', action: 'suspend' });
    });

    it("deletes when the owner's is under five days too", () => {
      expect(plan(warned(), cpu(1), noWindow, owner(rhythm(4, 0)))).toMatchObject({
        kind: 'act',
        action: 'delete',
      });
    });

    it('suspends from a share of one half', () => {
      const decision = plan(warned(), cpu(1), noWindow, owner(rhythm(3, 3)));
      expect(decision).toMatchObject({ kind: 'act', action: 'suspend' });
      expect(reasonOf(decision)).toContain('after 3 of 6 working days');
    });

    it('until the end of the next working day (Thursday 00:00) when the maximum lifetime is later', () => {
      const decision = plan(
        warned(),
        cpu(1),
        withKind(noWindow, 'demo', { maxLifetimeHours: 100 }),
        owner(rhythm(5, 0)),
      );
      expect(decision).toMatchObject(comeback('2026-11-26T00:00:00Z'));
    });

    it('deletes when the maximum lifetime ends now', () => {
      const decision = plan(
        lab({ reapWarnedAt: minutesAgo(30), createdAt: minutesAgo(240) }),
        cpu(1),
        withKind(noWindow, 'demo', { maxLifetimeHours: 4 }),
        owner(rhythm(5, 0)),
      );
      expect(decision).toMatchObject({ kind: 'act', action: 'delete' });
      expect(decision).not.toHaveProperty('restoreUntil');
    });

    it("with a restore window, the window's suspend instead (72 h)", () => {
      const decision = plan(
        warned(),
        cpu(1),
        withKind(DEFAULT_POLICY, 'demo', { maxLifetimeHours: 100 }),
        owner(rhythm(5, 0)),
      );
      expect(decision).toMatchObject({
        kind: 'act',
        action: 'suspend',
        restoreUntil: new Date('2026-11-27T12:00:00Z'),
      });
      expect(reasonOf(decision)).toMatch(
        /; suspended, not deleted: deleted at 12:00 UTC unless its owner brings it back$/,
      );
    });

    it('a kind that suspends when idle just suspends', () => {
      const decision = plan(
        lab({ kind: 'repro', reapWarnedAt: minutesAgo(30) }),
        cpu(1),
        noWindow,
        owner(rhythm(5, 0)),
      );
      expect(decision).toMatchObject({ kind: 'act', action: 'suspend' });
      expect(decision).not.toHaveProperty('restoreUntil');
    });
  });

  it('warns a kind that suspends when idle that it will suspend it', () => {
    expect(reasonOf(plan(lab({ kind: 'repro' }), cpu(1), noWindow))).toContain(
      '; will suspend it after a 30 min grace period (by then',
    );
  });

  it('deletes a lab whose restore window ends now', () => {
    const suspended = lab({ phase: 'suspended', desired: 'suspended', restoreUntil: NOW });
    expect(plan(suspended, [], DEFAULT_POLICY)).toEqual({
      labId: 'demo-abc',
      kind: 'act',
      cause: 'idle',
      action: 'delete',
      reason: 'unclaimed through its restore window (ended 12:00 UTC): still suspended, nobody resumed it',
    });
  });

  it('warns of an expired lab without CPU metrics, not in use, that it goes once idle or at its maximum lifetime', () => {
    expect(plan(lab({ expiresAt: minutesAgo(60) }), [], noWindow)).toEqual({
      labId: 'demo-abc',
      kind: 'warn',
      cause: 'expired',
      reason:
        'expired at 11:00 UTC but no recent CPU metrics, so not judged idle; reaped once idle, at the latest at its maximum lifetime (20:40 UTC)',
      actAfter: new Date('2026-11-24T12:30:00Z'),
    });
  });

  it('judges a lab with no use on record at all (no ready time, no activity) idle over the whole window', () => {
    expect(
      plan(lab({ readyAt: undefined, lastActivityAt: undefined }), cpu(1), noWindow, owner(rhythm(5, 0))),
    ).toEqual({
      labId: 'demo-abc',
      kind: 'warn',
      cause: 'idle',
      reason:
        'idle 60 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity; will delete it after a 30 min grace period',
      actAfter: new Date('2026-11-24T12:30:00Z'),
    });
  });

  describe('the words of an idle lab', () => {
    const signal = (kind: LabSignal['kind'], ago: number, value?: number): LabSignal => ({
      labId: 'demo-abc',
      at: minutesAgo(ago),
      kind,
      ...(value === undefined ? {} : { value }),
    });
    const words = (signals: LabSignal[]) =>
      reasonOf(plan(lab(), [...cpu(1), ...signals], noWindow)).split(';')[0];

    it('quote the latest network figure in the window, skipping a sample without one', () => {
      expect(
        words([
          signal('network', 15, 2),
          signal('network', 10, 3),
          signal('network', 8, 7),
          signal('network', 5),
        ]),
      ).toBe(
        'idle 118 min: CPU 1.0% < 5% threshold, network 7 KB/s < 20 KB/s, no keep-alive call, no Slack activity since 10:02 UTC',
      );
    });

    it('leave out a network figure from the first instant of the window or before', () => {
      expect(words([signal('network', 60, 3)])).toBe(
        'idle 118 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity since 10:02 UTC',
      );
    });

    it('give the time of the latest keep-alive call', () => {
      expect(words([signal('keepalive', 110), signal('keepalive', 100), signal('keepalive', 90)])).toBe(
        'idle 90 min: CPU 1.0% < 5% threshold, no network traffic recorded, no keep-alive call since 10:30 UTC, no Slack activity since 10:02 UTC',
      );
    });
  });

  describe('the uses a working-day profile learns from (updateRhythms)', () => {
    const signal = (labId: string, kind: LabSignal['kind'], ago: number, value?: number): LabSignal => ({
      labId,
      at: minutesAgo(ago),
      kind,
      ...(value === undefined ? {} : { value }),
    });
    const labs = ['slack', 'none', 'keepalive', 'cpu', 'network'].map((id) =>
      lab({ id, lastActivityAt: id === 'slack' ? minutesAgo(50) : undefined }),
    );
    // Folded inside each test (not when the file loads), so that each test runs it.
    const updated = () =>
      updateRhythms(
        new Map(),
        labs,
        [
          signal('none', 'cpu', 45, 1),
          signal('keepalive', 'keepalive', 40),
          signal('cpu', 'cpu', 30, 5),
          signal('cpu', 'cpu', 20, 4.9),
          signal('cpu', 'cpu', 15),
          signal('network', 'network', 30, 20),
          signal('network', 'network', 20, 19.9),
          signal('network', 'network', 15),
        ],
        NOW,
        DEFAULT_POLICY,
      );
    const day = (key: string) => {
      const d = updated().get(key)?.day;
      return d && [new Date(d.first), new Date(d.last)];
    };

    it.each([
      ['Slack activity', 'slack', [minutesAgo(50), minutesAgo(50)]],
      ['idle CPU: none', 'none', undefined],
      ['a keep-alive call', 'keepalive', [minutesAgo(40), minutesAgo(40)]],
      ['CPU at the threshold, not under it', 'cpu', [minutesAgo(30), minutesAgo(30)]],
      ['network at the threshold, not under it', 'network', [minutesAgo(30), minutesAgo(30)]],
    ])('%s', (_name, id, expected) => {
      expect(day(rhythmKey('lab', id))).toEqual(expected);
    });

    it('CPU under its own threshold is no use, even above the network threshold', () => {
      const strict = {
        ...DEFAULT_POLICY,
        templates: DEFAULT_POLICY.templates.map((t) =>
          t.key === 'esxi8' ? { ...t, idleCpuPercent: 30 } : t,
        ),
      };
      const folded = updateRhythms(
        new Map(),
        [lab({ lastActivityAt: undefined })],
        [signal('demo-abc', 'cpu', 20, 25)],
        NOW,
        strict,
      );
      expect(folded.get(rhythmKey('lab', 'demo-abc'))?.day).toBeUndefined();
    });

    it("gives the owner every lab's uses", () => {
      expect(day(rhythmKey('owner', 'U1'))).toEqual([minutesAgo(50), minutesAgo(30)]);
    });
  });
});

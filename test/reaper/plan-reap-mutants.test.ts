import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabSignal } from '../../src/labs/ports';
import { planReap, withinHours } from '../../src/reaper/plan-reap';
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

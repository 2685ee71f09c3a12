import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabSignal } from '../../src/labs/ports';
import { planReap, type ReapDecision, withinHours } from '../../src/reaper/plan-reap';
import { cpu, lab, minutesAgo, noWindow, NOW } from './plan-reap-fixtures';

const policy: LabPolicy = DEFAULT_POLICY;

describe('reaper/plan-reap', () => {
  it('warns about an idle lab with the reason in words', () => {
    const [decision] = planReap([lab()], cpu(1.2), NOW, policy);

    expect(decision).toEqual({
      labId: 'demo-abc',
      kind: 'warn',
      cause: 'idle',
      reason:
        'idle 118 min: CPU 1.2% < 5% threshold, no network traffic recorded, no keep-alive call, no Slack activity ' +
        'since 10:02 UTC; will suspend it for a 72 h restore window, then delete it after a 30 min grace period ' +
        '(by then it will have cost $0.45 unused since 10:02 UTC)',
      actAfter: new Date('2026-11-24T12:30:00Z'),
    });
  });

  it.each([
    ['busy CPU', lab(), cpu(35), /^in use: CPU 35\.0% at 12:00 UTC$/],
    [
      'a keep-alive call',
      lab(),
      [...cpu(1), { labId: 'demo-abc', at: minutesAgo(3), kind: 'keepalive' as const }],
      /^in use: keep-alive call at 11:57 UTC$/,
    ],
    [
      'Slack activity',
      lab({ lastActivityAt: minutesAgo(10) }),
      cpu(1),
      /^in use: Slack activity at 11:50 UTC$/,
    ],
    [
      'network traffic',
      lab(),
      [...cpu(1), { labId: 'demo-abc', at: minutesAgo(20), kind: 'network' as const, value: 400 }],
      /^in use: network 400 KB\/s/,
    ],
    ['no metrics at all', lab(), [], /^no recent CPU metrics, so not judged idle$/],
  ])('never warns a lab in use (%s)', (_what, l, signals, reason) => {
    const [decision] = planReap([l], signals, NOW, policy);

    expect(decision?.kind).toBe('keep');
    expect(decision?.reason).toMatch(reason);
  });

  it('acts after the grace period when the lab is still idle, with the kind’s action', () => {
    const demo = planReap([lab({ reapWarnedAt: minutesAgo(31) })], cpu(1), NOW, noWindow)[0];
    const repro = planReap([lab({ kind: 'repro', reapWarnedAt: minutesAgo(31) })], cpu(1), NOW, noWindow)[0];

    expect(demo).toMatchObject({ kind: 'act', action: 'delete', cause: 'idle' });
    expect(repro).toMatchObject({ kind: 'act', action: 'suspend', cause: 'idle' });
  });

  it('warns about a lab whose ticket was closed even while in use, deletes it after the grace period, unless kept', () => {
    const closed = { kind: 'repro', ticket: 'TICKET-123', ticketClosedAt: minutesAgo(5) };
    // Busy CPU: the ticket rule does not look at usage; the warning and its Keep button are the owner's say.
    const [warned] = planReap([lab(closed)], cpu(80), NOW, policy);
    const [acted] = planReap([lab({ ...closed, reapWarnedAt: minutesAgo(31) })], cpu(80), NOW, policy);
    const [kept] = planReap(
      [lab({ ...closed, reapWarnedAt: minutesAgo(31), snoozedUntil: minutesAgo(-60) })],
      cpu(80),
      NOW,
      policy,
    );

    expect(warned).toMatchObject({
      kind: 'warn',
      cause: 'ticket-closed',
      reason:
        'ticket TICKET-123 was resolved or closed at 2026-11-24 11:55 UTC; deleting after a 30 min grace period unless kept',
    });
    expect(acted).toMatchObject({ kind: 'act', cause: 'ticket-closed', action: 'delete' });
    expect(kept).toMatchObject({ kind: 'keep' });
    expect(planReap([lab({ ticket: 'TICKET-123' })], cpu(80), NOW, policy)[0]).toMatchObject({
      kind: 'keep',
    });
  });

  it('waits out the grace period after a warning', () => {
    const [decision] = planReap([lab({ reapWarnedAt: minutesAgo(10) })], cpu(1), NOW, policy);

    expect(decision).toMatchObject({ kind: 'keep' });
    expect(decision?.reason).toMatch(/owner warned at 11:50 UTC, grace until 12:20 UTC$/);
  });

  it('withdraws the warning when the lab is used again', () => {
    const [decision] = planReap([lab({ reapWarnedAt: minutesAgo(40) })], cpu(50), NOW, policy);

    expect(decision).toMatchObject({
      kind: 'unwarn',
      reason: 'in use again: in use: CPU 50.0% at 12:00 UTC',
    });
  });

  it('warns before expiry and deletes an expired lab after the grace period once it is idle', () => {
    const expiring = planReap(
      [lab({ expiresAt: new Date(NOW.getTime() + 20 * 60_000) })],
      [],
      NOW,
      policy,
    )[0];
    const expiredUnwarned = planReap([lab({ expiresAt: minutesAgo(1) })], cpu(1), NOW, policy)[0];
    const expiredWarned = planReap(
      [
        lab({
          expiresAt: minutesAgo(1),
          reapWarnedAt: minutesAgo(31),
          lastActivityAt: minutesAgo(200),
          readyAt: minutesAgo(200),
        }),
      ],
      cpu(1),
      NOW,
      noWindow,
    )[0];

    expect(expiring).toMatchObject({
      kind: 'warn',
      cause: 'expiring',
      reason: 'expires at 12:20 UTC (in 20m)',
    });
    expect(expiredUnwarned).toMatchObject({ kind: 'warn', cause: 'expired' });
    expect(expiredWarned).toMatchObject({ kind: 'act', cause: 'expired', action: 'delete' });
  });

  it('never deletes an expired lab while it is in use, until its maximum lifetime', () => {
    const inUse = planReap(
      [lab({ expiresAt: minutesAgo(1), reapWarnedAt: minutesAgo(31) })],
      cpu(60),
      NOW,
      policy,
    )[0];
    const atHardStop = planReap(
      [
        lab({
          createdAt: new Date(NOW.getTime() - 12 * 3_600_000),
          expiresAt: minutesAgo(60),
          reapWarnedAt: minutesAgo(31),
        }),
      ],
      cpu(60),
      NOW,
      policy,
    )[0];

    expect(inUse).toMatchObject({ kind: 'keep' });
    expect(inUse?.reason).toMatch(
      /^expired at 11:59 UTC but in use: CPU 60\.0% at 12:00 UTC; reaped once idle, at the latest at its maximum lifetime \(20:40 UTC\)$/,
    );
    expect(atHardStop).toMatchObject({ kind: 'act', cause: 'expired', action: 'delete' });
  });

  it('leaves a snoozed lab alone until the snooze ends', () => {
    const [decision] = planReap(
      [lab({ snoozedUntil: new Date(NOW.getTime() + 60 * 60_000) })],
      cpu(1),
      NOW,
      policy,
    );

    expect(decision).toEqual({
      labId: 'demo-abc',
      kind: 'keep',
      reason: 'kept by its owner until 13:00 UTC',
    });
  });

  it('leaves labs that are deploying or changing alone, and suspended labs until they expire', () => {
    const decisions = planReap(
      [
        lab({ id: 'a', phase: 'deploying' }),
        lab({ id: 'b', desired: 'deleted' }),
        lab({ id: 'c', phase: 'suspended', desired: 'suspended' }),
      ],
      [...cpu(1, 90, 'a'), ...cpu(1, 90, 'b'), ...cpu(1, 90, 'c')],
      NOW,
      policy,
    );

    expect(decisions.map((d) => [d.labId, d.kind, d.reason])).toEqual([
      ['a', 'keep', 'busy: deploying'],
      ['b', 'keep', 'already changing to deleted'],
      ['c', 'keep', 'suspended (storage only)'],
    ]);
  });

  it('acts on at most maxActionsPerCycle labs, the most expensive first, and defers the rest', () => {
    const limited: LabPolicy = { ...policy, reaper: { ...policy.reaper, maxActionsPerCycle: 1 } };
    const small = lab({ id: 'small', reapWarnedAt: minutesAgo(40) });
    const big = lab({
      id: 'big',
      reapWarnedAt: minutesAgo(40),
      template: 'vsphere8',
      spec: { vcpus: 12, memoryGb: 50, storageGb: 440 },
    });

    const decisions = planReap([small, big], [...cpu(1, 90, 'small'), ...cpu(1, 90, 'big')], NOW, limited);

    expect(decisions.map((d) => [d.labId, d.kind])).toEqual([
      ['small', 'defer'],
      ['big', 'act'],
    ]);
    expect(decisions[0]?.reason).toMatch(/deferred: at most 1 actions per cycle$/);
  });

  it('acts only within the allowed hours', () => {
    const nightShift: LabPolicy = {
      ...policy,
      reaper: { ...policy.reaper, allowedHours: { from: 20, to: 6, timeZone: 'UTC' } },
    };

    const [decision] = planReap([lab({ reapWarnedAt: minutesAgo(40) })], cpu(1), NOW, nightShift);

    expect(decision).toMatchObject({ kind: 'defer' });
    expect(decision?.reason).toMatch(/outside the allowed hours 20:00-6:00 UTC$/);
    expect(withinHours(new Date('2026-11-24T22:00:00Z'), { from: 20, to: 6, timeZone: 'UTC' })).toBe(true);
    expect(
      withinHours(new Date('2026-11-24T08:00:00Z'), { from: 9, to: 17, timeZone: 'Europe/Berlin' }),
    ).toBe(true);
  });

  it('uses each template’s own CPU threshold (a vSphere lab idles higher)', () => {
    const vsphere = lab({ template: 'vsphere8' });

    const [decision] = planReap([vsphere], cpu(9), NOW, policy);

    expect(decision).toMatchObject({ kind: 'warn' });
    expect(decision?.reason).toMatch(/CPU 9\.0% < 12% threshold/);
  });

  describe('restore window (issue 19)', () => {
    const suspended = (overrides: Partial<Lab> = {}) =>
      lab({
        phase: 'suspended',
        desired: 'suspended',
        poweredOnSince: undefined,
        restoreUntil: new Date(NOW.getTime() + 60 * 60_000),
        ...overrides,
      });

    it.each<[string, Lab, LabPolicy, Partial<ReapDecision>, RegExp]>([
      [
        'a delete-kind idle lab is suspended with a window',
        lab({ reapWarnedAt: minutesAgo(31) }),
        policy,
        { kind: 'act', action: 'suspend', cause: 'idle', restoreUntil: new Date('2026-11-24T20:40:00Z') },
        /; suspended, not deleted: deleted at 20:40 UTC unless its owner brings it back$/,
      ],
      [
        'the window never runs past the maximum lifetime (demo: 12 h from creation)',
        lab({ reapWarnedAt: minutesAgo(31), createdAt: minutesAgo(11 * 60) }),
        policy,
        { kind: 'act', action: 'suspend', restoreUntil: new Date('2026-11-24T13:00:00Z') },
        /deleted at 13:00 UTC/,
      ],
      [
        'no time left before the maximum lifetime: deleted at once',
        lab({ reapWarnedAt: minutesAgo(31), createdAt: minutesAgo(12 * 60) }),
        policy,
        { kind: 'act', action: 'delete' },
        /^idle/,
      ],
      [
        'a suspend-kind lab is suspended as before, with no window',
        lab({ kind: 'repro', reapWarnedAt: minutesAgo(31) }),
        policy,
        { kind: 'act', action: 'suspend' },
        /^idle \d+ min[^;]*$/,
      ],
      [
        'restoreWindowHours 0: deleted at once',
        lab({ reapWarnedAt: minutesAgo(31) }),
        noWindow,
        { kind: 'act', action: 'delete' },
        /^idle/,
      ],
      [
        'an expired idle lab is suspended with a window too',
        lab({ reapWarnedAt: minutesAgo(31), expiresAt: minutesAgo(5) }),
        policy,
        { kind: 'act', action: 'suspend', cause: 'expired' },
        /^expired at 11:55 UTC; suspended, not deleted/,
      ],
      [
        'expired while suspended (a repro overnight): the window starts, no warning, no delete yet',
        suspended({ kind: 'repro', expiresAt: minutesAgo(5), restoreUntil: undefined }),
        policy,
        { kind: 'act', action: 'suspend', cause: 'expired', restoreUntil: new Date('2026-11-27T12:00:00Z') },
        /^expired at 11:55 UTC; stays suspended, not deleted: deleted at 12:00 UTC unless its owner brings it back$/,
      ],
      [
        'inside its window: kept, saying how to bring it back',
        suspended(),
        policy,
        { kind: 'keep' },
        /^suspended in its restore window: deleted at 13:00 UTC unless its owner brings it back \(`\/lab resume demo-abc`\)$/,
      ],
      [
        'window over, still suspended: deleted',
        suspended({ restoreUntil: minutesAgo(1) }),
        policy,
        { kind: 'act', action: 'delete', cause: 'idle' },
        /^unclaimed through its restore window \(ended 11:59 UTC\): still suspended, nobody resumed it$/,
      ],
      [
        'window over but its owner is resuming it: kept',
        suspended({ restoreUntil: minutesAgo(1), desired: 'running' }),
        policy,
        { kind: 'keep' },
        /^already changing to running$/,
      ],
      [
        'window over but resumed (ready again): never deleted by the window',
        lab({ restoreUntil: minutesAgo(1) }),
        policy,
        { kind: 'keep' },
        /^in use/,
      ],
    ])('%s', (_what, l, p, expected, reason) => {
      const signals = l.phase === 'ready' && !l.restoreUntil ? cpu(1) : cpu(40);
      const [decision] = planReap([l], signals, NOW, p);

      expect(decision).toMatchObject(expected);
      expect(decision?.reason).toMatch(reason);
    });

    it('never deletes a lab outside this installation, window over or not', () => {
      const [decision] = planReap([suspended({ restoreUntil: minutesAgo(1) })], [], NOW, policy, new Set());

      expect(decision).toMatchObject({ kind: 'keep' });
    });

    it('deletes at most maxActionsPerCycle labs whose windows ended; the rest are deferred', () => {
      const capped = { ...policy, reaper: { ...policy.reaper, maxActionsPerCycle: 1 } };
      const decisions = planReap(
        [
          suspended({ id: 'demo-a', restoreUntil: minutesAgo(1) }),
          suspended({ id: 'demo-b', restoreUntil: minutesAgo(1) }),
        ],
        [],
        NOW,
        capped,
      );

      expect(decisions.map((d) => [d.labId, d.kind])).toEqual([
        ['demo-a', 'act'],
        ['demo-b', 'defer'],
      ]);
    });
  });

  describe('expiry notices and the owner at the lab (issue 19)', () => {
    it.each<[string, Lab, LabSignal[], Partial<ReapDecision>, RegExp]>([
      [
        'expiring and in use: no DM now',
        lab({ expiresAt: new Date(NOW.getTime() + 20 * 60_000) }),
        cpu(60),
        { kind: 'keep' },
        /^expires at 12:20 UTC \(in 20m\); not warned while in use: CPU 60\.0% at 12:00 UTC$/,
      ],
      [
        'expiring and unused for a while (no metrics): warned',
        lab({ expiresAt: new Date(NOW.getTime() + 20 * 60_000) }),
        [],
        { kind: 'warn', cause: 'expiring' },
        /^expires at 12:20 UTC/,
      ],
      [
        'expired, in use and never warned: kept without a DM',
        lab({ expiresAt: minutesAgo(1) }),
        cpu(60),
        { kind: 'keep' },
        /^expired at 11:59 UTC but in use/,
      ],
    ])('%s', (_what, l, signals, expected, reason) => {
      const [decision] = planReap([l], signals, NOW, policy);

      expect(decision).toMatchObject(expected);
      expect(decision?.reason).toMatch(reason);
    });
  });

  describe("the owner's rhythm (issue 19)", () => {
    /** Busy CPU from `from` to `to` minutes ago, idle since. */
    const session = (from: number, to: number, labId = 'demo-abc'): LabSignal[] =>
      Array.from({ length: from / 5 + 1 }, (_, i) => ({
        labId,
        at: minutesAgo(from - i * 5),
        kind: 'cpu' as const,
        value: from - i * 5 <= from && from - i * 5 >= to ? 40 : 1,
      }));

    it('holds the warning of a lab quiet for less than a pause its owner came back from today', () => {
      // Worked 170-140 min ago, paused 70 min, worked 70-65 min ago, quiet since: 65 min > idleMinutes.
      const signals = session(170, 65).map((s) =>
        s.at > minutesAgo(140) && s.at < minutesAgo(70) ? { ...s, value: 1 } : s,
      );
      const [decision] = planReap([lab({ lastActivityAt: minutesAgo(170) })], signals, NOW, policy);

      expect(decision).toMatchObject({ kind: 'keep' });
      expect(decision?.reason).toMatch(
        /^idle 65 min: .*, but quiet 65 min inside a working session; its owner came back from a 70 min pause earlier, so no warning before 12:05 UTC$/,
      );
    });

    it('learns the pause from another lab of the same owner', () => {
      const other = lab({ id: 'dev-xyz', kind: 'dev', lastActivityAt: minutesAgo(170) });
      const otherSignals = session(175, 0, 'dev-xyz').map((s) =>
        s.at > minutesAgo(150) && s.at < minutesAgo(70) ? { ...s, value: 1 } : s,
      );
      // This lab: opened in Slack during the other lab's session, used once 65 min ago, quiet since.
      const quiet = session(65, 65);
      const decisions = planReap(
        [lab({ lastActivityAt: minutesAgo(175) }), other],
        [...quiet, ...otherSignals],
        NOW,
        policy,
      );

      expect(decisions[0]).toMatchObject({ kind: 'keep' });
      expect(decisions[0]?.reason).toMatch(/its owner came back from a 80 min pause earlier/);
    });

    it('warns once the quiet stretch outlasts every pause seen, saying what it will cost', () => {
      const [decision] = planReap([lab({ lastActivityAt: minutesAgo(170) })], session(170, 100), NOW, policy);

      expect(decision).toMatchObject({ kind: 'warn', cause: 'idle' });
      expect(decision?.reason).toMatch(/by then it will have cost \$\d+\.\d\d unused since 10:20 UTC\)$/);
    });
  });
});

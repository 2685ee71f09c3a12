import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabSignal } from '../../src/labs/ports';
import { planReap, withinHours } from '../../src/reaper/plan-reap';

const NOW = new Date('2026-11-24T12:00:00Z');
const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000);
const policy: LabPolicy = DEFAULT_POLICY;

function lab(overrides: Partial<Lab> = {}): Lab {
  return {
    id: 'demo-abc',
    kind: 'demo',
    owner: 'U1',
    template: 'esxi8',
    vappName: 'lab-demo-abc',
    vappHref: 'https://vcd/api/vApp/vapp-1',
    desired: 'running',
    phase: 'ready',
    createdAt: minutesAgo(200),
    readyAt: minutesAgo(190),
    expiresAt: new Date(NOW.getTime() + 120 * 60_000),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    poweredOnSince: minutesAgo(190),
    lastActivityAt: minutesAgo(118),
    ...overrides,
  };
}

/** CPU samples every 5 minutes for the last `minutes`, at `percent`. */
function cpu(percent: number, minutes = 90, labId = 'demo-abc'): LabSignal[] {
  return Array.from({ length: minutes / 5 }, (_, i) => ({
    labId,
    at: minutesAgo(i * 5),
    kind: 'cpu' as const,
    value: percent,
  }));
}

describe('reaper/plan-reap', () => {
  it('warns about an idle lab with the reason in words', () => {
    const [decision] = planReap([lab()], cpu(1.2), NOW, policy);

    expect(decision).toEqual({
      labId: 'demo-abc',
      kind: 'warn',
      cause: 'idle',
      reason:
        'idle 118 min: CPU 1.2% < 5% threshold, no Slack activity since 10:02 UTC; will delete after a 30 min grace period',
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
    const demo = planReap([lab({ reapWarnedAt: minutesAgo(31) })], cpu(1), NOW, policy)[0];
    const repro = planReap([lab({ kind: 'repro', reapWarnedAt: minutesAgo(31) })], cpu(1), NOW, policy)[0];

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
      cpu(60),
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
      policy,
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
      /^expired at 11:59 UTC but in use: CPU 60\.0% at 12:00 UTC; deleted once idle, at the latest at its maximum lifetime \(20:40 UTC\)$/,
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
});

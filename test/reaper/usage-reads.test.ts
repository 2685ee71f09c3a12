/**
 * Which labs a reaper pass reads (issue 17): none whose latest use is within idleMinutes; those that could be idle,
 * with the history since their last known sample when passes missed it; none that planReap judges without usage.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type LabSignal } from '../../src/labs/ports';
import { planUsageReads } from '../../src/reaper/usage-reads';

const NOW = new Date('2026-11-24T12:00:00Z');
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);
const LOOKBACK = { lookbackMs: 180 * 60_000 };

function lab(id: string, extra: Partial<Lab> = {}): Lab {
  return {
    id,
    kind: 'demo',
    owner: 'U1',
    template: 'esxi8',
    vappName: `lab-${id}`,
    vappHref: `https://vcd/api/vApp/vapp-${id}`,
    desired: 'running',
    phase: 'ready',
    createdAt: ago(300),
    readyAt: ago(240),
    expiresAt: ago(-600),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    ...extra,
  };
}

const cpu = (labId: string, minutesAgo: number, value: number): LabSignal => ({
  labId,
  at: ago(minutesAgo),
  kind: 'cpu',
  value,
});

describe('reaper/usage-reads', () => {
  it('skips labs used within the idle window, by Slack, keep-alive, a busy sample or becoming ready', () => {
    const labs = [
      lab('chat', { lastActivityAt: ago(59) }),
      lab('kept-alive'),
      lab('busy'),
      lab('fresh', { readyAt: ago(10) }),
      lab('stale-chat', { lastActivityAt: ago(60) }),
    ];
    const signals = [
      { labId: 'kept-alive', at: ago(30), kind: 'keepalive' as const },
      cpu('busy', 55, 40),
      cpu('busy', 5, 1),
      cpu('stale-chat', 5, 1),
    ];

    const reads = planUsageReads(labs, signals, NOW, DEFAULT_POLICY, LOOKBACK);

    expect(reads.map((r) => [r.labId, r.kind])).toEqual([
      ['chat', 'skip'],
      ['kept-alive', 'skip'],
      ['busy', 'skip'],
      ['fresh', 'skip'],
      ['stale-chat', 'read'],
    ]);
    expect(reads[2]).toMatchObject({ reason: expect.stringContaining('CPU 40.0%') });
  });

  it('reads the history since the last known sample or use when passes missed it, not when the last pass read it', () => {
    const labs = [lab('contiguous'), lab('gap'), lab('since-use', { lastActivityAt: ago(90) }), lab('never')];
    const signals = [cpu('contiguous', 5, 1), cpu('gap', 30, 1), cpu('since-use', 120, 1)];

    const reads = planUsageReads(labs, signals, NOW, DEFAULT_POLICY, LOOKBACK);

    expect(reads).toEqual([
      expect.objectContaining({ labId: 'contiguous', kind: 'read' }),
      expect.objectContaining({ labId: 'gap', kind: 'read', historySince: ago(30) }),
      expect.objectContaining({ labId: 'since-use', kind: 'read', historySince: ago(90) }),
      // No sample, last use (ready) before the look-back: the whole look-back.
      expect.objectContaining({
        labId: 'never',
        kind: 'read',
        historySince: new Date(ago(180).getTime() - 1),
      }),
    ]);
    expect(reads[0]).not.toHaveProperty('historySince');
    expect(reads[0]).toMatchObject({ busy: { cpuPercent: 5, networkKbps: 20 } });
  });

  it('reads no lab planReap judges without usage: suspended, snoozed, changing state, or not ours', () => {
    const labs = [
      lab('suspended', { phase: 'suspended', desired: 'suspended' }),
      lab('snoozed', { snoozedUntil: ago(-30) }),
      lab('changing', { desired: 'deleted' }),
      lab('foreign'),
      lab('ours'),
    ];

    const reads = planUsageReads(labs, [], NOW, DEFAULT_POLICY, {
      ...LOOKBACK,
      ours: new Set(['suspended', 'snoozed', 'changing', 'ours']),
    });

    expect(reads.map((r) => [r.labId, r.kind])).toEqual([
      ['snoozed', 'skip'],
      ['changing', 'skip'],
      ['foreign', 'skip'],
      ['ours', 'read'],
    ]);
  });
});

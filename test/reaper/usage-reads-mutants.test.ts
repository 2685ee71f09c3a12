/**
 * Which labs a reaper pass reads (reaper/usage-reads.ts) at its edges: the words of every skip, the idle window and
 * the snooze to the millisecond, the template's thresholds or the fallback ones, and where the history read starts
 * (the newest CPU figure, whatever order the signals come in; the gap that needs a history read, exactly).
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabSignal } from '../../src/labs/ports';
import { planUsageReads, type UsageRead } from '../../src/reaper/usage-reads';
import { lab, minutesAgo, NOW } from './plan-reap-fixtures';

const LOOKBACK = { lookbackMs: 180 * 60_000 };
const HREF = 'https://vcd/api/vApp/vapp-1';
const msAgo = (ms: number) => new Date(NOW.getTime() - ms);
const cpuAt = (at: Date, value?: number): LabSignal => ({
  labId: 'demo-abc',
  at,
  kind: 'cpu',
  ...(value === undefined ? {} : { value }),
});
const readOne = (
  labOverrides: Parameters<typeof lab>[0],
  signals: LabSignal[] = [],
  policy = DEFAULT_POLICY,
) => planUsageReads([lab(labOverrides)], signals, NOW, policy, LOOKBACK);
const skip = (reason: string): UsageRead => ({ labId: 'demo-abc', vappHref: HREF, kind: 'skip', reason });
const BUSY = { cpuPercent: 5, networkKbps: 20 };

describe('reaper/usage-reads at its edges', () => {
  describe('skips, in words', () => {
    it('a lab whose vApp is not ours', () => {
      expect(
        planUsageReads([lab()], [], NOW, DEFAULT_POLICY, { ...LOOKBACK, ours: new Set(['other']) }),
      ).toEqual([skip('its vApp does not carry our metadata: never judged')]);
    });

    it('a lab snoozed until a millisecond after now; at now, the snooze is over and it is read', () => {
      expect(readOne({ snoozedUntil: msAgo(-1) })).toEqual([skip('kept by its owner: not judged by usage')]);
      expect(readOne({ snoozedUntil: NOW })[0]?.kind).toBe('read');
    });

    it('a lab on its way to another state', () => {
      expect(readOne({ desired: 'suspended' })).toEqual([skip('already changing to suspended')]);
    });

    it('a lab used a millisecond under the idle window ago, saying by what and until when', () => {
      expect(readOne({ lastActivityAt: msAgo(60 * 60_000 - 1) })).toEqual([
        skip('in use (Slack activity at 11:00 UTC): cannot be idle before 2026-11-24T12:00:00.001Z'),
      ]);
    });

    it('reads a lab used the idle window ago exactly', () => {
      expect(readOne({ lastActivityAt: minutesAgo(60) })).toEqual([
        { labId: 'demo-abc', vappHref: HREF, kind: 'read', historySince: minutesAgo(60), busy: BUSY },
      ]);
    });
  });

  it('reads only ready labs with a vApp', () => {
    const labs = [
      lab({ id: 'no-vapp', vappHref: undefined }),
      lab({ id: 'deploying', phase: 'deploying' }),
      lab({ id: 'suspended', phase: 'suspended' }),
      lab({ id: 'ready' }),
    ];
    expect(planUsageReads(labs, [], NOW, DEFAULT_POLICY, LOOKBACK).map((r) => r.labId)).toEqual(['ready']);
  });

  it("gives the template's busy thresholds, or 5% and 20 KB/s for a template the policy no longer lists", () => {
    const policy: LabPolicy = {
      ...DEFAULT_POLICY,
      templates: DEFAULT_POLICY.templates.map((t) =>
        t.key === 'esxi8' ? { ...t, idleCpuPercent: 7, idleNetworkKbps: 30 } : t,
      ),
    };
    expect(readOne({}, [], policy)[0]).toMatchObject({
      kind: 'read',
      busy: { cpuPercent: 7, networkKbps: 30 },
    });
    expect(readOne({ template: 'retired' }, [], policy)[0]).toMatchObject({ kind: 'read', busy: BUSY });
  });

  describe('the history read', () => {
    // Last use: Slack, 118 minutes ago; so the newest CPU figure decides where the history starts.
    it('none when the newest figure is 6 minutes old; from it when a millisecond older', () => {
      expect(readOne({}, [cpuAt(minutesAgo(6), 1)])).toEqual([
        { labId: 'demo-abc', vappHref: HREF, kind: 'read', busy: BUSY },
      ]);
      expect(readOne({}, [cpuAt(msAgo(6 * 60_000 + 1), 1)])).toEqual([
        { labId: 'demo-abc', vappHref: HREF, kind: 'read', historySince: msAgo(6 * 60_000 + 1), busy: BUSY },
      ]);
    });

    it('from the newest figure, whatever order the signals come in', () => {
      const samples = [cpuAt(minutesAgo(40), 1), cpuAt(minutesAgo(20), 1), cpuAt(minutesAgo(30), 1)];
      for (const order of [samples, [...samples].reverse(), [samples[1]!, samples[0]!, samples[2]!]]) {
        expect(readOne({}, order)[0]).toMatchObject({ kind: 'read', historySince: minutesAgo(20) });
      }
    });

    it('a CPU signal without a figure, or a network one, is no figure read', () => {
      const signals: LabSignal[] = [
        cpuAt(minutesAgo(30), 1),
        cpuAt(minutesAgo(2)),
        { labId: 'demo-abc', at: minutesAgo(1), kind: 'network', value: 1 },
      ];
      expect(readOne({}, signals)[0]).toMatchObject({ kind: 'read', historySince: minutesAgo(30) });
    });

    it("another lab's figures are not this lab's", () => {
      const signals = [cpuAt(minutesAgo(30), 1), { ...cpuAt(minutesAgo(2), 1), labId: 'other' }];
      expect(readOne({}, signals)[0]).toMatchObject({ kind: 'read', historySince: minutesAgo(30) });
    });

    it('from the last use when it is newer than the newest figure', () => {
      expect(readOne({ lastActivityAt: minutesAgo(70) }, [cpuAt(minutesAgo(100), 1)])[0]).toMatchObject({
        kind: 'read',
        historySince: minutesAgo(70),
      });
    });

    it('the whole look-back for a lab with no use on record and no figure', () => {
      const { readyAt: _ready, lastActivityAt: _activity, ...neverUsed } = lab();
      expect(planUsageReads([neverUsed], [], NOW, DEFAULT_POLICY, LOOKBACK)).toEqual([
        {
          labId: 'demo-abc',
          vappHref: HREF,
          kind: 'read',
          historySince: msAgo(180 * 60_000 + 1),
          busy: BUSY,
        },
      ]);
    });
  });
});

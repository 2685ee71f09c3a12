import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type BillingInterval } from '../../src/labs/billing';
import { formatUsd, hourlyRate } from '../../src/labs/cost';
import { digestReply } from '../../src/reaper/digest';
import { replyText } from '../helpers/reply-text';

const NOW = new Date('2026-11-24T09:00:00Z');
const base: Lab = {
  id: 'demo-a',
  kind: 'demo',
  owner: 'U1',
  template: 'esxi8',
  vappName: 'lab-demo-a',
  desired: 'running',
  phase: 'ready',
  createdAt: new Date('2026-11-24T06:00:00Z'),
  expiresAt: new Date('2026-11-24T12:00:00Z'),
  vms: [],
  spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
  extensions: 0,
  poweredOnMs: 0,
  poweredOnSince: new Date('2026-11-24T06:00:00Z'),
};

describe('reaper/digest', () => {
  it('reports burn rate, spend and what the reaper saved, with the reason', () => {
    const reaped: Lab = {
      ...base,
      id: 'demo-b',
      phase: 'deleted',
      desired: 'deleted',
      endedAt: new Date('2026-11-24T08:00:00Z'),
      poweredOnSince: undefined,
      poweredOnMs: 2 * 3_600_000,
    };
    const audit = [
      {
        at: new Date('2026-11-24T08:00:00Z'),
        actor: 'reaper',
        labId: 'demo-b',
        action: 'delete',
        detail: 'idle 95 min',
        result: 'ok' as const,
      },
    ];

    const reply = digestReply([base, reaped], audit, NOW, DEFAULT_POLICY.rates);

    // demo-b had 4 h left at $0.183/h.
    expect(reply.title).toBe('labbot daily digest: 1 live lab burning $0.18/h; $0.73 saved by the reaper');
    expect(reply.sections[1]).toEqual({
      type: 'table',
      columns: ['lab', 'owner', 'reaper', 'saved', 'why'],
      rows: [['demo-b', 'U1', 'delete', '$0.73', 'idle 95 min']],
    });
  });

  it('shows what the month billed so far and its forecast at the current burn rate', () => {
    const rate = hourlyRate(base.spec, DEFAULT_POLICY.rates);
    // Running since 1 November 00:00 UTC: 561 h by NOW; 6 days 15 h (159 h) left in November.
    const intervals: BillingInterval[] = [
      {
        labId: 'demo-a',
        state: 'storage',
        startedAt: new Date('2026-10-31T20:00:00Z'),
        endedAt: new Date('2026-11-01T00:00:00Z'),
      },
      { labId: 'demo-a', state: 'running', startedAt: new Date('2026-11-01T00:00:00Z') },
    ];

    const reply = digestReply([base], [], NOW, DEFAULT_POLICY.rates, intervals);

    const soFar = 561 * rate.total;
    expect(replyText(reply)).toContain(
      `2026-11 so far: ${formatUsd(soFar)}; forecast for the month at today’s burn rate: ${formatUsd(soFar + 159 * rate.total)}.`,
    );
  });

  it('says nothing of the month without the ledger', () => {
    expect(replyText(digestReply([base], [], NOW, DEFAULT_POLICY.rates))).not.toContain('forecast');
  });
});

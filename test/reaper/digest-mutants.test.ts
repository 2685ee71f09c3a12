/**
 * The daily digest (reaper/digest.ts) on easy numbers: which labs count as live and recent, which audit lines are the
 * reaper's savings in the last day, what a delete and a suspend save, and the title's wording.
 */
import { type Lab } from '../../src/labs/lab';
import { type Rates } from '../../src/labs/policy';
import { type AuditEntry } from '../../src/labs/ports';
import { digestReply } from '../../src/reaper/digest';
import { minimalLab } from '../helpers/labs';

const NOW = new Date('2026-12-02T09:00:00Z');
const HOUR = 3_600_000;
// $2/h compute (2 vCPUs), $1/h storage (730 GB at $1 a month).
const RATES: Rates = { vcpuHour: 1, memoryGbHour: 0, storageGbMonth: 1 };

const at = (hoursFromNow: number): Date => new Date(NOW.getTime() + hoursFromNow * HOUR);

function lab(id: string, overrides: Partial<Lab> = {}): Lab {
  return minimalLab({
    id,
    owner: `owner-${id}`,
    phase: 'ready',
    spec: { vcpus: 2, memoryGb: 0, storageGb: 730 },
    createdAt: at(-1),
    expiresAt: at(4),
    poweredOnMs: 0,
    ...overrides,
  });
}

function reaped(
  labId: string | undefined,
  action: string,
  when: Date,
  extra: Partial<AuditEntry> = {},
): AuditEntry {
  return {
    at: when,
    actor: 'reaper',
    action,
    result: 'ok',
    ...(labId !== undefined ? { labId } : {}),
    ...extra,
  };
}

const table = (reply: ReturnType<typeof digestReply>): string[][] =>
  reply.sections.flatMap((s) => (s.type === 'table' ? s.rows : []));

describe('digestReply', () => {
  it('a delete saves the whole rate, a suspend the compute only, for the hours the lab had left', () => {
    const labs = [
      lab('del', { endedAt: at(-2), expiresAt: at(1) }),
      lab('sus', { desired: 'suspended', phase: 'suspended', expiresAt: at(2) }),
    ];
    const audit = [
      reaped('del', 'delete', at(-2), { detail: 'idle for 2h' }),
      reaped('sus', 'suspend', at(-1)),
    ];

    const reply = digestReply(labs, audit, NOW, RATES);

    // del: 3 h left × $3 = $9; sus: 3 h left × $2 = $6.
    expect(table(reply)).toEqual([
      ['del', 'owner-del', 'delete', '$9.00', 'idle for 2h'],
      ['sus', 'owner-sus', 'suspend', '$6.00', ''],
    ]);
    // Live: only the suspended lab, burning its storage.
    expect(reply.title).toBe('labbot daily digest: 1 live lab burning $1.00/h; $15.00 saved by the reaper');
    expect(reply.sections.find((s) => s.type === 'table')).toMatchObject({
      columns: ['lab', 'owner', 'reaper', 'saved', 'why'],
    });
  });

  it('counts only the reaper’s deletes and suspends of known labs in the last 24 hours', () => {
    const labs = [lab('a', { expiresAt: at(1) })];
    const audit = [
      reaped('a', 'delete', at(-24)),
      reaped('a', 'delete', new Date(at(-24).getTime() - 1)),
      { ...reaped('a', 'delete', at(-1)), actor: 'U_ALICE' },
      reaped('a', 'warn', at(-1)),
      reaped('ghost', 'delete', at(-1)),
      reaped(undefined, 'delete', at(-1)),
    ];

    const reply = digestReply(labs, audit, NOW, RATES);

    // Exactly 24 h ago still counts: 25 h left × $3.
    expect(table(reply)).toEqual([['a', 'owner-a', 'delete', '$75.00', '']]);
  });

  it('a lab reaped after its expiry saved nothing', () => {
    const reply = digestReply([lab('a', { expiresAt: at(-3) })], [reaped('a', 'delete', at(-1))], NOW, RATES);

    expect(table(reply)).toEqual([['a', 'owner-a', 'delete', '$0.00', '']]);
  });

  it('without savings: no table, and the plural for several live labs', () => {
    const reply = digestReply([lab('a'), lab('b')], [], NOW, RATES);

    expect(reply.title).toBe('labbot daily digest: 2 live labs burning $6.00/h; $0.00 saved by the reaper');
    expect(reply.sections.map((s) => s.type)).toEqual(['text', 'context']);
    expect(reply.sections[1]).toEqual({
      type: 'context',
      text: ['Saved = hourly rate × hours the lab had left until its expiry when the reaper acted.'],
    });
    expect(reply).toMatchObject({ visibility: 'channel', tone: 'info' });
  });

  it('spend counts labs live now or ended in the last 24 hours, and no older ones', () => {
    // Each an hour old with no compute: $1.00 of storage, to the end or to now.
    const labs = [
      lab('live'),
      lab('recent', { createdAt: at(-25), endedAt: at(-24) }),
      lab('old', { createdAt: at(-26), endedAt: new Date(at(-24).getTime() - 1) }),
    ];

    const reply = digestReply(labs, [], NOW, RATES);

    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: ['Cost so far of labs live in the last 24 h: $2.00.'],
    });
    expect(reply.title).toMatch(/^labbot daily digest: 1 live lab burning \$3\.00\/h/);
  });
});

import { REQUEST_FIELDS, TERMINAL_PHASES, type Lab, type VmInfo } from '../../src/labs/lab';
import { controllerColumns, labToRow, requestColumns, rowToLab } from '../../src/store/lab-row';
import { LIVE_TICKET_INDEX_ENDED_PHASES } from '../../src/store/migrations/001-initial';
import { type LabRow } from '../../src/store/schema';
import { CorruptLabRowError } from '../../src/store/store-errors';
import { fullLab, minimalLab } from '../helpers/labs';

describe('store/lab-row', () => {
  it('maps a lab with every optional field to a row and back unchanged', () => {
    const lab = fullLab();

    expect(rowToLab(labToRow(lab))).toStrictEqual(lab);
  });

  it('stores absent optional fields as NULL and reads them back as absent keys', () => {
    const row = labToRow(minimalLab());

    expect(row).toMatchObject({
      ticket: null,
      vapp_href: null,
      task_href: null,
      ready_at: null,
      ended_at: null,
      powered_on_since: null,
      last_activity_at: null,
      reap_warned_at: null,
      snoozed_until: null,
      keepalive_token: null,
      extensions: 0,
      powered_on_ms: 0,
    });
    expect(Object.keys(rowToLab(row)).sort()).toEqual(Object.keys(minimalLab()).sort());
  });

  it('stores dates as fixed-width ISO 8601 UTC text', () => {
    const row = labToRow(minimalLab({ createdAt: new Date('0999-01-02T03:04:05.006Z') }));

    expect(row.created_at).toBe('0999-01-02T03:04:05.006Z');
    expect(row.expires_at).toBe('2025-03-04T09:06:07.089Z');
  });

  it('keeps an empty string apart from an absent field', () => {
    const lab = minimalLab({ channel: '', failureReason: '' });

    expect(rowToLab(labToRow(lab))).toStrictEqual(lab);
  });

  it('stores only the known fields of VMs and NICs', () => {
    const vm = { ...fullLab().vms[0]!, extra: 'not persisted' } as VmInfo;

    const stored = JSON.parse(labToRow(minimalLab({ vms: [vm] })).vms) as Record<string, unknown>[];

    expect(stored[0]).not.toHaveProperty('extra');
    expect(stored[0]?.nics).toEqual(fullLab().vms[0]?.nics);
  });

  it('reads PostgreSQL’s bigint, which pg returns as a string, as a number', () => {
    const lab = rowToLab({ ...labToRow(minimalLab()), powered_on_ms: '3456000001' });

    expect(lab.poweredOnMs).toBe(3456000001);
  });

  it('refuses counts it could not store', () => {
    expect(() => labToRow(minimalLab({ extensions: -1 }))).toThrow(RangeError);
    expect(() => labToRow(minimalLab({ poweredOnMs: Number.NaN }))).toThrow(/poweredOnMs/);
    expect(() => labToRow(minimalLab({ poweredOnMs: 0.5 }))).toThrow(RangeError);
  });

  it('leaves the request’s, the notifier’s and the id’s columns out of the controller’s', () => {
    expect(Object.keys(controllerColumns(fullLab())).sort()).toEqual(
      Object.keys(labToRow(fullLab()))
        .filter(
          (column) =>
            ![
              'id',
              'desired',
              'owner',
              'expires_at',
              'extensions',
              'last_activity_at',
              'reap_warned_at',
              'snoozed_until',
              'capture_as',
              'keepalive_token',
              'restore_until',
              'ticket_closed_at',
              'late_warned_at',
              'channel',
              'message_ts',
            ].includes(column),
        )
        .sort(),
    );
  });

  it('maps only the request fields that are present', () => {
    expect(requestColumns('demo-4kq', { desired: 'deleted' })).toStrictEqual({ desired: 'deleted' });
    expect(
      requestColumns('demo-4kq', {
        owner: 'U_BOB',
        expiresAt: new Date('2025-03-05T00:00:00.000Z'),
        extensions: 2,
        lastActivityAt: new Date('2025-03-04T10:00:00.000Z'),
        reapWarnedAt: new Date('2025-03-04T11:00:00.000Z'),
        snoozedUntil: new Date('2025-03-04T13:00:00.000Z'),
      }),
    ).toStrictEqual({
      owner: 'U_BOB',
      expires_at: '2025-03-05T00:00:00.000Z',
      extensions: 2,
      last_activity_at: '2025-03-04T10:00:00.000Z',
      reap_warned_at: '2025-03-04T11:00:00.000Z',
      snoozed_until: '2025-03-04T13:00:00.000Z',
    });
  });

  it('maps every request field to its own column, the one labToRow writes', () => {
    const lab = fullLab();
    for (const field of REQUEST_FIELDS) {
      const columns = requestColumns(lab.id, { [field]: lab[field] });
      const [column, ...others] = Object.keys(columns) as (keyof LabRow)[];

      expect(others).toEqual([]);
      // labToRow leaves ticket_closed_at out while the ticket is open (schema.ts); the request writes NULL.
      expect(columns[column!]).toEqual(labToRow(lab)[column!] ?? null);
    }
  });

  it('clears optional request fields present with the value undefined, and ignores undefined for required ones', () => {
    expect(
      requestColumns('demo-4kq', {
        desired: undefined,
        owner: undefined,
        expiresAt: undefined,
        extensions: undefined,
        lastActivityAt: undefined,
        reapWarnedAt: undefined,
        snoozedUntil: undefined,
      }),
    ).toStrictEqual({ last_activity_at: null, reap_warned_at: null, snoozed_until: null });
  });

  it('refuses dates it could not store or sort', () => {
    expect(() => labToRow(minimalLab({ createdAt: new Date(Number.NaN) }))).toThrow(RangeError);
    expect(() => labToRow(minimalLab({ expiresAt: new Date('+010000-01-01T00:00:00.000Z') }))).toThrow(
      /years 0–9999/,
    );
  });

  describe('reading a row labbot never wrote', () => {
    const good = labToRow(fullLab());
    const cases: [string, Partial<LabRow>, string][] = [
      ['an unknown phase', { phase: 'exploded' }, 'phase'],
      ['an unknown desired state', { desired: 'paused' }, 'desired'],
      ['a date in another format', { created_at: '2025-03-04 05:06:07' }, 'created_at'],
      ['an impossible date', { ended_at: '2025-02-30T00:00:00.000Z' }, 'ended_at'],
      ['VMs that are not JSON', { vms: '[{' }, 'vms'],
      ['VMs that are not a list', { vms: '{}' }, 'vms'],
      [
        'a VM without a name',
        { vms: '[{"href":"h","powerState":"unknown","cpus":1,"memoryMb":1,"nics":[]}]' },
        'vms',
      ],
      [
        'a VM with an unknown power state',
        { vms: '[{"name":"n","href":"h","powerState":"on","cpus":1,"memoryMb":1,"nics":[]}]' },
        'vms[0].powerState',
      ],
      [
        'a NIC with a numeric MAC',
        {
          vms: '[{"name":"n","href":"h","powerState":"unknown","cpus":1,"memoryMb":1,"nics":[{"index":0,"network":"m","mac":5,"connected":true}]}]',
        },
        'vms',
      ],
      ['a size stored as text', { spec_vcpus: '4' as unknown as number }, 'spec_vcpus'],
      ['a fractional extension count', { extensions: 1.5 }, 'extensions'],
      ['a negative powered-on time', { powered_on_ms: -1 }, 'powered_on_ms'],
      ['a powered-on time that is not digits', { powered_on_ms: '12e3' }, 'powered_on_ms'],
      ['a powered-on time past 2^53', { powered_on_ms: '9007199254740993' }, 'powered_on_ms'],
      ['a powered-on-since in another format', { powered_on_since: '2025-03-04' }, 'powered_on_since'],
      ['an impossible last activity', { last_activity_at: '2025-13-01T00:00:00.000Z' }, 'last_activity_at'],
      ['a warning time without milliseconds', { reap_warned_at: '2025-03-04T12:00:00Z' }, 'reap_warned_at'],
      ['a snooze in local time', { snoozed_until: '2025-03-04T09:00:00.000+01:00' }, 'snoozed_until'],
    ];

    it.each(cases)('fails with CorruptLabRowError on %s', (_name, change, column) => {
      const read = (): Lab => rowToLab({ ...good, ...change });

      expect(read).toThrow(CorruptLabRowError);
      expect(read).toThrow(expect.objectContaining({ labId: good.id, column }) as Error);
    });
  });

  it('has the live-ticket index end labs in exactly the domain’s terminal phases', () => {
    // If this fails, the domain's terminal phases changed: add a migration that rebuilds labs_live_ticket_uq.
    expect([...LIVE_TICKET_INDEX_ENDED_PHASES].sort()).toEqual([...TERMINAL_PHASES].sort());
  });
});

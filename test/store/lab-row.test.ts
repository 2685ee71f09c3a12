import { TERMINAL_PHASES, type Lab, type VmInfo } from '../../src/labs/lab';
import { labToRow, rowToLab } from '../../src/store/lab-row';
import { LIVE_TICKET_INDEX_ENDED_PHASES } from '../../src/store/migrations/001-initial';
import { type LabRow } from '../../src/store/schema';
import { CorruptLabRowError } from '../../src/store/store-errors';
import { fullLab, minimalLab } from './lab-fixtures';

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

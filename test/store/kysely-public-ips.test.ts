import { PublicIpsExhaustedError } from '../../src/labs/errors';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { KyselyPublicIps } from '../../src/store/kysely-public-ips';
import { migrateToLatest } from '../../src/store/migrate';
import { fullLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

const RANGE = { start: '203.0.113.10', end: '203.0.113.60' };

describe.each(databaseKinds('KyselyPublicIps'))('public IPs and lab networking on $name', (kind) => {
  let testDatabase: TestDatabase;
  let databases: LabbotDatabase[];

  beforeEach(async () => {
    testDatabase = await kind.create();
    databases = [await openDatabase(testDatabase.target)];
    await migrateToLatest(databases[0] as LabbotDatabase);
  });

  afterEach(async () => {
    await Promise.all(databases.map((d) => d.close()));
    await testDatabase.dispose();
  });

  it('gives each lab the lowest free address, the same one again when asked twice, and takes it back', async () => {
    const pool = new KyselyPublicIps(databases[0] as LabbotDatabase);

    expect(await pool.allocate('demo-a', RANGE)).toBe('203.0.113.10');
    expect(await pool.allocate('demo-b', RANGE)).toBe('203.0.113.11');
    expect(await pool.allocate('demo-a', RANGE)).toBe('203.0.113.10');
    await pool.release('demo-a');
    await pool.release('demo-a');
    expect(await pool.allocate('demo-c', RANGE)).toBe('203.0.113.10');
    expect(await pool.list()).toEqual([
      { labId: 'demo-c', ip: '203.0.113.10' },
      { labId: 'demo-b', ip: '203.0.113.11' },
    ]);
  });

  it('skips addresses in use on the edge (single addresses and ranges), but keeps a lab’s own', async () => {
    const pool = new KyselyPublicIps(databases[0] as LabbotDatabase);
    const inUse = [
      { start: '203.0.113.10', end: '203.0.113.10' },
      { start: '203.0.113.11', end: '203.0.113.13' },
      { start: '198.51.100.1', end: '198.51.100.9' },
    ];

    expect(await pool.allocate('demo-a', RANGE, inUse)).toBe('203.0.113.14');
    expect(await pool.allocate('demo-a', RANGE, [{ start: '203.0.113.14', end: '203.0.113.14' }])).toBe(
      '203.0.113.14',
    );
  });

  it('says so when the range is used up', async () => {
    const pool = new KyselyPublicIps(databases[0] as LabbotDatabase);
    const small = { start: '192.0.2.1', end: '192.0.2.2' };
    await pool.allocate('demo-a', small);
    await pool.allocate('demo-b', small);

    await expect(pool.allocate('demo-c', small)).rejects.toThrow(PublicIpsExhaustedError);
  });

  it('never hands one address to two labs, with 30 allocations racing over two connections', async () => {
    databases.push(await openDatabase(testDatabase.target));
    const pools = databases.map((d) => new KyselyPublicIps(d));
    const ids = Array.from({ length: 30 }, (_, i) => `demo-${i}`);

    const ips = await Promise.all(ids.map((id, i) => (pools[i % 2] as KyselyPublicIps).allocate(id, RANGE)));

    expect(new Set(ips).size).toBe(30);
    expect((await (pools[0] as KyselyPublicIps).list()).map((a) => a.labId).sort()).toEqual([...ids].sort());
  });

  it('stores a lab’s networking and reads it back deep-equal', async () => {
    const store = new KyselyLabStore(databases[0] as LabbotDatabase);
    const lab = fullLab({
      network: {
        edge: 'edge-01',
        esxiVms: ['esxi-01'],
        jumpHost: 'jump',
        nicsConfigured: true,
        publicIp: '203.0.113.10',
        rulesApplied: true,
        access: [
          {
            name: 'esxi-ui',
            vm: 'esxi-01',
            protocol: 'tcp',
            publicPort: 443,
            port: 443,
            url: 'https://203.0.113.10:443',
            allow: ['Any'],
          },
        ],
        released: false,
      },
    });
    await store.insert(lab);

    expect(await store.get(lab.id)).toStrictEqual(lab);
    await store.update({
      ...lab,
      network: { ...(lab.network as NonNullable<typeof lab.network>), released: true },
    });
    expect((await store.get(lab.id))?.network?.released).toBe(true);
  });
});

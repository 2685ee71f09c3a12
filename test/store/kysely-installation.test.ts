import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyInstallation, KyselyReconcileSightings } from '../../src/store/kysely-installation';
import { migrateTo, migrateToLatest } from '../../src/store/migrate';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselyInstallation');

const T0 = new Date('2026-11-24T09:00:00.000Z');
const VCD = { endpoint: 'https://vcd.example.com', org: 'acme', vdc: 'v1' };

describe.each(kinds)('KyselyInstallation and KyselyReconcileSightings on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
    await migrateToLatest(database);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  it('records the first installation and hands it back to every later caller, replicas racing included', async () => {
    const installation = new KyselyInstallation(database);
    const candidates = ['id-a', 'id-b', 'id-c'].map((id) => ({ id, vcd: VCD, createdAt: T0 }));

    const seen = await Promise.all(candidates.map((c) => installation.ensure(c)));

    expect(new Set(seen.map((s) => s.id)).size).toBe(1);
    expect(seen[0]).toEqual({ id: seen[0]?.id, vcd: VCD, createdAt: T0 });
    expect(
      await installation.ensure({ id: 'id-later', vcd: { ...VCD, org: 'other' }, createdAt: new Date() }),
    ).toEqual(seen[0]);
  });

  it('moves to another VCD keeping its id', async () => {
    const installation = new KyselyInstallation(database);
    const { id } = await installation.ensure({ id: 'id-a', vcd: VCD, createdAt: T0 });
    const moved = { endpoint: 'embedded simulator', org: 'lab', vdc: 'lab-vdc' };

    await installation.moveTo(moved);

    expect(await installation.ensure({ id: 'id-b', vcd: VCD, createdAt: T0 })).toEqual({
      id,
      vcd: moved,
      createdAt: T0,
    });
  });

  it('keeps the first sighting, says which call recorded it, and forgets it when cleared', async () => {
    const sightings = new KyselyReconcileSightings(database);
    const later = new Date(T0.getTime() + 60_000);

    expect(await sightings.sight('vanished', 'demo-1', T0)).toEqual({ at: T0, isNew: true });
    expect(await sightings.sight('vanished', 'demo-1', later)).toEqual({ at: T0, isNew: false });
    expect(await sightings.sight('ended-exists', 'demo-1', later)).toEqual({ at: later, isNew: true });
    expect(await sightings.list('vanished')).toEqual(['demo-1']);

    await sightings.clear('vanished', 'demo-1');

    expect(await sightings.list('vanished')).toEqual([]);
    expect(await sightings.list('ended-exists')).toEqual(['demo-1']);
    expect(await sightings.sight('vanished', 'demo-1', later)).toEqual({ at: later, isNew: true });
  });

  it('migrates down and up again (006 is reversible)', async () => {
    await new KyselyInstallation(database).ensure({ id: 'id-a', vcd: VCD, createdAt: T0 });
    expect(await migrateTo(database, '005-capture')).toContain('006-installation');
    expect(await migrateToLatest(database)).toContain('006-installation');
    expect((await new KyselyInstallation(database).ensure({ id: 'id-b', vcd: VCD, createdAt: T0 })).id).toBe(
      'id-b',
    );
  });
});

import { billLabs, type BillingInterval } from '../../src/labs/billing';
import { hourlyRate } from '../../src/labs/cost';
import { type Lab } from '../../src/labs/lab';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyAuditLog } from '../../src/store/kysely-audit-log';
import { KyselyBillingLedger } from '../../src/store/kysely-billing-ledger';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { labToRow } from '../../src/store/lab-row';
import { migrateTo, migrateToLatest } from '../../src/store/migrate';
import { minimalLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

const rates = { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 };
const at = (iso: string): Date => new Date(iso);
const HOUR = 3_600_000;

describe.each(databaseKinds('KyselyBillingLedger'))('billing ledger, on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  const everything = (ledger: KyselyBillingLedger): Promise<BillingInterval[]> =>
    ledger.intervals(at('2000-01-01T00:00:00.000Z'), at('2100-01-01T00:00:00.000Z'));

  it('records every power change across a month boundary, and a restart in the middle neither loses nor doubles one', async () => {
    await migrateToLatest(database);
    let store = new KyselyLabStore(database);
    // Requested 31 March 22:00 UTC, running 22:10, suspended 1 April 01:00, resumed 03:00, torn down 05:00.
    let lab: Lab = minimalLab({ createdAt: at('2026-03-31T22:00:00.000Z') });
    await store.insert(lab);
    lab = { ...lab, phase: 'ready', poweredOnSince: at('2026-03-31T22:10:00.000Z') };
    await store.update(lab);
    // The controller saves progress with nothing billed changing: no new interval.
    await store.update({ ...lab, vms: [] });
    const { poweredOnSince: _on, ...off } = lab;
    lab = { ...off, phase: 'suspended', poweredOnMs: 170 * 60_000 };
    await store.update(lab);

    // Restart: a new process (new connection, new store) finds the lab as stored and saves it again, as the
    // controller does when it resumes a step.
    await database.close();
    database = await openDatabase(testDatabase.target);
    store = new KyselyLabStore(database);
    const again = new KyselyBillingLedger(database);
    const stored = await store.get(lab.id);
    await store.update(stored as Lab);

    lab = { ...(stored as Lab), phase: 'ready', poweredOnSince: at('2026-04-01T03:00:00.000Z') };
    await store.update(lab);
    await store.update(lab);
    const { poweredOnSince: _again, ...stopped } = lab;
    lab = {
      ...stopped,
      phase: 'deleting',
      poweredOnMs: lab.poweredOnMs + 2 * HOUR,
    };
    await store.update(lab);
    await store.update({ ...lab, phase: 'deleted', endedAt: at('2026-04-01T05:10:00.000Z') });

    const intervals = await everything(again);
    expect(intervals).toEqual([
      {
        labId: lab.id,
        state: 'storage',
        startedAt: at('2026-03-31T22:00:00.000Z'),
        endedAt: at('2026-03-31T22:10:00.000Z'),
      },
      {
        labId: lab.id,
        state: 'running',
        startedAt: at('2026-03-31T22:10:00.000Z'),
        endedAt: at('2026-04-01T01:00:00.000Z'),
      },
      {
        labId: lab.id,
        state: 'storage',
        startedAt: at('2026-04-01T01:00:00.000Z'),
        endedAt: at('2026-04-01T03:00:00.000Z'),
      },
      {
        labId: lab.id,
        state: 'running',
        startedAt: at('2026-04-01T03:00:00.000Z'),
        endedAt: at('2026-04-01T05:00:00.000Z'),
      },
      {
        labId: lab.id,
        state: 'storage',
        startedAt: at('2026-04-01T05:00:00.000Z'),
        endedAt: at('2026-04-01T05:10:00.000Z'),
      },
    ]);

    // March bills 22:00–24:00 (10 min storage, 110 min running); April the rest.
    const rate = hourlyRate(lab.spec, rates);
    const now = at('2026-04-02T00:00:00.000Z');
    const march = { from: at('2026-03-01T00:00:00.000Z'), to: at('2026-04-01T00:00:00.000Z') };
    const april = { from: at('2026-04-01T00:00:00.000Z'), to: now };
    const [inMarch] = billLabs([lab], await again.intervals(march.from, march.to), rates, march, now);
    const [inApril] = billLabs([lab], await again.intervals(april.from, april.to), rates, april, now);
    expect(inMarch?.cost).toBeCloseTo((10 / 60) * rate.storage + (110 / 60) * rate.total, 9);
    expect(inApril?.runningHours).toBeCloseTo(1 + 2, 9);
    expect(inApril?.storageHours).toBeCloseTo(2 + 10 / 60, 9);
  });

  it('narrows a report to one owner and to the intervals overlapping the period', async () => {
    await migrateToLatest(database);
    const store = new KyselyLabStore(database);
    const ledger = new KyselyBillingLedger(database);
    await store.insert(minimalLab({ id: 'demo-a', owner: 'U1', createdAt: at('2026-03-01T00:00:00.000Z') }));
    await store.insert(minimalLab({ id: 'demo-b', owner: 'U2', createdAt: at('2026-03-05T00:00:00.000Z') }));

    expect(
      (await ledger.intervals(at('2026-03-02T00:00:00.000Z'), at('2026-03-03T00:00:00.000Z'))).map(
        (i) => i.labId,
      ),
    ).toEqual(['demo-a']);
    expect(
      (await ledger.intervals(at('2026-03-01T00:00:00.000Z'), at('2026-03-09T00:00:00.000Z'), 'U2')).map(
        (i) => i.labId,
      ),
    ).toEqual(['demo-b']);
  });

  it('refuses a second open interval for a lab at the database itself', async () => {
    await migrateToLatest(database);
    await new KyselyLabStore(database).insert(minimalLab());

    await expect(
      database.kysely
        .insertInto('lab_billing_intervals')
        .values({
          lab_id: minimalLab().id,
          state: 'running',
          started_at: '2026-03-01T00:00:00.000Z',
          ended_at: null,
        })
        .execute(),
      // A message rather than toThrow: better-sqlite3's error class may come from another test file's realm.
    ).rejects.toMatchObject({ message: expect.stringMatching(/unique/i) as unknown });
  });

  it('fills in existing labs from their rows and audit log when migration 013 runs', async () => {
    await migrateTo(database, '012-classes');
    const audit = new KyselyAuditLog(database);
    const record = (labId: string, action: string, iso: string): Promise<void> =>
      audit.record({ at: at(iso), actor: 'controller', labId, action, result: 'ok' });
    // Ended: ready 10:00, suspended 11:00, resumed 12:00, torn down 12:30 (1 h 30 min powered on), ended 12:40.
    const ended = minimalLab({
      id: 'demo-old',
      phase: 'deleted',
      createdAt: at('2026-03-01T09:50:00.000Z'),
      endedAt: at('2026-03-01T12:40:00.000Z'),
      poweredOnMs: 90 * 60_000,
    });
    await record('demo-old', 'ready', '2026-03-01T10:00:00.000Z');
    await record('demo-old', 'suspended', '2026-03-01T11:00:00.000Z');
    await record('demo-old', 'resumed', '2026-03-01T12:00:00.000Z');
    await record('demo-old', 'teardown', '2026-03-01T12:30:00.000Z');
    await record('demo-old', 'deleted', '2026-03-01T12:40:00.000Z');
    // Running now since 14:00, after 30 min of running in the morning.
    const running = minimalLab({
      id: 'demo-now',
      phase: 'ready',
      createdAt: at('2026-03-02T08:00:00.000Z'),
      poweredOnMs: 30 * 60_000,
      poweredOnSince: at('2026-03-02T14:00:00.000Z'),
    });
    await record('demo-now', 'ready', '2026-03-02T08:30:00.000Z');
    await record('demo-now', 'suspended', '2026-03-02T09:00:00.000Z');
    await record('demo-now', 'resumed', '2026-03-02T14:00:00.000Z');
    for (const lab of [ended, running]) {
      // As 012's table takes it: columns later migrations added are unset on these labs, so left out.
      const row = Object.fromEntries(Object.entries(labToRow(lab)).filter(([, value]) => value !== null));
      await database.kysely
        .insertInto('labs')
        .values(row as ReturnType<typeof labToRow>)
        .execute();
    }

    expect(await migrateToLatest(database)).toEqual([
      '013-billing-ledger',
      '014-restore-window',
      '015-work-rhythms',
    ]);

    const byLab = (await everything(new KyselyBillingLedger(database))).map((i) => [
      i.labId,
      i.state,
      i.startedAt.toISOString().slice(11, 16),
      i.endedAt?.toISOString().slice(11, 16),
    ]);
    expect(byLab).toEqual([
      ['demo-old', 'storage', '09:50', '10:00'],
      ['demo-old', 'running', '10:00', '11:00'],
      ['demo-old', 'storage', '11:00', '12:00'],
      ['demo-old', 'running', '12:00', '12:30'],
      ['demo-old', 'storage', '12:30', '12:40'],
      ['demo-now', 'storage', '08:00', '08:30'],
      ['demo-now', 'running', '08:30', '09:00'],
      ['demo-now', 'storage', '09:00', '14:00'],
      ['demo-now', 'running', '14:00', undefined],
    ]);

    // And the store carries on from the backfilled open interval: suspending closes it, nothing is doubled.
    const store = new KyselyLabStore(database);
    const { poweredOnSince: _on, ...off } = running;
    await store.update({ ...off, phase: 'suspended', poweredOnMs: running.poweredOnMs + HOUR });
    const now = await new KyselyBillingLedger(database).intervals(
      at('2026-03-02T13:00:00.000Z'),
      at('2026-03-03T00:00:00.000Z'),
    );
    expect(now.map((i) => [i.state, i.startedAt.toISOString(), i.endedAt?.toISOString()])).toEqual([
      ['storage', '2026-03-02T09:00:00.000Z', '2026-03-02T14:00:00.000Z'],
      ['running', '2026-03-02T14:00:00.000Z', '2026-03-02T15:00:00.000Z'],
      ['storage', '2026-03-02T15:00:00.000Z', undefined],
    ]);
  });
});

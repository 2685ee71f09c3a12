import { type AuditEntry } from '../../src/labs/ports';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyAuditLog } from '../../src/store/kysely-audit-log';
import { migrateToLatest } from '../../src/store/migrate';
import { CorruptAuditRowError } from '../../src/store/store-errors';
import { recordingLogger } from '../helpers/logger';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselyAuditLog');

function at(minute: number): Date {
  return new Date(Date.UTC(2025, 2, 4, 8, minute, 0, 456));
}

describe.each(kinds)('KyselyAuditLog on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;
  let logger: ReturnType<typeof recordingLogger>;
  let audit: KyselyAuditLog;

  beforeEach(async () => {
    testDatabase = await kind.create();
    logger = recordingLogger();
    database = await openDatabase(testDatabase.target, logger);
    await migrateToLatest(database);
    audit = new KyselyAuditLog(database);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  const deploy: AuditEntry = {
    at: at(1),
    actor: 'U_ALICE',
    labId: 'demo-4kq',
    action: 'deploy',
    detail: 'template "esxi8-basic" for 4h\n≈ $1.20/h',
    result: 'ok',
  };
  const denied: AuditEntry = { at: at(2), actor: 'U_BOB', action: 'deploy', result: 'denied' };
  const teardown: AuditEntry = {
    at: at(3),
    actor: 'U_BOB',
    labId: 'demo-4kq',
    action: 'teardown',
    result: 'denied',
    detail: 'not the owner',
  };
  const reaped: AuditEntry = {
    at: at(4),
    actor: 'reaper',
    labId: 'demo-7zz',
    action: 'teardown',
    result: 'failed',
  };

  async function recordAll(): Promise<void> {
    // Recorded out of time order: the log orders by `at`, not by arrival.
    for (const entry of [teardown, deploy, reaped, denied]) {
      await audit.record(entry);
    }
  }

  it('round-trips entries, leaving absent fields absent', async () => {
    await audit.record(deploy);
    await audit.record(denied);

    const [second, first] = await audit.list({ limit: 10 });

    expect(first).toStrictEqual(deploy);
    expect(second).toStrictEqual(denied);
    expect(Object.keys(second ?? {}).sort()).toEqual(['action', 'actor', 'at', 'result']);
  });

  it('lists newest first, up to the limit', async () => {
    await recordAll();

    expect(await audit.list({ limit: 10 })).toStrictEqual([reaped, teardown, denied, deploy]);
    expect(await audit.list({ limit: 2 })).toStrictEqual([reaped, teardown]);
    expect(await audit.list({ limit: 0 })).toEqual([]);
  });

  it('lists entries of the same millisecond newest recorded first', async () => {
    const entries = ['first', 'second', 'third'].map((action): AuditEntry => ({
      at: at(9),
      actor: 'U_ALICE',
      action,
      result: 'ok',
    }));
    for (const entry of entries) {
      await audit.record(entry);
    }

    expect((await audit.list({ limit: 10 })).map((entry) => entry.action)).toEqual([
      'third',
      'second',
      'first',
    ]);
  });

  it('filters by lab, by actor, and by both', async () => {
    await recordAll();

    expect(await audit.list({ labId: 'demo-4kq', limit: 10 })).toStrictEqual([teardown, deploy]);
    expect(await audit.list({ actor: 'U_BOB', limit: 10 })).toStrictEqual([teardown, denied]);
    expect(await audit.list({ actor: 'U_BOB', labId: 'demo-4kq', limit: 10 })).toStrictEqual([teardown]);
    expect(await audit.list({ actor: 'U_NOBODY', limit: 10 })).toEqual([]);
  });

  it('refuses a limit that is not a non-negative integer', async () => {
    await expect(audit.list({ limit: -1 })).rejects.toThrow(RangeError);
    await expect(audit.list({ limit: 2.5 })).rejects.toThrow(RangeError);
  });

  it('fails with CorruptAuditRowError on a row labbot never wrote', async () => {
    await database.kysely
      .insertInto('audit_log')
      .values({
        at: at(1).toISOString(),
        actor: 'U_X',
        lab_id: null,
        action: 'x',
        detail: null,
        result: 'maybe',
      })
      .execute();

    await expect(audit.list({ limit: 1 })).rejects.toThrow(CorruptAuditRowError);
    await expect(audit.list({ limit: 1 })).rejects.toMatchObject({ column: 'result' });
  });

  describe('record', () => {
    it('does not throw when the database is gone, and logs the whole entry instead', async () => {
      await database.close();

      await expect(audit.record(deploy)).resolves.toBeUndefined();

      const line = logger.lines.find((logged) => logged.message === 'audit entry not recorded');
      expect(line).toMatchObject({
        level: 'error',
        fields: { actor: 'U_ALICE', labId: 'demo-4kq', action: 'deploy', result: 'ok', at: deploy.at },
      });
    });

    it('does not throw on a date it cannot store', async () => {
      await expect(audit.record({ ...deploy, at: new Date(Number.NaN) })).resolves.toBeUndefined();

      expect(logger.lines.filter((logged) => logged.message === 'audit entry not recorded')).toHaveLength(1);
      expect(await audit.list({ limit: 10 })).toEqual([]);
    });

    it('does not throw when the logger throws too', async () => {
      logger.error = () => {
        throw new Error('log sink down');
      };
      await database.close();

      await expect(audit.record(deploy)).resolves.toBeUndefined();
    });
  });
});

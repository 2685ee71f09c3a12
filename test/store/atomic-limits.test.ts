/**
 * Issue 14, items 3 and 5: the per-person limits and one lab per ticket hold under concurrency, through the public
 * seam (the command runner) on a real database: SQLite always, PostgreSQL when LABBOT_TEST_DATABASE_URL is set.
 */
import { createCommandRunner } from '../../src/commands/run-command';
import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { hourlyRate } from '../../src/labs/cost';
import { DuplicateLabError, LiveTicketConflictError } from '../../src/labs/errors';
import { LabService } from '../../src/labs/lab-service';
import { limitRefusal } from '../../src/labs/limits';
import { type LabPolicy } from '../../src/labs/policy';
import { type DirectoryUser } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyAuditLog } from '../../src/store/kysely-audit-log';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { labToRow } from '../../src/store/lab-row';
import { migrateTo, migrateToLatest } from '../../src/store/migrate';
import { MigrationFailedError } from '../../src/store/store-errors';
import { ManualClock } from '../helpers/clock';
import { replyText } from '../helpers/reply-text';
import { minimalLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('Atomic limits');

/** A reproducible stream of uniform numbers (mulberry32), so concurrent deploys draw distinct lab ids. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const PERSON: DirectoryUser = {
  id: 'U2',
  deleted: false,
  bot: false,
  guest: false,
  inTeam: true,
  verified: true,
};

describe.each(kinds)('atomic limits on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;
  let store: KyselyLabStore;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
    await migrateToLatest(database);
    store = new KyselyLabStore(database);
  });

  afterEach(async () => {
    await store.close();
    await testDatabase.dispose();
  });

  function runner(policy: LabPolicy) {
    const clock = new ManualClock();
    let token = 0;
    const service = new LabService({
      store,
      waker: { wake: () => undefined },
      clock,
      random: seededRandom(14),
      policy,
      audit: new KyselyAuditLog(database),
      newToken: () => `token-${++token}`,
      directory: { lookup: (id) => Promise.resolve({ ...PERSON, id }) },
    });
    const commands = createCommandRunner({
      service,
      policy,
      clock,
      random: seededRandom(7),
      logger: createSilentLogger(),
      simulated: true,
    });
    return { service, commands };
  }

  const tones = (replies: Reply[]): Record<string, number> =>
    replies.reduce<Record<string, number>>((count, reply) => {
      count[reply.tone] = (count[reply.tone] ?? 0) + 1;
      return count;
    }, {});

  /**
   * Opens the pool's connections first (PostgreSQL): a cold pool logs in one connection after another, which spaces
   * the requests out enough to hide a race that a busy server shows at once.
   */
  async function warm(): Promise<void> {
    await Promise.all(Array.from({ length: 10 }, () => store.list({})));
  }

  it('starts exactly the quota when one person sends 30 `/lab demo` at once', async () => {
    const { commands } = runner(DEFAULT_POLICY);
    const quota = DEFAULT_POLICY.limits.maxLabsPerUser;
    await warm();

    const replies = await Promise.all(
      Array.from({ length: 30 }, () => commands.run('demo', { user: 'U1', channel: 'C1' })),
    );

    expect((await store.list({ owner: 'U1' })).length).toBe(quota);
    expect(tones(replies).error).toBe(30 - quota);
    const refusals = replies.filter((r) => r.tone === 'error').map((reply) => replyText(reply));
    expect(refusals.every((text) => text.includes(`already have ${quota} live labs`))).toBe(true);
  });

  it('holds the hourly spend cap under 30 concurrent deploys', async () => {
    const rate = hourlyRate({ vcpus: 12, memoryGb: 50, storageGb: 440 }, DEFAULT_POLICY.rates).total;
    // Room for three vsphere8 labs and a bit, far below the count limit.
    const policy: LabPolicy = {
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 100, maxHourlySpendPerUser: rate * 3.5 },
    };
    const { commands } = runner(policy);
    await warm();

    const replies = await Promise.all(
      Array.from({ length: 30 }, () => commands.run('demo vsphere8', { user: 'U1' })),
    );

    expect((await store.list({ owner: 'U1' })).length).toBe(3);
    expect(tones(replies).error).toBe(27);
    expect(replies.filter((r) => r.tone === 'error').map((reply) => replyText(reply))[0]).toContain(
      'limit per person',
    );
  });

  it('keeps one person at the quota from pushing another over it', async () => {
    const { commands } = runner(DEFAULT_POLICY);
    await warm();

    await Promise.all([
      ...Array.from({ length: 10 }, () => commands.run('demo', { user: 'U1' })),
      ...Array.from({ length: 10 }, () => commands.run('demo', { user: 'U2' })),
    ]);

    expect((await store.list({ owner: 'U1' })).length).toBe(5);
    expect((await store.list({ owner: 'U2' })).length).toBe(5);
  });

  it('gives TKT-2 and tkt-2 one lab, even asked at the same time', async () => {
    const { commands } = runner(DEFAULT_POLICY);

    const replies = await Promise.all([
      commands.run('repro TKT-2', { user: 'U1' }),
      commands.run('repro tkt-2', { user: 'U2' }),
      commands.run('repro Tkt-2', { user: 'U3' }),
    ]);

    const labs = await store.list({});
    expect(labs).toHaveLength(1);
    expect(['TKT-2', 'tkt-2', 'Tkt-2']).toContain(labs[0]?.ticket);
    expect(
      replies.map((reply) => replyText(reply)).filter((text) => text.includes('already has lab')),
    ).toHaveLength(2);
    expect(await store.findLiveByTicket('tkt-2')).toMatchObject({ id: labs[0]?.id });
  });

  it('finds and guards a live ticket stored in another case before tickets were normalised', async () => {
    await store.insert(minimalLab({ id: 'repro-old', owner: 'U9', ticket: 'tkt-7' }));

    await expect(store.findLiveByTicket('TKT-7')).resolves.toMatchObject({ id: 'repro-old' });
    await expect(store.insert(minimalLab({ id: 'repro-new', owner: 'U9', ticket: 'TKT-7' }))).rejects.toThrow(
      LiveTicketConflictError,
    );
  });

  it('counts a hand-off against the receiver atomically: 10 labs handed to one person at once, quota 5', async () => {
    const { service } = runner(DEFAULT_POLICY);
    const owners = ['U1', 'U3', 'U4'];
    const labIds: string[] = [];
    for (const owner of owners) {
      for (let i = 0; i < 4; i++) {
        labIds.push((await service.deploy({ user: owner, kind: 'demo', template: 'esxi8' })).lab.id);
      }
    }

    await warm();
    const results = await Promise.allSettled(
      labIds.slice(0, 10).map((id) => {
        const owner = owners[Math.floor(labIds.indexOf(id) / 4)] ?? 'U1';
        return service.handoff(owner, id, 'U2');
      }),
    );

    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(5);
    expect((await store.list({ owner: 'U2' })).length).toBe(5);
    expect(
      results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .every((r) => String(r.reason).includes('The new owner already has 5 live labs')),
    ).toBe(true);
  });

  it('rotates the keep-alive token on hand-off', async () => {
    const { service } = runner(DEFAULT_POLICY);
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    const oldToken = lab.keepaliveToken ?? '';

    const handed = await service.handoff('U1', lab.id, 'U2');

    expect(handed.keepaliveToken).toBeDefined();
    expect(handed.keepaliveToken).not.toBe(oldToken);
    expect((await store.get(lab.id))?.keepaliveToken).toBe(handed.keepaliveToken);
    await expect(service.keepalive(lab.id, oldToken)).resolves.toBe(false);
    // The controller's write of its stale copy does not bring the old token back.
    await store.update({ ...lab, phase: 'ready' });
    expect((await store.get(lab.id))?.keepaliveToken).toBe(handed.keepaliveToken);
  });

  it('refuses a transfer whose lab changed hands meanwhile (stale)', async () => {
    await store.insert(minimalLab({ id: 'demo-x', owner: 'U1' }));
    const pass = (): undefined => undefined;

    await expect(store.transferWithinLimits('demo-x', 'U7', { owner: 'U2' }, pass)).resolves.toEqual({
      status: 'stale',
    });
    await expect(store.transferWithinLimits('demo-x', 'U1', { owner: 'U2' }, pass)).resolves.toEqual({
      status: 'moved',
    });
    expect((await store.get('demo-x'))?.owner).toBe('U2');
  });

  it('passes the check only the owner’s live labs and writes nothing on a refusal', async () => {
    await store.insert(minimalLab({ id: 'demo-a', owner: 'U1' }));
    await store.insert(minimalLab({ id: 'demo-b', owner: 'U1', phase: 'deleted' }));
    await store.insert(minimalLab({ id: 'demo-c', owner: 'U2' }));
    const seen: string[][] = [];

    const refusal = await store.insertWithinLimits(minimalLab({ id: 'demo-d', owner: 'U1' }), (labs) => {
      seen.push(labs.map((l) => l.id));
      return limitRefusal(
        labs,
        0,
        { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 },
        DEFAULT_POLICY.rates,
        'you',
      );
    });

    expect(seen).toEqual([['demo-a']]);
    expect(refusal?.detail).toBe('lab count limit 1');
    expect(await store.get('demo-d')).toBeUndefined();
  });

  it('rolls back when the check throws, and the store keeps working', async () => {
    const boom = (): undefined => {
      throw new Error('check failed');
    };

    await expect(store.insertWithinLimits(minimalLab({ id: 'demo-a' }), boom)).rejects.toThrow(
      'check failed',
    );
    await expect(
      store.insertWithinLimits(minimalLab({ id: 'demo-b' }), () => undefined),
    ).resolves.toBeUndefined();
    await expect(store.insertWithinLimits(minimalLab({ id: 'demo-b' }), () => undefined)).rejects.toThrow(
      DuplicateLabError,
    );

    expect((await store.list({})).map((l) => l.id)).toEqual(['demo-b']);
  });

  describe('migration 007', () => {
    /** A row as 005's table takes it: the columns later migrations added are unset on a minimal lab, so left out. */
    function columnsOf005<T extends object>(row: T): T {
      return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)) as T;
    }

    async function at005(rows: { id: string; ticket: string; phase?: 'ready' | 'deleted' }[]) {
      const fresh = await kind.create();
      const old = await openDatabase(fresh.target);
      await migrateTo(old, '005-capture');
      for (const row of rows) {
        await old.kysely
          .insertInto('labs')
          .values(
            columnsOf005(
              labToRow(minimalLab({ id: row.id, ticket: row.ticket, phase: row.phase ?? 'ready' })),
            ),
          )
          .execute();
      }
      return { old, fresh };
    }

    it('stops, naming the labs, when two live labs have tickets that differ only in case', async () => {
      const { old, fresh } = await at005([
        { id: 'repro-tkt-2', ticket: 'TKT-2' },
        { id: 'repro-tkt-2-2', ticket: 'tkt-2' },
      ]);
      try {
        const migrating = migrateToLatest(old);

        await expect(migrating).rejects.toThrow(MigrationFailedError);
        await expect(migrating).rejects.toMatchObject({
          migration: '007-safety-limits',
          cause: { message: expect.stringContaining('TKT-2 (labs repro-tkt-2, repro-tkt-2-2)') },
        });
      } finally {
        await old.close();
        await fresh.dispose();
      }
    });

    it('upgrades when the case twin has ended, and then guards the ticket whatever its case', async () => {
      const { old, fresh } = await at005([
        { id: 'repro-tkt-2', ticket: 'TKT-2', phase: 'deleted' },
        { id: 'repro-tkt-2-2', ticket: 'tkt-2' },
      ]);
      try {
        expect(await migrateToLatest(old)).toContain('007-safety-limits');
        const upgraded = new KyselyLabStore(old);

        await expect(upgraded.findLiveByTicket('TKT-2')).resolves.toMatchObject({ id: 'repro-tkt-2-2' });
        await expect(upgraded.insert(minimalLab({ id: 'repro-tkt-2-3', ticket: 'Tkt-2' }))).rejects.toThrow(
          LiveTicketConflictError,
        );
      } finally {
        await old.close();
        await fresh.dispose();
      }
    });
  });
});

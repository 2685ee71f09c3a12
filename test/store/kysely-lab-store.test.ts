import { DuplicateLabError, LiveTicketConflictError } from '../../src/labs/errors';
import { type DesiredState, type Lab, LAB_PHASES, type LabPhase } from '../../src/labs/lab';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { KyselySignalStore } from '../../src/store/kysely-signal-store';
import { labToRow } from '../../src/store/lab-row';
import { migrateTo, migrateToLatest } from '../../src/store/migrate';
import { DatabaseUnavailableError, MigrationFailedError } from '../../src/store/store-errors';
import { fullLab, minimalLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselyLabStore');

/** Every phase the domain knows, from its own list: a phase added later is covered without editing this test. */
const ALL_PHASES: readonly LabPhase[] = LAB_PHASES;
const ALL_DESIRED: DesiredState[] = ['running', 'suspended', 'deleted'];

function at(minute: number): Date {
  return new Date(Date.UTC(2025, 2, 4, 8, minute, 0, 123));
}

describe.each(kinds)('KyselyLabStore on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;
  let store: KyselyLabStore;

  async function open(): Promise<void> {
    database = await openDatabase(testDatabase.target);
    await migrateToLatest(database);
    store = new KyselyLabStore(database);
  }

  beforeEach(async () => {
    testDatabase = await kind.create();
    await open();
  });

  afterEach(async () => {
    await store.close();
    await testDatabase.dispose();
  });

  describe('migrations', () => {
    it('apply once and then find nothing to do', async () => {
      const fresh = await kind.create();
      const other = await openDatabase(fresh.target);
      try {
        expect(await migrateToLatest(other)).toEqual([
          '001-initial',
          '002-lifecycle',
          '003-reaper',
          '004-network',
          '005-capture',
          '006-installation',
          '007-safety-limits',
          '008-vcd-credentials',
          '010-slack-requests',
          '011-scheduled-labs',
          '012-classes',
          '013-billing-ledger',
          '014-restore-window',
          '015-work-rhythms',
        ]);
        expect(await migrateToLatest(other)).toEqual([]);

        const tables = (await other.kysely.introspection.getTables())
          .filter((table) => other.schema === undefined || table.schema === other.schema)
          .map((table) => table.name)
          .sort();
        expect(tables).toEqual([
          'audit_log',
          'captured_templates',
          'class_seats',
          'classes',
          'installation',
          'job_runs',
          'lab_billing_intervals',
          'lab_public_ips',
          'lab_signals',
          'labs',
          'reconcile_sightings',
          'slack_requests_seen',
          'vcd_refresh_tokens',
          'work_rhythms',
        ]);
      } finally {
        await other.close();
        await fresh.dispose();
      }
    });

    it('upgrade a database created at 001 with a lab in it, giving the lab the defaults of 002 and 003', async () => {
      const fresh = await kind.create();
      const old = await openDatabase(fresh.target);
      try {
        expect(await migrateTo(old, '001-initial')).toEqual(['001-initial']);
        // The row as 001 knew it: none of the columns 002 and 003 add.
        const {
          extensions: _extensions,
          powered_on_ms: _poweredOnMs,
          powered_on_since: _since,
          last_activity_at: _activity,
          reap_warned_at: _warned,
          snoozed_until: _snoozed,
          keepalive_token: _token,
          capture_as: _captureAs,
          capture_name: _captureName,
          network: _network,
          restore_until: _restoreUntil,
          ticket_closed_at: _ticketClosedAt,
          ready_by: _readyBy,
          deploy_at: _deployAt,
          late_warned_at: _lateWarnedAt,
          ...row001
        } = labToRow(fullLab());
        await old.kysely.insertInto('labs').values(row001).execute();

        expect(await migrateToLatest(old)).toEqual([
          '002-lifecycle',
          '003-reaper',
          '004-network',
          '005-capture',
          '006-installation',
          '007-safety-limits',
          '008-vcd-credentials',
          '010-slack-requests',
          '011-scheduled-labs',
          '012-classes',
          '013-billing-ledger',
          '014-restore-window',
          '015-work-rhythms',
        ]);

        const upgraded = new KyselyLabStore(old);
        const {
          poweredOnSince: _poweredOnSince,
          lastActivityAt: _lastActivityAt,
          reapWarnedAt: _reapWarnedAt,
          snoozedUntil: _snoozedUntil,
          keepaliveToken: _keepaliveToken,
          ...withoutNewOptionals
        } = fullLab();
        expect(await upgraded.get('repro-ticket-123')).toStrictEqual({
          ...withoutNewOptionals,
          extensions: 0,
          poweredOnMs: 0,
        });
        const claim = await old.kysely
          .selectFrom('labs')
          .select(['claimed_by', 'claim_expires_at'])
          .executeTakeFirstOrThrow();
        expect(claim).toEqual({ claimed_by: null, claim_expires_at: null });
        // The new columns are writable after the upgrade: the controller's by update, the request's by applyRequest.
        await upgraded.update(fullLab());
        await upgraded.applyRequest('repro-ticket-123', {
          extensions: fullLab().extensions,
          lastActivityAt: fullLab().lastActivityAt,
          reapWarnedAt: fullLab().reapWarnedAt,
          snoozedUntil: fullLab().snoozedUntil,
          keepaliveToken: fullLab().keepaliveToken,
        });
        expect(await upgraded.get('repro-ticket-123')).toStrictEqual(fullLab());
      } finally {
        await old.close();
        await fresh.dispose();
      }
    });

    it('upgrade a database at 002 with a lab in it to 003, leaving the lab unwarned, unsnoozed and tokenless', async () => {
      const fresh = await kind.create();
      const old = await openDatabase(fresh.target);
      try {
        expect(await migrateTo(old, '002-lifecycle')).toEqual(['001-initial', '002-lifecycle']);
        // The row as 002 knew it: none of the columns 003 adds.
        const {
          reap_warned_at: _warned,
          snoozed_until: _snoozed,
          keepalive_token: _token,
          capture_as: _captureAs,
          capture_name: _captureName,
          network: _network,
          restore_until: _restoreUntil,
          ticket_closed_at: _ticketClosedAt,
          ready_by: _readyBy,
          deploy_at: _deployAt,
          late_warned_at: _lateWarnedAt,
          ...row002
        } = labToRow(fullLab());
        await old.kysely.insertInto('labs').values(row002).execute();

        expect(await migrateToLatest(old)).toEqual([
          '003-reaper',
          '004-network',
          '005-capture',
          '006-installation',
          '007-safety-limits',
          '008-vcd-credentials',
          '010-slack-requests',
          '011-scheduled-labs',
          '012-classes',
          '013-billing-ledger',
          '014-restore-window',
          '015-work-rhythms',
        ]);

        const upgraded = new KyselyLabStore(old);
        const {
          reapWarnedAt: _reapWarnedAt,
          snoozedUntil: _snoozedUntil,
          keepaliveToken: _keepaliveToken,
          ...withoutNewOptionals
        } = fullLab();
        const before = await upgraded.get('repro-ticket-123');
        expect(before).toStrictEqual(withoutNewOptionals);
        expect(before).not.toHaveProperty('snoozedUntil');
        // The new columns are writable after the upgrade, by applyRequest (the token is a request field, issue 14).
        await upgraded.applyRequest('repro-ticket-123', {
          reapWarnedAt: fullLab().reapWarnedAt,
          snoozedUntil: fullLab().snoozedUntil,
          keepaliveToken: fullLab().keepaliveToken,
        });
        expect(await upgraded.get('repro-ticket-123')).toStrictEqual(fullLab());
        // And the signal table is there, empty and usable.
        const signals = new KyselySignalStore(old);
        await signals.record([{ labId: 'repro-ticket-123', at: at(1), kind: 'keepalive' }]);
        expect(await signals.recent(['repro-ticket-123'], at(0))).toStrictEqual([
          { labId: 'repro-ticket-123', at: at(1), kind: 'keepalive' },
        ]);
      } finally {
        await old.close();
        await fresh.dispose();
      }
    });

    it('undo 003 and apply it again, dropping the reaper’s state and signals', async () => {
      await store.insert(fullLab());
      await new KyselySignalStore(database).record([
        { labId: 'repro-ticket-123', at: at(1), kind: 'cpu', value: 2 },
      ]);

      expect(await migrateTo(database, '002-lifecycle')).toEqual([
        '015-work-rhythms',
        '014-restore-window',
        '013-billing-ledger',
        '012-classes',
        '011-scheduled-labs',
        '010-slack-requests',
        '008-vcd-credentials',
        '007-safety-limits',
        '006-installation',
        '005-capture',
        '004-network',
        '003-reaper',
      ]);
      expect(await migrateToLatest(database)).toEqual([
        '003-reaper',
        '004-network',
        '005-capture',
        '006-installation',
        '007-safety-limits',
        '008-vcd-credentials',
        '010-slack-requests',
        '011-scheduled-labs',
        '012-classes',
        '013-billing-ledger',
        '014-restore-window',
        '015-work-rhythms',
      ]);

      const {
        reapWarnedAt: _warned,
        snoozedUntil: _snoozed,
        keepaliveToken: _token,
        ...withoutNewOptionals
      } = fullLab();
      expect(await store.get('repro-ticket-123')).toStrictEqual(withoutNewOptionals);
      expect(await new KyselySignalStore(database).recent(['repro-ticket-123'], at(0))).toEqual([]);
    });

    it('undo 002 and 003 and apply them again', async () => {
      await store.insert(fullLab());

      expect(await migrateTo(database, '001-initial')).toEqual([
        '015-work-rhythms',
        '014-restore-window',
        '013-billing-ledger',
        '012-classes',
        '011-scheduled-labs',
        '010-slack-requests',
        '008-vcd-credentials',
        '007-safety-limits',
        '006-installation',
        '005-capture',
        '004-network',
        '003-reaper',
        '002-lifecycle',
      ]);
      expect(await migrateToLatest(database)).toEqual([
        '002-lifecycle',
        '003-reaper',
        '004-network',
        '005-capture',
        '006-installation',
        '007-safety-limits',
        '008-vcd-credentials',
        '010-slack-requests',
        '011-scheduled-labs',
        '012-classes',
        '013-billing-ledger',
        '014-restore-window',
        '015-work-rhythms',
      ]);
      const {
        poweredOnSince: _since,
        lastActivityAt: _activity,
        reapWarnedAt: _warned,
        snoozedUntil: _snoozed,
        keepaliveToken: _token,
        ...withoutNewOptionals
      } = fullLab();
      expect(await store.get('repro-ticket-123')).toStrictEqual({
        ...withoutNewOptionals,
        extensions: 0,
        poweredOnMs: 0,
      });
    });

    it('fail with MigrationFailedError naming the migration when the schema is not what it expects', async () => {
      const fresh = await kind.create();
      const other = await openDatabase(fresh.target);
      try {
        await other.kysely.schema.createTable('labs').addColumn('id', 'text').execute();

        const migrating = migrateToLatest(other);

        await expect(migrating).rejects.toThrow(MigrationFailedError);
        await expect(migrating).rejects.toMatchObject({ migration: '001-initial' });
      } finally {
        await other.close();
        await fresh.dispose();
      }
    });

    it('create an audit log whose ids ascend', async () => {
      const entry = {
        at: at(0).toISOString(),
        actor: 'U_ALICE',
        lab_id: 'demo-4kq',
        action: 'deploy',
        detail: null,
        result: 'ok',
      };

      await database.kysely.insertInto('audit_log').values(entry).execute();
      await database.kysely
        .insertInto('audit_log')
        .values({ ...entry, action: 'teardown', lab_id: null })
        .execute();
      const rows = await database.kysely
        .selectFrom('audit_log')
        .select(['id', 'action', 'lab_id'])
        .orderBy('id')
        .execute();

      expect(rows.map((row) => row.action)).toEqual(['deploy', 'teardown']);
      expect(Number(rows[1]?.id)).toBeGreaterThan(Number(rows[0]?.id));
      expect(rows[1]?.lab_id).toBeNull();
    });
  });

  describe('insert and get', () => {
    it('round-trip a lab with every optional field set', async () => {
      const lab = fullLab();

      await store.insert(lab);

      expect(await store.get(lab.id)).toStrictEqual(lab);
    });

    it('round-trip a lab with no optional field set, leaving those fields absent', async () => {
      const lab = minimalLab();

      await store.insert(lab);
      const stored = await store.get(lab.id);

      expect(stored).toStrictEqual(lab);
      expect(Object.keys(stored ?? {}).sort()).toEqual(Object.keys(lab).sort());
    });

    it('keep the milliseconds of every date', async () => {
      const lab = minimalLab({
        createdAt: new Date('2025-12-31T23:59:59.999Z'),
        readyAt: new Date('1999-01-01T00:00:00.001Z'),
      });

      await store.insert(lab);
      const stored = await store.get(lab.id);

      expect(stored?.createdAt.getTime()).toBe(lab.createdAt.getTime());
      expect(stored?.readyAt?.getTime()).toBe(lab.readyAt?.getTime());
    });

    it('return undefined for an unknown id', async () => {
      expect(await store.get('demo-nope')).toBeUndefined();
    });

    it('hand out copies that do not alias what was stored', async () => {
      const lab = fullLab();
      await store.insert(lab);

      lab.vms[0]!.nics[0]!.mac = 'changed';
      const stored = await store.get(lab.id);

      expect(stored?.vms[0]?.nics[0]?.mac).toBe('00:50:56:01:02:03');
    });
  });

  describe('insert of an existing id', () => {
    it('fails with DuplicateLabError and leaves the stored lab alone', async () => {
      await store.insert(minimalLab({ owner: 'U_ALICE' }));

      await expect(store.insert(minimalLab({ owner: 'U_MALLORY' }))).rejects.toThrow(DuplicateLabError);
      await expect(store.insert(minimalLab({ owner: 'U_MALLORY' }))).rejects.toMatchObject({
        labId: 'demo-4kq',
      });
      expect((await store.get('demo-4kq'))?.owner).toBe('U_ALICE');
    });

    it('fails with DuplicateLabError, not a ticket conflict, when the same live repro lab is inserted twice', async () => {
      await store.insert(fullLab({ phase: 'ready' }));

      await expect(store.insert(fullLab({ phase: 'ready' }))).rejects.toThrow(DuplicateLabError);
    });

    it('fails with DuplicateLabError when the existing lab has ended', async () => {
      await store.insert(minimalLab({ phase: 'deleted', desired: 'deleted' }));

      await expect(store.insert(minimalLab())).rejects.toThrow(DuplicateLabError);
    });
  });

  describe('update', () => {
    it('replaces the controller’s fields, and clears optional ones the lab no longer has', async () => {
      const lab = fullLab();
      await store.insert(lab);
      const {
        taskHref: _task,
        endedAt: _ended,
        failureReason: _reason,
        poweredOnSince: _since,
        ...rest
      } = lab;
      const updated: Lab = {
        ...rest,
        phase: 'ready',
        vms: [],
        spec: { vcpus: 8, memoryGb: 32, storageGb: 200 },
        poweredOnMs: lab.poweredOnMs + 60_000,
      };

      await store.update(updated);
      const stored = await store.get(lab.id);

      expect(stored).toStrictEqual(updated);
      expect(stored).not.toHaveProperty('taskHref');
    });

    it('leaves the request’s fields, channel and messageTs to their own writers', async () => {
      await store.insert(minimalLab());
      const staleCopy = (await store.get('demo-4kq'))!;
      const request = {
        desired: 'deleted',
        owner: 'U_CAROL',
        expiresAt: at(59),
        extensions: 2,
        lastActivityAt: at(58),
        reapWarnedAt: at(56),
        snoozedUntil: at(59),
      } as const;
      await store.applyRequest('demo-4kq', request);
      await store.setMessageRef('demo-4kq', 'C0123', '1741064767.000300');

      await store.update({ ...staleCopy, phase: 'deploying', poweredOnMs: 5, poweredOnSince: at(57) });

      expect(await store.get('demo-4kq')).toStrictEqual({
        ...staleCopy,
        ...request,
        phase: 'deploying',
        poweredOnMs: 5,
        poweredOnSince: at(57),
        channel: 'C0123',
        messageTs: '1741064767.000300',
      });
    });

    it('does not bring back a reaper warning or snooze that applyRequest cleared meanwhile', async () => {
      await store.insert(minimalLab());
      await store.applyRequest('demo-4kq', { reapWarnedAt: at(10), snoozedUntil: at(20) });
      const staleCopy = (await store.get('demo-4kq'))!;
      await store.applyRequest('demo-4kq', { reapWarnedAt: undefined, snoozedUntil: undefined });

      await store.update({ ...staleCopy, phase: 'ready' });

      const stored = await store.get('demo-4kq');
      expect(stored).toStrictEqual(minimalLab({ phase: 'ready' }));
      expect(stored).not.toHaveProperty('reapWarnedAt');
      expect(stored).not.toHaveProperty('snoozedUntil');
    });

    it('leaves the keep-alive token to requests: a stale controller copy cannot restore a rotated one', async () => {
      await store.insert(minimalLab({ keepaliveToken: 'token-at-deploy' }));
      expect((await store.get('demo-4kq'))?.keepaliveToken).toBe('token-at-deploy');

      await store.applyRequest('demo-4kq', { keepaliveToken: 'token-rotated' });
      await store.update(minimalLab({ keepaliveToken: 'token-at-deploy' }));
      expect(await store.get('demo-4kq')).toStrictEqual(minimalLab({ keepaliveToken: 'token-rotated' }));

      await store.update(minimalLab());
      expect((await store.get('demo-4kq'))?.keepaliveToken).toBe('token-rotated');
      await store.applyRequest('demo-4kq', { keepaliveToken: undefined });
      expect(await store.get('demo-4kq')).not.toHaveProperty('keepaliveToken');
    });

    it('does nothing for an id that was never inserted', async () => {
      await store.update(minimalLab({ id: 'demo-ghost' }));

      expect(await store.get('demo-ghost')).toBeUndefined();
    });
  });

  describe('applyRequest and setMessageRef', () => {
    it('change only their own fields', async () => {
      const lab = fullLab();
      await store.insert(lab);

      await store.applyRequest(lab.id, { desired: 'deleted', extensions: 4 });
      await store.setMessageRef(lab.id, 'C0999', '1741064999.000100');

      expect(await store.get(lab.id)).toStrictEqual({
        ...lab,
        desired: 'deleted',
        extensions: 4,
        channel: 'C0999',
        messageTs: '1741064999.000100',
      });
    });

    it('start and end a restore window (migration 014), leaving the controller’s fields alone', async () => {
      const lab = minimalLab();
      await store.insert(lab);

      await store.applyRequest(lab.id, { desired: 'suspended', restoreUntil: at(72) });
      const inWindow = await store.get(lab.id);
      await store.update({ ...lab, phase: 'suspended' });
      await store.applyRequest(lab.id, { desired: 'running', restoreUntil: undefined });

      expect(inWindow).toStrictEqual({ ...lab, desired: 'suspended', restoreUntil: at(72) });
      expect(await store.get(lab.id)).toStrictEqual({ ...lab, phase: 'suspended', desired: 'running' });
    });

    it('hand a lab off, extend it and note activity in one write', async () => {
      const lab = minimalLab();
      await store.insert(lab);

      await store.applyRequest(lab.id, {
        owner: 'U_BOB',
        expiresAt: at(50),
        extensions: 1,
        lastActivityAt: at(49),
      });

      expect(await store.get(lab.id)).toStrictEqual({
        ...lab,
        owner: 'U_BOB',
        expiresAt: at(50),
        extensions: 1,
        lastActivityAt: at(49),
      });
    });

    it('treat empty changes as nothing to do', async () => {
      const lab = fullLab();
      await store.insert(lab);

      await store.applyRequest(lab.id, {});

      expect(await store.get(lab.id)).toStrictEqual(lab);
    });

    it('record a reaper warning and a snooze, and nothing else', async () => {
      const lab = minimalLab({ lastActivityAt: at(1) });
      await store.insert(lab);

      await store.applyRequest(lab.id, { reapWarnedAt: at(30), snoozedUntil: at(59), extensions: 1 });

      expect(await store.get(lab.id)).toStrictEqual({
        ...lab,
        reapWarnedAt: at(30),
        snoozedUntil: at(59),
        extensions: 1,
      });
    });

    it.each(['lastActivityAt', 'reapWarnedAt', 'snoozedUntil'] as const)(
      'clear %s when its key is present with the value undefined, leaving the other fields alone',
      async (field) => {
        const lab = fullLab();
        await store.insert(lab);

        await store.applyRequest(lab.id, { [field]: undefined });

        const { [field]: _cleared, ...rest } = lab;
        const stored = await store.get(lab.id);
        expect(stored).toStrictEqual(rest);
        expect(stored).not.toHaveProperty(field);
      },
    );

    it('clear a warning and note activity in one write, as when the owner uses a warned lab', async () => {
      const lab = fullLab();
      await store.insert(lab);

      await store.applyRequest(lab.id, {
        reapWarnedAt: undefined,
        snoozedUntil: undefined,
        lastActivityAt: at(45),
      });

      const { reapWarnedAt: _warned, snoozedUntil: _snoozed, ...rest } = lab;
      expect(await store.get(lab.id)).toStrictEqual({ ...rest, lastActivityAt: at(45) });
    });

    it('leave optional fields alone when their key is absent, and clearing an absent field is harmless', async () => {
      const lab = minimalLab({ reapWarnedAt: at(3) });
      await store.insert(lab);

      await store.applyRequest(lab.id, { snoozedUntil: undefined });
      await store.applyRequest(lab.id, { desired: 'suspended' });

      expect(await store.get(lab.id)).toStrictEqual({ ...lab, desired: 'suspended' });
    });

    it('leave required fields alone when given undefined, which cannot clear them', async () => {
      const lab = fullLab();
      await store.insert(lab);

      await store.applyRequest(lab.id, {
        desired: undefined,
        owner: undefined,
        expiresAt: undefined,
        extensions: undefined,
      });

      expect(await store.get(lab.id)).toStrictEqual(lab);
    });

    it('refuse counts and dates they could not store', async () => {
      await store.insert(minimalLab());

      await expect(store.applyRequest('demo-4kq', { extensions: 1.5 })).rejects.toThrow(RangeError);
      await expect(store.applyRequest('demo-4kq', { expiresAt: new Date(Number.NaN) })).rejects.toThrow(
        RangeError,
      );
      await expect(
        store.applyRequest('demo-4kq', { snoozedUntil: new Date('+010000-01-01T00:00:00.000Z') }),
      ).rejects.toThrow(/snoozedUntil/);
      await expect(
        store.applyRequest('demo-4kq', { reapWarnedAt: new Date(Number.NaN), desired: 'deleted' }),
      ).rejects.toThrow(/reapWarnedAt/);
      expect(await store.get('demo-4kq')).toStrictEqual(minimalLab());
    });

    it('do nothing for an id that was never inserted', async () => {
      await store.applyRequest('demo-ghost', { desired: 'deleted' });
      await store.setMessageRef('demo-ghost', 'C0999', '1741064999.000100');

      expect(await store.list({ includeEnded: true })).toEqual([]);
    });
  });

  describe('list', () => {
    beforeEach(async () => {
      // Inserted out of creation order, so that only ORDER BY can put them right.
      await store.insert(minimalLab({ id: 'demo-c', owner: 'U_ALICE', createdAt: at(30) }));
      await store.insert(minimalLab({ id: 'demo-a', owner: 'U_ALICE', createdAt: at(10) }));
      await store.insert(
        minimalLab({
          id: 'demo-x',
          owner: 'U_ALICE',
          createdAt: at(5),
          phase: 'deleted',
          desired: 'deleted',
        }),
      );
      await store.insert(minimalLab({ id: 'demo-y', owner: 'U_ALICE', createdAt: at(40), phase: 'failed' }));
      await store.insert(minimalLab({ id: 'demo-b', owner: 'U_ALICE', createdAt: at(20) }));
      await store.insert(minimalLab({ id: 'demo-z', owner: 'U_BOB', createdAt: at(15) }));
      // Same millisecond as demo-a: the id decides.
      await store.insert(minimalLab({ id: 'demo-0', owner: 'U_BOB', createdAt: at(10) }));
    });

    const ids = (labs: Lab[]): string[] => labs.map((lab) => lab.id);

    it('returns the live labs of one owner, oldest first', async () => {
      expect(ids(await store.list({ owner: 'U_ALICE' }))).toEqual(['demo-a', 'demo-b', 'demo-c']);
    });

    it('includes deleted and failed labs when asked', async () => {
      expect(ids(await store.list({ owner: 'U_ALICE', includeEnded: true }))).toEqual([
        'demo-x',
        'demo-a',
        'demo-b',
        'demo-c',
        'demo-y',
      ]);
    });

    it('returns everyone’s labs without an owner', async () => {
      expect(ids(await store.list({}))).toEqual(['demo-0', 'demo-a', 'demo-z', 'demo-b', 'demo-c']);
      expect(await store.list({ includeEnded: true })).toHaveLength(7);
    });

    it('returns nothing for an owner without labs', async () => {
      expect(await store.list({ owner: 'U_NOBODY', includeEnded: true })).toEqual([]);
    });
  });

  describe('findLiveByTicket', () => {
    it('ignores deleted and failed labs of the ticket', async () => {
      await store.insert(
        minimalLab({
          id: 'repro-t-1',
          ticket: 'T-1',
          phase: 'deleted',
          desired: 'deleted',
          createdAt: at(1),
        }),
      );
      await store.insert(minimalLab({ id: 'repro-t-1-2', ticket: 'T-1', phase: 'failed', createdAt: at(2) }));
      await store.insert(minimalLab({ id: 'repro-t-1-3', ticket: 'T-1', phase: 'ready', createdAt: at(3) }));
      await store.insert(minimalLab({ id: 'repro-t-2', ticket: 'T-2', phase: 'failed' }));

      expect((await store.findLiveByTicket('T-1'))?.id).toBe('repro-t-1-3');
      expect(await store.findLiveByTicket('T-2')).toBeUndefined();
      expect(await store.findLiveByTicket('T-3')).toBeUndefined();
    });

    it('matches the ticket whatever its case (issue 14: TKT-2 and tkt-2 are one ticket)', async () => {
      await store.insert(minimalLab({ id: 'repro-t-1', ticket: 'T-1' }));

      expect((await store.findLiveByTicket('t-1'))?.id).toBe('repro-t-1');
      await expect(store.insert(minimalLab({ id: 'repro-t-1-2', ticket: 't-1' }))).rejects.toThrow(
        LiveTicketConflictError,
      );
    });

    it('finds a lab that is being torn down, which is still live', async () => {
      await store.insert(
        minimalLab({ id: 'repro-t-1', ticket: 'T-1', phase: 'deleting', desired: 'deleted' }),
      );

      expect((await store.findLiveByTicket('T-1'))?.id).toBe('repro-t-1');
    });
  });

  describe('one live lab per ticket', () => {
    it('refuses a second live lab for a ticket', async () => {
      await store.insert(minimalLab({ id: 'repro-t-1', ticket: 'T-1' }));

      await expect(store.insert(minimalLab({ id: 'repro-t-1-2', ticket: 'T-1' }))).rejects.toThrow(
        LiveTicketConflictError,
      );
      expect(await store.get('repro-t-1-2')).toBeUndefined();
    });

    it('accepts a new live lab once the previous one has ended', async () => {
      await store.insert(minimalLab({ id: 'repro-t-1', ticket: 'T-1', phase: 'failed' }));

      await store.insert(minimalLab({ id: 'repro-t-1-2', ticket: 'T-1' }));

      expect((await store.findLiveByTicket('T-1'))?.id).toBe('repro-t-1-2');
    });

    it('refuses an update that would bring back a second live lab', async () => {
      const ended = minimalLab({ id: 'repro-t-1', ticket: 'T-1', phase: 'failed' });
      await store.insert(ended);
      await store.insert(minimalLab({ id: 'repro-t-1-2', ticket: 'T-1' }));

      await expect(store.update({ ...ended, phase: 'requested' })).rejects.toThrow(LiveTicketConflictError);
      expect((await store.get('repro-t-1'))?.phase).toBe('failed');
    });
  });

  describe('listActive', () => {
    it('returns every lab not in a terminal phase, whatever its desired state, oldest first', async () => {
      let minute = 0;
      for (const phase of ALL_PHASES) {
        for (const desired of ALL_DESIRED) {
          await store.insert(
            minimalLab({ id: `lab-${phase}-${desired}`, phase, desired, createdAt: at(minute++) }),
          );
        }
      }

      const active = await store.listActive();

      const expected = ALL_PHASES.filter((phase) => phase !== 'deleted' && phase !== 'failed').flatMap(
        (phase) => ALL_DESIRED.map((desired) => `lab-${phase}-${desired}`),
      );
      expect(active.map((lab) => lab.id)).toEqual(expected);
    });
  });

  describe('restart', () => {
    it('keeps the labs when the database is closed and opened again', async () => {
      const labs = [fullLab(), minimalLab()];
      for (const lab of labs) {
        await store.insert(lab);
      }

      await store.close();
      await open();

      expect(await migrateToLatest(database)).toEqual([]);
      expect(await store.get(labs[0]!.id)).toStrictEqual(labs[0]);
      expect(await store.list({ includeEnded: true })).toStrictEqual(labs);
    });

    it('lets go of the connection when closed before any query ran through it', async () => {
      // Kysely's destroy() alone leaves a never-used driver's pool or file open, keeping the process alive.
      const unused = await openDatabase(testDatabase.target);

      await unused.close();

      await expect(unused.kysely.selectFrom('labs').select('id').execute()).rejects.toThrow();
    });

    it('survives closing twice', async () => {
      await store.close();
      await expect(store.close()).resolves.toBeUndefined();
      await open();
    });
  });

  if (kind.name === 'PostgreSQL') {
    describe('PostgreSQL only', () => {
      it('lets two processes migrate the same schema at once', async () => {
        const fresh = await kind.create();
        const [one, two] = await Promise.all([openDatabase(fresh.target), openDatabase(fresh.target)]);
        try {
          const applied = await Promise.all([migrateToLatest(one), migrateToLatest(two)]);

          expect(applied.flat().sort()).toEqual([
            '001-initial',
            '002-lifecycle',
            '003-reaper',
            '004-network',
            '005-capture',
            '006-installation',
            '007-safety-limits',
            '008-vcd-credentials',
            '010-slack-requests',
            '011-scheduled-labs',
            '012-classes',
            '013-billing-ledger',
            '014-restore-window',
            '015-work-rhythms',
          ]);
        } finally {
          await Promise.all([one.close(), two.close()]);
          await fresh.dispose();
        }
      });

      it('says to create the schema when the search_path names none that exists', async () => {
        if (testDatabase.target.kind !== 'postgres') {
          throw new Error('unreachable');
        }
        const url = new URL(testDatabase.target.url);
        url.searchParams.set('options', '-c search_path=labbot_no_such_schema');

        await expect(openDatabase({ kind: 'postgres', url: url.toString() })).rejects.toThrow(
          /search_path names no schema that exists\. Fix: create the schema/,
        );
      });

      it('says to fix DATABASE_URL, without showing the password, when the login is refused', async () => {
        if (testDatabase.target.kind !== 'postgres') {
          throw new Error('unreachable');
        }
        const url = new URL(testDatabase.target.url);
        url.password = 'not-the-password';

        const opening = openDatabase({ kind: 'postgres', url: url.toString() });

        await expect(opening).rejects.toThrow(DatabaseUnavailableError);
        await expect(opening).rejects.toThrow(/Fix: correct the user and password in DATABASE_URL/);
        await expect(opening).rejects.not.toThrow(/not-the-password/);
      });
    });
  }
});

import { type LabPhase } from '../../src/labs/lab';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { KyselyWorkClaims } from '../../src/store/kysely-work-claims';
import { migrateToLatest } from '../../src/store/migrate';
import { minimalLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

const kinds = databaseKinds('KyselyWorkClaims');

const TTL_MS = 60_000;
const T0 = new Date('2025-03-04T08:00:00.000Z');

function after(ms: number): Date {
  return new Date(T0.getTime() + ms);
}

function minute(n: number): Date {
  return after(n * 60_000);
}

describe.each(kinds)('KyselyWorkClaims on $name', (kind) => {
  let testDatabase: TestDatabase;
  let database: LabbotDatabase;
  let labs: KyselyLabStore;
  let claims: KyselyWorkClaims;

  beforeEach(async () => {
    testDatabase = await kind.create();
    database = await openDatabase(testDatabase.target);
    await migrateToLatest(database);
    labs = new KyselyLabStore(database);
    claims = new KyselyWorkClaims(database);
  });

  afterEach(async () => {
    await database.close();
    await testDatabase.dispose();
  });

  async function holderOf(labId: string): Promise<unknown> {
    const row = await database.kysely
      .selectFrom('labs')
      .select(['claimed_by', 'claim_expires_at'])
      .where('id', '=', labId)
      .executeTakeFirstOrThrow();
    return row;
  }

  describe('claim', () => {
    beforeEach(async () => {
      await labs.insert(minimalLab({ id: 'demo-1' }));
    });

    it('takes a free lab until now + ttl', async () => {
      expect(await claims.claim('demo-1', 'replica-a', TTL_MS, T0)).toBe(true);

      expect(await holderOf('demo-1')).toEqual({
        claimed_by: 'replica-a',
        claim_expires_at: after(TTL_MS).toISOString(),
      });
    });

    it('refuses a lab another holder holds, up to and including the instant the claim expires', async () => {
      await claims.claim('demo-1', 'replica-a', TTL_MS, T0);

      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(1))).toBe(false);
      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(TTL_MS))).toBe(false);
      expect((await holderOf('demo-1')) as object).toMatchObject({ claimed_by: 'replica-a' });
    });

    it('lets the holder renew, which moves the expiry on', async () => {
      await claims.claim('demo-1', 'replica-a', TTL_MS, T0);

      expect(await claims.claim('demo-1', 'replica-a', TTL_MS, after(TTL_MS - 1))).toBe(true);

      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(TTL_MS + 1))).toBe(false);
      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(2 * TTL_MS))).toBe(true);
    });

    it('hands a lapsed claim to another holder', async () => {
      await claims.claim('demo-1', 'replica-a', TTL_MS, T0);

      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(TTL_MS + 1))).toBe(true);
      expect(await claims.claim('demo-1', 'replica-a', TTL_MS, after(TTL_MS + 2))).toBe(false);
    });

    it('says false for a lab that does not exist', async () => {
      expect(await claims.claim('demo-ghost', 'replica-a', TTL_MS, T0)).toBe(false);
    });

    it('refuses a ttl that is not positive', async () => {
      await expect(claims.claim('demo-1', 'replica-a', 0, T0)).rejects.toThrow(RangeError);
      await expect(claims.claim('demo-1', 'replica-a', Number.NaN, T0)).rejects.toThrow(RangeError);
    });

    it('survives the lab store’s writes, which never touch the claim', async () => {
      await claims.claim('demo-1', 'replica-a', TTL_MS, T0);
      const lab = (await labs.get('demo-1'))!;

      await labs.update({ ...lab, phase: 'deploying' });
      await labs.applyRequest('demo-1', { desired: 'deleted' });
      await labs.setMessageRef('demo-1', 'C1', '1.2');

      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(1))).toBe(false);
    });
  });

  describe('release', () => {
    beforeEach(async () => {
      await labs.insert(minimalLab({ id: 'demo-1' }));
      await claims.claim('demo-1', 'replica-a', TTL_MS, T0);
    });

    it('frees the lab at once when its holder releases it', async () => {
      await claims.release('demo-1', 'replica-a');

      expect(await holderOf('demo-1')).toEqual({ claimed_by: null, claim_expires_at: null });
      expect(await claims.claim('demo-1', 'replica-b', TTL_MS, after(1))).toBe(true);
    });

    it('drops all of one holder’s claims at once (a restarted replica taking its labs back)', async () => {
      await labs.insert(minimalLab({ id: 'demo-2' }));
      await labs.insert(minimalLab({ id: 'demo-3' }));
      await claims.claim('demo-2', 'replica-a', TTL_MS, T0);
      await claims.claim('demo-3', 'replica-b', TTL_MS, T0);

      expect(await claims.releaseAll('replica-a')).toBe(2);
      expect((await claims.claimActive('replica-a', 10, TTL_MS, T0)).sort()).toEqual(['demo-1', 'demo-2']);
      expect((await holderOf('demo-3')) as object).toMatchObject({ claimed_by: 'replica-b' });
    });

    it('leaves someone else’s claim alone', async () => {
      await claims.release('demo-1', 'replica-b');

      expect((await holderOf('demo-1')) as object).toMatchObject({ claimed_by: 'replica-a' });
    });

    it('does nothing for a lab that does not exist', async () => {
      await expect(claims.release('demo-ghost', 'replica-a')).resolves.toBeUndefined();
    });
  });

  describe('claimActive', () => {
    const phases: [string, LabPhase][] = [
      ['demo-ready', 'ready'],
      ['demo-deleted', 'deleted'],
      ['demo-requested', 'requested'],
      ['demo-failed', 'failed'],
      ['demo-deleting', 'deleting'],
      ['demo-suspended', 'suspended'],
    ];

    beforeEach(async () => {
      let n = 0;
      for (const [id, phase] of phases) {
        await labs.insert(minimalLab({ id, phase, createdAt: minute(n++) }));
      }
    });

    it('claims active labs only, oldest first, up to the limit', async () => {
      expect(await claims.claimActive('replica-a', 3, TTL_MS, T0)).toEqual([
        'demo-ready',
        'demo-requested',
        'demo-deleting',
      ]);
      expect(await holderOf('demo-deleting')).toEqual({
        claimed_by: 'replica-a',
        claim_expires_at: after(TTL_MS).toISOString(),
      });
      expect((await holderOf('demo-deleted')) as object).toMatchObject({ claimed_by: null });
      expect((await holderOf('demo-failed')) as object).toMatchObject({ claimed_by: null });
    });

    it('skips labs with a live claim, including the caller’s own, and takes lapsed ones', async () => {
      await claims.claim('demo-ready', 'replica-b', TTL_MS, T0);
      await claims.claim('demo-requested', 'replica-a', TTL_MS, T0);
      await claims.claim('demo-deleting', 'replica-b', TTL_MS, after(-TTL_MS - 1));

      expect(await claims.claimActive('replica-a', 10, TTL_MS, T0)).toEqual([
        'demo-deleting',
        'demo-suspended',
      ]);
      expect(await claims.claimActive('replica-a', 10, TTL_MS, T0)).toEqual([]);
      expect(await claims.claimActive('replica-b', 10, TTL_MS, T0)).toEqual([]);
    });

    it('hands out everything again once every claim lapsed', async () => {
      await claims.claimActive('replica-a', 10, TTL_MS, T0);

      expect(await claims.claimActive('replica-b', 10, TTL_MS, after(TTL_MS))).toEqual([]);
      expect(await claims.claimActive('replica-b', 10, TTL_MS, after(TTL_MS + 1))).toHaveLength(4);
    });

    it('returns nothing for a limit of 0 and refuses a limit that is not a non-negative integer', async () => {
      expect(await claims.claimActive('replica-a', 0, TTL_MS, T0)).toEqual([]);
      await expect(claims.claimActive('replica-a', -1, TTL_MS, T0)).rejects.toThrow(RangeError);
      await expect(claims.claimActive('replica-a', 1.5, TTL_MS, T0)).rejects.toThrow(RangeError);
    });
  });

  describe('two replicas with their own connection pools', () => {
    const LAB_COUNT = 20;
    let other: LabbotDatabase;
    let otherClaims: KyselyWorkClaims;

    beforeEach(async () => {
      // A second openDatabase: its own pool (PostgreSQL) or its own connection to the file (SQLite), as a second
      // bot process would have.
      other = await openDatabase(testDatabase.target);
      otherClaims = new KyselyWorkClaims(other);
      for (let n = 0; n < LAB_COUNT; n++) {
        await labs.insert(minimalLab({ id: `demo-${String(n).padStart(2, '0')}`, createdAt: minute(n) }));
      }
    });

    afterEach(async () => {
      await other.close();
    });

    /** Workers claiming in a loop until nothing is left; each returns what it got. */
    async function drain(workers: { claims: KyselyWorkClaims; holder: string }[], batch: number) {
      return Promise.all(
        workers.map(async ({ claims: own, holder }) => {
          const got: string[] = [];
          for (;;) {
            const ids = await own.claimActive(holder, batch, TTL_MS, T0);
            if (ids.length === 0) {
              return { holder, got };
            }
            got.push(...ids);
          }
        }),
      );
    }

    it('never hand the same lab to two holders with claimActive', async () => {
      // Several rounds, releasing everything in between, so that the interleavings vary.
      for (let round = 0; round < 5; round++) {
        const results = await drain(
          [
            { claims, holder: 'replica-a1' },
            { claims: otherClaims, holder: 'replica-b1' },
            { claims, holder: 'replica-a2' },
            { claims: otherClaims, holder: 'replica-b2' },
          ],
          1 + (round % 3),
        );

        const all = results.flatMap((result) => result.got);
        expect(all).toHaveLength(LAB_COUNT);
        expect(new Set(all).size).toBe(LAB_COUNT);
        for (const { holder, got } of results) {
          for (const id of got) {
            expect((await holderOf(id)) as object).toMatchObject({ claimed_by: holder });
          }
        }
        for (const { holder, got } of results) {
          for (const id of got) {
            await claims.release(id, holder);
          }
        }
      }
    });

    it('never give the same lab to two holders with concurrent claim calls', async () => {
      const ids = Array.from({ length: LAB_COUNT }, (_, n) => `demo-${String(n).padStart(2, '0')}`);

      const outcomes = await Promise.all(
        ids.map(async (id) => {
          const [a, b] = await Promise.all([
            claims.claim(id, 'replica-a', TTL_MS, T0),
            otherClaims.claim(id, 'replica-b', TTL_MS, T0),
          ]);
          return { id, a, b };
        }),
      );

      for (const { id, a, b } of outcomes) {
        expect([id, a !== b]).toEqual([id, true]);
        expect((await holderOf(id)) as object).toMatchObject({ claimed_by: a ? 'replica-a' : 'replica-b' });
      }
    });
  });
});

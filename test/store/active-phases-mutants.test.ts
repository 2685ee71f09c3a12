import { LAB_PHASES, TERMINAL_PHASES } from '../../src/labs/lab';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { KyselyWorkClaims } from '../../src/store/kysely-work-claims';
import { migrateToLatest } from '../../src/store/migrate';
import { minimalLab } from '../helpers/labs';
import { databaseKinds, type TestDatabase } from './test-databases';

/**
 * Issue 16's first named mutant: the active-lab filter (src/store/lab-filters.ts) also dropping `networking` and
 * `capturing` left every store test green, so a restarted controller would never have resumed a lab caught mid
 * network or mid capture. listActive is pinned over every phase in kysely-lab-store.test.ts; this pins the other
 * way a replica picks labs back up, claimActive, over the same run-time list of phases.
 */
const kinds = databaseKinds('active phases (mutants)');
const T0 = new Date('2025-03-04T08:00:00.000Z');
const TTL_MS = 60_000;

describe.each(kinds)('claimActive over every phase on $name', (kind) => {
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

  it('claims a lab in every non-terminal phase, networking and capturing included, and none that ended', async () => {
    const labs = new KyselyLabStore(database);
    let minute = 0;
    for (const phase of LAB_PHASES) {
      await labs.insert(
        minimalLab({
          id: `lab-${phase}`,
          phase,
          createdAt: new Date(T0.getTime() - 60_000 * (100 - minute++)),
        }),
      );
    }

    const claimed = await new KyselyWorkClaims(database).claimActive(
      'replica-a',
      LAB_PHASES.length,
      TTL_MS,
      T0,
    );

    const live = LAB_PHASES.filter((phase) => !TERMINAL_PHASES.includes(phase));
    expect(live).toEqual(expect.arrayContaining(['networking', 'capturing']));
    expect(claimed).toEqual(live.map((phase) => `lab-${phase}`));
  });
});

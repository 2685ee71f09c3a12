import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LabController } from '../../src/controller/lab-controller';
import { type LabPolicy } from '../../src/labs/policy';
import { createSilentLogger } from '../../src/observability/logger';
import { createStore, type Store } from '../../src/store/create-store';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { type ManualClock } from '../helpers/clock';

/** The reaper's real world for an end-to-end test: the VCD simulator, the client, SQLite and the controller. */
export interface ReaperWorld {
  sim: VcdSim;
  db: LabbotDatabase;
  store: Store;
  cloud: VcdCloud;
  controller: LabController;
  logger: ReturnType<typeof createSilentLogger>;
  /** Closes the simulator and the database and removes the data directory. */
  close(): Promise<void>;
}

/**
 * Starts the simulator, a migrated SQLite store in a fresh directory, the real VCD client and the controller, all on
 * `clock` (the client's and the controller's sleeps advance it, so no test waits on wall-clock time).
 */
export async function startReaperWorld(
  clock: ManualClock,
  policy: LabPolicy,
  dirPrefix: string,
): Promise<ReaperWorld> {
  const sim = await startVcdSim({ speedFactor: 1, now: () => clock.now().getTime() });
  const dataDir = mkdtempSync(path.join(tmpdir(), dirPrefix));
  const db = await openDatabase({ kind: 'sqlite', dataDir });
  await migrateToLatest(db);
  const store = createStore(db, { holder: 'test', now: () => clock.now() });
  const logger = createSilentLogger();
  const sleep = (ms: number) => {
    clock.advance(ms);
    return Promise.resolve();
  };
  const cloud = new VcdCloud({
    url: sim.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    networks: policy.networks,
    auth: { kind: 'token', apiToken: 'simulated-api-token' },
    simulated: true,
    logger,
    clock,
    sleep,
  });
  const controller = new LabController({
    installationId: 'install-test',
    store: store.labs,
    cloud,
    notifier: { labChanged: () => Promise.resolve(), tellAdmins: () => Promise.resolve() },
    clock,
    sleep,
    logger,
    policy,
  });
  return {
    sim,
    db,
    store,
    cloud,
    controller,
    logger,
    close: async () => {
      await sim.close();
      await db.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

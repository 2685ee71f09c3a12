import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';

/** Runs the local shell with the embedded simulator on `dataDir`, feeds it `lines`, returns what it printed. */
async function shell(dataDir: string, lines: string[]): Promise<string> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const config = loadConfig({ LABBOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
  const running = await startLabbot(
    config,
    { stdin, stdout },
    { logger: createSilentLogger(), simSpeedFactor: 500 },
  );
  stdin.end(lines.map((line) => `${line}\n`).join(''));
  await running.done;
  return output;
}

/**
 * `npm start` twice on one data directory, as a user does: the embedded simulator starts empty (its world lives
 * in memory) on a new port, so the first run's vApp is gone. Reconciliation must close such a lab as vanished
 * (DESIGN.md section 2), and a teardown of it must end it; a lab that can never end keeps counting against the
 * owner's quota.
 */
describe('reliability: restarting the local shell with the embedded simulator', () => {
  let dataDir: string;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-embedded-restart-'));
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('ends a lab of the previous run when it is torn down after the restart', async () => {
    const first = await shell(dataDir, ['/lab demo esxi8']);
    const id = /Lab (demo-[a-z0-9]+): ready/.exec(first)?.[1];
    expect(id).toBeDefined();

    await shell(dataDir, [`/lab teardown ${id ?? ''}`]);

    const db = await openDatabase({ kind: 'sqlite', dataDir });
    const lab = await new KyselyLabStore(db).get(id ?? '');
    await db.close();
    expect(lab?.phase).toBe('deleted');
  });
});

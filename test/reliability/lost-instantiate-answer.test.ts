import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { startVcdProxy, type VcdProxy } from './vcd-proxy';

/**
 * VCD creates the vApp but the connection drops before the bot reads the 201 (the simulator's `afterProcessing`
 * drop; in real life a load balancer reset or a timeout). "A crash at any moment must leave nothing billing
 * unseen" (DESIGN.md section 2): afterwards the lab must be ready, or failed with that vApp deleted.
 */
describe('reliability: the answer to instantiateVAppTemplate is lost after VCD acted', () => {
  let sim: VcdSim;
  let proxy: VcdProxy;
  let dataDir: string;

  beforeEach(async () => {
    sim = await startVcdSim({
      speedFactor: 500,
      faults: { drops: [{ operation: 'vApp.instantiate', afterProcessing: true, times: 1 }] },
    });
    proxy = await startVcdProxy(sim.url);
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-lost-answer-'));
  });

  afterEach(async () => {
    await proxy.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // BUG (src, reported): the vApp leaks. Today's sequence: (1) VcdHttp retries the POST on ECONNRESET
  // (RESET_CODES are retried for every method, src/vcd/vcd-http.ts), so VCD answers the second POST with
  // 400 DUPLICATE_NAME; (2) the controller treats that as a permanent failure and failDeploy() saves the lab it
  // loaded before the step, phase `requested` (src/controller/lab-controller.ts, drive → failDeploy), wiping the
  // `deploying` marker that would have made it look the vApp up by name; (3) close() then reports "Cleaned up:
  // nothing had been created." while lab-<id> sits in VCD with nobody tracking it. A 201 whose body does not parse
  // (MALFORMED_RESPONSE) takes the same path from (2). Remove `.failing` once fixed.
  it.failing('leaves the lab ready, or failed with the vApp VCD created deleted', async () => {
    const stdin = new PassThrough();
    const stdout = new PassThrough();
    let output = '';
    stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const config = loadConfig({
      VCD_URL: proxy.url,
      VCD_ORG: 'lab',
      VCD_VDC: 'lab-vdc',
      VCD_API_TOKEN: 'simulated-api-token',
      LABBOT_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    });
    const running = await startLabbot(config, { stdin, stdout }, { logger: createSilentLogger() });
    stdin.end('/lab demo esxi8\n');
    await running.done;

    const db = await openDatabase({ kind: 'sqlite', dataDir });
    const labs = await new KyselyLabStore(db).list({ includeEnded: true });
    await db.close();
    expect(labs).toHaveLength(1);
    expect(output).toMatch(/Lab demo-[a-z0-9]+/);
    const live = new Set(
      labs.filter((l) => l.phase !== 'deleted' && l.phase !== 'failed').map((l) => l.vappName),
    );
    expect(
      sim.state
        .vApps()
        .filter((v) => !live.has(v.name))
        .map((v) => v.name),
    ).toEqual([]);
  });
});

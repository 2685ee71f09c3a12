import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { createSilentLogger } from '../../src/observability/logger';
import { createVcdCloud } from '../../src/vcd-connection';

/** The one factory `labbot start` (compose-core.ts) and `labbot doctor` build their VCD client with. */
describe('createVcdCloud', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-create-vcd-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts the embedded simulator when no VCD_URL is set, and close() stops it', async () => {
    const config = loadConfig({ LABBOT_DATA_DIR: dataDir });
    const vcd = await createVcdCloud(config, { logger: createSilentLogger(), simSpeedFactor: 50 });
    try {
      expect(vcd.cloud.simulated).toBe(true);
      expect(vcd.simulator).toBeDefined();
      expect(await vcd.cloud.listTemplates()).not.toHaveLength(0);
      expect((await vcd.cloud.inspector.connectionInfo()).loginMethod).toBe('api-token');
    } finally {
      await vcd.close();
    }
    await expect(fetch(`${vcd.simulator?.url ?? ''}/api/versions`)).rejects.toThrow();
  });

  it('builds a real VCD client without connecting; a service account without the store is refused', async () => {
    const real = {
      LABBOT_DATA_DIR: dataDir,
      VCD_URL: 'https://vcd.invalid',
      VCD_ORG: 'lab',
      VCD_VDC: 'lab-vdc',
      VCD_API_TOKEN: 'token',
    };
    const vcd = await createVcdCloud(loadConfig(real), { logger: createSilentLogger() });
    expect(vcd.cloud.simulated).toBe(false);
    expect(vcd.simulator).toBeUndefined();
    await vcd.close();

    const serviceAccount = loadConfig({
      ...real,
      VCD_API_TOKEN_KIND: 'service-account',
      LABBOT_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    });
    await expect(createVcdCloud(serviceAccount, { logger: createSilentLogger() })).rejects.toThrow(
      'a service account token needs the store',
    );
  });
});

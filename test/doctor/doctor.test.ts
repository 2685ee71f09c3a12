import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Config } from '../../src/config/config';
import { loadConfig } from '../../src/config/load-config';
import { readPolicyFile } from '../../src/config/read-policy-file';
import {
  collectDoctorChecks,
  formatDoctorReport,
  runDoctor,
  runDoctorCommand,
  type DoctorCheck,
} from '../../src/doctor';
import { createSilentLogger } from '../../src/observability/logger';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { FakeSlackApi } from '../helpers/fake-slack-api';

let dataDir: string;
let sim: VcdSim | undefined;
let slack: FakeSlackApi | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-doctor-'));
});

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  await slack?.close();
  slack = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

const logger = createSilentLogger();

/** Runs the doctor and keeps what it printed. */
async function doctor(config: Config): Promise<{ code: number; out: string; checks: DoctorCheck[] }> {
  let out = '';
  const code = await runDoctor(config, { logger, write: (t) => (out += t) });
  const checks = await collectDoctorChecks(config, { logger });
  return { code, out, checks };
}

/** Loads the config as `labbot` does, labbot.yml included. */
const withFile = (env: Record<string, string>): Config => loadConfig(env, readPolicyFile(env));

const status = (checks: DoctorCheck[], name: string): DoctorCheck | undefined =>
  checks.find((c) => c.name === name);

/** A real-VCD config pointing at a separately started simulator (or anywhere). */
/** A real-VCD configuration against the simulator; its labbot.yml names the simulator's edge (none is assumed). */
function realConfig(url: string, auth: Record<string, string>): Config {
  return loadConfig(
    {
      VCD_URL: url,
      VCD_ORG: 'lab',
      VCD_VDC: 'lab-vdc',
      LABBOT_DATA_DIR: dataDir,
      ...auth,
    },
    { path: 'labbot.yml', text: 'edge: { gateway: edge-01, publicIps: 203.0.113.10-203.0.113.60 }\n' },
  );
}

describe('labbot doctor', () => {
  it('reports every check ok against the embedded simulator and exits 0', async () => {
    const { code, out, checks } = await doctor(loadConfig({ LABBOT_DATA_DIR: dataDir }));

    expect(code).toBe(0);
    expect(checks.map((c) => c.name)).toEqual([
      'config',
      'VCD reachable',
      'API version',
      'login',
      'org',
      'VDC',
      'templates',
      'networks',
      'edge gateway',
      'edge addresses',
      'edge rights',
      'Slack',
      'database',
    ]);
    for (const name of [
      'config',
      'VCD reachable',
      'API version',
      'login',
      'org',
      'VDC',
      'templates',
      'networks',
      'database',
    ]) {
      expect(status(checks, name)).toMatchObject({ status: 'ok' });
    }
    expect(status(checks, 'edge gateway')?.status).toBe('ok');
    expect(status(checks, 'Slack')).toMatchObject({ status: 'skip' });
    expect(status(checks, 'login')?.detail).toContain('API token');
    expect(status(checks, 'templates')?.detail).toContain('esxi8-single');
    expect(status(checks, 'networks')?.detail).toMatch(/Management .*VM Network/);
    expect(out).toContain('embedded simulator');
    expect(out).not.toContain('FAIL');
    expect(out).toMatch(/All checks passed/);
  });

  it('checks the configured edge: the lab pool within its public addresses, and the right to change it', async () => {
    const embedded = await doctor(loadConfig({ LABBOT_DATA_DIR: dataDir }));
    expect(status(embedded.checks, 'edge gateway')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('NSX-T') as unknown,
    });
    expect(status(embedded.checks, 'edge addresses')).toMatchObject({
      status: 'ok',
      detail: expect.stringContaining('203.0.113.10-203.0.113.60') as unknown,
    });

    const file = path.join(dataDir, 'labbot.yml');
    writeFileSync(file, 'edge: { gateway: edge-99, publicIps: 203.0.113.10-203.0.113.20 }\n');
    const wrongName = await doctor(withFile({ LABBOT_DATA_DIR: dataDir, LABBOT_CONFIG: file }));
    expect(status(wrongName.checks, 'edge gateway')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('edge-01') as unknown,
    });
    expect(wrongName.code).toBe(1);

    writeFileSync(file, 'edge: { gateway: edge-01, publicIps: 198.51.100.10-198.51.100.20 }\n');
    const outside = await doctor(withFile({ LABBOT_DATA_DIR: dataDir, LABBOT_CONFIG: file }));
    // On the (default) NSX-T edge the pool is checked against the uplink's sub-allocation, on its own line.
    expect(status(outside.checks, 'edge addresses')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('not within edge-01') as unknown,
    });
    expect(outside.code).toBe(1);
  });

  it('runs from the command line: labbot doctor exits 0 with a readable report', async () => {
    let out = '';

    const code = await runDoctorCommand(
      { LABBOT_DATA_DIR: dataDir, LABBOT_CONFIG: '' },
      { logger, write: (t) => (out += t) },
    );

    expect(code).toBe(0);
    expect(out).toMatch(/^labbot doctor\n/);
    expect(out).toMatch(/ {2}ok {4}VDC +lab-vdc/);
  });

  it('reports a wrong password at login with its fix and exits non-zero, without checking further', async () => {
    sim = await startVcdSim({ port: 0 });

    const { code, out, checks } = await doctor(
      realConfig(sim.url, { VCD_USER: 'admin', VCD_PASSWORD: 'not-the-password' }),
    );

    expect(code).toBe(1);
    expect(status(checks, 'VCD reachable')?.status).toBe('ok');
    expect(status(checks, 'login')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('VCD_USER and VCD_PASSWORD') as unknown,
    });
    expect(
      ['org', 'VDC', 'templates', 'networks', 'edge gateway'].map((n) => status(checks, n)?.status),
    ).toEqual(['skip', 'skip', 'skip', 'skip', 'skip']);
    expect(status(checks, 'database')?.status).toBe('ok');
    expect(out).toMatch(/FAIL {2}login/);
    expect(out).toContain('fix: check VCD_USER and VCD_PASSWORD');
    expect(out).not.toContain('not-the-password');
    expect(out).toMatch(/1 check failed/);
  });

  it('reports a refused API token with a fix that names VCD_API_TOKEN', async () => {
    sim = await startVcdSim({ port: 0 });

    const { code, checks } = await doctor(realConfig(sim.url, { VCD_API_TOKEN: 'revoked-token' }));

    expect(code).toBe(1);
    expect(status(checks, 'login')?.fix).toContain('VCD_API_TOKEN');
  });

  it('reports an unreachable VCD with its fix and exits non-zero', async () => {
    const closed = await startVcdSim({ port: 0 });
    const url = closed.url;
    await closed.close();

    const { code, out, checks } = await doctor(realConfig(url, { VCD_API_TOKEN: 'simulated-api-token' }));

    expect(code).toBe(1);
    expect(status(checks, 'VCD reachable')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining(url) as unknown,
      fix: expect.stringContaining('VCD_URL') as unknown,
    });
    expect(status(checks, 'login')?.status).toBe('skip');
    expect(out).toMatch(/FAIL {2}VCD reachable/);
  });

  it('reports a template missing from the catalog with its fix and exits non-zero', async () => {
    const base = loadConfig({ LABBOT_DATA_DIR: dataDir });
    const first = base.policy.templates[0];
    if (first === undefined) {
      throw new Error('the default policy has templates');
    }
    const config: Config = {
      ...base,
      policy: {
        ...base.policy,
        templates: [...base.policy.templates, { ...first, key: 'esxi9', catalogItem: 'esxi9-missing' }],
      },
    };

    const { code, out, checks } = await doctor(config);

    expect(code).toBe(1);
    expect(status(checks, 'templates')).toMatchObject({
      status: 'fail',
      detail: 'missing from catalog labs: esxi9-missing (template esxi9)',
    });
    expect(status(checks, 'templates')?.fix).toContain('esxi8-single');
    expect(status(checks, 'networks')?.status).toBe('ok');
    expect(out).toMatch(/fix: upload or capture them into catalog labs/);
  });

  it('reports a VDC or network that does not exist, with what does', async () => {
    sim = await startVcdSim({ port: 0 });
    const wrongVdc = await doctor(
      loadConfig({
        VCD_URL: sim.url,
        VCD_ORG: 'lab',
        VCD_VDC: 'no-such-vdc',
        VCD_API_TOKEN: 'simulated-api-token',
        LABBOT_DATA_DIR: dataDir,
      }),
    );
    const base = realConfig(sim.url, { VCD_API_TOKEN: 'simulated-api-token' });
    const wrongNetwork = await doctor({
      ...base,
      policy: { ...base.policy, networks: ['Management', 'Lab LAN'] },
    });

    expect(wrongVdc.code).toBe(1);
    expect(status(wrongVdc.checks, 'VDC')).toMatchObject({
      status: 'fail',
      fix: 'set VCD_VDC to one of: lab-vdc',
    });
    expect(status(wrongVdc.checks, 'networks')?.status).toBe('skip');
    expect(wrongNetwork.code).toBe(1);
    expect(status(wrongNetwork.checks, 'networks')).toMatchObject({
      status: 'fail',
      detail: 'not in VDC lab-vdc: Lab LAN',
      fix: expect.stringContaining('Management, VM Network') as unknown,
    });
  });

  it('checks the Slack bot token with auth.test, and reports a refused one with its fix', async () => {
    slack = await FakeSlackApi.start();
    const env = {
      LABBOT_DATA_DIR: dataDir,
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: 'secret',
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
    };

    const good = await doctor(loadConfig(env));
    slack.fail('auth.test', { error: 'invalid_auth' });
    const bad = await collectDoctorChecks(loadConfig(env), { logger });

    expect(good.code).toBe(0);
    expect(status(good.checks, 'Slack')).toMatchObject({ status: 'ok' });
    expect(slack.callsTo('auth.test').length).toBeGreaterThanOrEqual(2);
    expect(status(bad, 'Slack')).toMatchObject({
      status: 'fail',
      detail: 'auth.test refused the bot token: invalid_auth',
      fix: expect.stringContaining('SLACK_BOT_TOKEN') as unknown,
    });
  });

  it('reports a database that cannot be opened with its fix', async () => {
    const file = path.join(dataDir, 'not-a-folder');
    writeFileSync(file, 'x');

    const { code, checks } = await doctor(loadConfig({ LABBOT_DATA_DIR: file }));

    expect(code).toBe(1);
    expect(status(checks, 'database')).toMatchObject({
      status: 'fail',
      fix: expect.stringContaining('LABBOT_DATA_DIR') as unknown,
    });
  });

  it('prints every configuration problem with its fix and exits 78 when the config is invalid', async () => {
    let out = '';

    const code = await runDoctorCommand(
      { SLACK_BOT_TOKEN: 'not-a-bot-token', SLACK_SIGNING_SECRET: 's', LOG_LEVEL: 'loud', LABBOT_CONFIG: '' },
      { logger, write: (t) => (out += t) },
    );

    expect(code).toBe(78);
    expect(out).toMatch(/FAIL {2}config +SLACK_BOT_TOKEN: must start with xoxb-/);
    expect(out).toMatch(/FAIL {2}config +LOG_LEVEL: "loud" is not a log level/);
    expect(out.match(/fix: /g)?.length).toBe(2);
  });
});

describe('formatDoctorReport', () => {
  it('aligns names, prints fixes only under warnings and failures, and ends with a verdict', () => {
    const text = formatDoctorReport([
      { name: 'config', status: 'ok', detail: 'fine', fix: 'never shown' },
      { name: 'edge gateway', status: 'warn', detail: 'none in VDC lab-vdc', fix: 'ask the provider' },
      { name: 'Slack', status: 'skip', detail: 'local shell' },
    ]);

    expect(text).toBe(
      [
        'labbot doctor',
        '',
        '  ok    config        fine',
        '  WARN  edge gateway  none in VDC lab-vdc',
        '                      fix: ask the provider',
        '  skip  Slack         local shell',
        '',
        'All checks passed (1 warning).',
        '',
      ].join('\n'),
    );
  });

  describe('edge backings', () => {
    const token = { VCD_API_TOKEN: 'simulated-api-token' };

    it('NSX-T: backing, mode and owner; static uplink addresses with what is free; the rights it needs', async () => {
      sim = await startVcdSim({ port: 0, edge: { kind: 'nsxt' } });
      const { code, checks } = await doctor(realConfig(sim.url, token));
      expect(status(checks, 'edge gateway')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(
          /^edge-01: NSX-T \(NSXT_BACKED\), ACTIVE_STANDBY, owned by VDC lab-vdc; \d+ NAT and \d+ firewall rules$/,
        ) as unknown,
      });
      expect(status(checks, 'edge addresses')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(
          /static sub-allocation .*: \d+ of 51 addresses of the lab pool 203\.0\.113\.10-203\.0\.113\.60 unused/,
        ) as unknown,
      });
      expect(status(checks, 'edge rights')).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining('Organization vDC Gateway: Configure NAT') as unknown,
      });
      expect(code).toBe(0);
    });

    it('NSX-V: the legacy edge, its uplink pool and configureServices', async () => {
      sim = await startVcdSim({ port: 0, edge: { kind: 'nsxv' } });
      const { code, checks } = await doctor(realConfig(sim.url, token));
      expect(status(checks, 'edge gateway')?.detail).toContain('NSX-V (legacy)');
      expect(status(checks, 'edge addresses')).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining('static sub-allocation') as unknown,
      });
      expect(status(checks, 'edge rights')).toMatchObject({
        status: 'ok',
        detail: expect.stringContaining('configureServices') as unknown,
      });
      expect(code).toBe(0);
    });

    it('DISTRIBUTED_ONLY: refused, with the fix', async () => {
      sim = await startVcdSim({ port: 0, edge: { kind: 'nsxt', deploymentMode: 'DISTRIBUTED_ONLY' } });
      const { code, checks, out } = await doctor(realConfig(sim.url, token));
      expect(status(checks, 'edge gateway')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining('DISTRIBUTED_ONLY: no NAT and no firewall') as unknown,
        fix: expect.stringContaining('ACTIVE_STANDBY') as unknown,
      });
      expect(status(checks, 'edge addresses')?.status).toBe('skip');
      expect(code).toBe(1);
      expect(out).toContain('FAIL');
    });

    it('VDC group: the edge is found and its owner named', async () => {
      sim = await startVcdSim({ port: 0, edge: { kind: 'nsxt', vdcGroup: 'lab-group' } });
      const { code, checks } = await doctor(realConfig(sim.url, token));
      expect(status(checks, 'edge gateway')?.detail).toContain('owned by VDC group lab-group');
      expect(code).toBe(0);
    });

    it('IP Space: names the IP Space and counts free floating IPs of the pool; a pool outside it fails with the fix', async () => {
      sim = await startVcdSim({ port: 0, edge: { kind: 'nsxt', ipSpace: true } });
      const inside = await doctor(realConfig(sim.url, token));
      expect(status(inside.checks, 'edge addresses')).toMatchObject({
        status: 'ok',
        detail: expect.stringMatching(
          /^IP Space public-ip-space: 50 of 51 addresses of the lab pool .* free; labbot allocates one floating IP per lab/,
        ) as unknown,
      });
      expect(status(inside.checks, 'edge rights')?.detail).toContain('IP Spaces: Allocate');

      const file = path.join(dataDir, 'labbot.yml');
      writeFileSync(file, 'edge: { gateway: edge-01, publicIps: 198.51.100.10-198.51.100.20 }\n');
      const outside = await doctor(
        withFile({
          VCD_URL: sim.url,
          VCD_ORG: 'lab',
          VCD_VDC: 'lab-vdc',
          LABBOT_DATA_DIR: dataDir,
          LABBOT_CONFIG: file,
          ...token,
        }),
      );
      expect(status(outside.checks, 'edge addresses')).toMatchObject({
        status: 'fail',
        detail: expect.stringContaining(
          'is in none the org may use (public-ip-space 203.0.113.10-203.0.113.60)',
        ) as unknown,
        fix: expect.stringContaining('edge.publicIps') as unknown,
      });
      expect(outside.code).toBe(1);
    });
  });
});

/**
 * `labbot doctor` on the production paths of a VCD connection (issue 15): certificates it does not trust, a service
 * account whose token rotates across processes and a restart, a rate-limit storm, a provider account, and the logout
 * at its end.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeCore } from '../../src/compose-core';
import { loadConfig } from '../../src/config/load-config';
import { runDoctor, runDoctorCommand } from '../../src/doctor';
import { createSilentLogger } from '../../src/observability/logger';
import { startVcdSim, type VcdSim, type VcdSimOptions } from '../../src/vcdsim/vcd-sim';
import { makeTestCa } from '../helpers/test-ca';
import { fakeTime } from '../vcd/helpers/fake-vcd-server';

const logger = createSilentLogger();
const SA_TOKEN = 'sa-refresh-token-granted-once';
const KEY = Buffer.alloc(32, 5).toString('base64');

let dataDir: string;
let sim: VcdSim | undefined;

beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-doctor-conn-'));
});

afterEach(async () => {
  await sim?.close();
  sim = undefined;
  rmSync(dataDir, { recursive: true, force: true });
});

async function startSim(options: VcdSimOptions = {}): Promise<VcdSim> {
  sim = await startVcdSim({ speedFactor: 100, ...options });
  return sim;
}

function env(url: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    VCD_URL: url,
    VCD_ORG: 'lab',
    VCD_VDC: 'lab-vdc',
    VCD_API_TOKEN: 'simulated-api-token',
    LABBOT_DATA_DIR: dataDir,
    ...extra,
  };
}

/** Runs the doctor once on the injected clock, as `labbot doctor` would print it. */
async function doctor(vars: Record<string, string>): Promise<{ code: number; out: string }> {
  let out = '';
  const time = fakeTime();
  const code = await runDoctor(loadConfig(vars), {
    logger,
    write: (t) => (out += t),
    clock: time.clock,
    sleep: time.sleep,
  });
  return { code, out };
}

/** The report line of a check, its column padding folded to single spaces (the padding follows the longest name). */
const line = (out: string, name: string): string =>
  (out.split('\n').find((l) => new RegExp(`^  (ok  |WARN|FAIL|skip)  ${name} `).test(l)) ?? '').replace(
    / +/g,
    ' ',
  );
const fixUnder = (out: string, name: string): string => {
  const lines = out.split('\n');
  const at = lines.findIndex((l) => l.replace(/ +/g, ' ') === line(out, name));
  return lines[at + 1]?.includes('fix:') === true ? (lines[at + 1] ?? '') : '';
};

describe('labbot doctor: TLS', () => {
  it('reports a certificate from an unknown CA as a TLS problem with the fix, and passes with VCD_CA_FILE', async () => {
    const ca = makeTestCa();
    const { url } = await startSim({ tls: ca.server });

    const untrusted = await doctor(env(url));

    expect(untrusted.code).toBe(1);
    expect(line(untrusted.out, 'VCD reachable')).toContain(
      `FAIL VCD reachable ${url}: TLS certificate not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE)`,
    );
    expect(fixUnder(untrusted.out, 'VCD reachable')).toContain('set VCD_CA_FILE to a PEM file of the CA');
    expect(untrusted.out).not.toMatch(/DNS|firewall/);
    expect(line(untrusted.out, 'login')).toContain('skip');

    const caFile = path.join(dataDir, 'vcd-ca.pem');
    writeFileSync(caFile, ca.caPem);
    const trusted = await doctor(env(url, { VCD_CA_FILE: caFile }));

    expect(trusted.code).toBe(0);
    expect(line(trusted.out, 'VCD reachable')).toContain(`ok VCD reachable ${url} answers GET /api/versions`);
    expect(line(trusted.out, 'login')).toContain('ok ');
  });

  it('reports a self-signed certificate without the option, and warns loudly with VCD_INSECURE_TLS=true', async () => {
    const { url } = await startSim({ tls: true });

    const refused = await doctor(env(url));

    expect(refused.code).toBe(1);
    expect(line(refused.out, 'VCD reachable')).toContain(
      'TLS certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT)',
    );
    expect(fixUnder(refused.out, 'VCD reachable')).toContain('VCD_CA_FILE');

    const insecure = await doctor(env(url, { VCD_INSECURE_TLS: 'true' }));

    expect(insecure.code).toBe(0);
    expect(line(insecure.out, 'VCD reachable')).toContain(
      'WARN VCD reachable ' +
        `${url} answers GET /api/versions, but its TLS certificate is NOT verified (VCD_INSECURE_TLS=true)`,
    );
    expect(fixUnder(insecure.out, 'VCD reachable')).toContain('set VCD_CA_FILE');
  });

  it('reports an unreadable VCD_CA_FILE as the thing to fix', async () => {
    const { url } = await startSim();

    const result = await doctor(env(url, { VCD_CA_FILE: path.join(dataDir, 'missing.pem') }));

    expect(result.code).toBe(1);
    expect(line(result.out, 'VCD reachable')).toContain('cannot read');
    expect(fixUnder(result.out, 'VCD reachable')).toContain('VCD_CA_FILE');
  });
});

describe('labbot doctor: a service account', () => {
  const saEnv = (url: string, key = KEY): Record<string, string> =>
    env(url, { VCD_API_TOKEN: SA_TOKEN, VCD_API_TOKEN_KIND: 'service-account', LABBOT_SECRET_KEY: key });

  it('logs in while the token rotates across the bot and the doctor, and across a restart of the bot', async () => {
    const vcd = await startSim({ serviceAccount: { name: 'labbot-sa', token: SA_TOKEN } });
    const vars = saEnv(vcd.url);

    const first = await doctor(vars);
    // The bot, another process on the same store, logs in with the token the doctor's login left behind.
    const bot = await composeCore(loadConfig(vars), logger);
    await bot.cloud.inspector.connect();
    const meanwhile = await doctor(vars);
    await bot.close();
    // Restarted: the first token was spent long ago; the stored one is current.
    const restarted = await composeCore(loadConfig(vars), logger);
    await restarted.cloud.inspector.connect();
    await restarted.close();
    const last = await doctor(vars);

    for (const run of [first, meanwhile, last]) {
      expect(run.code).toBe(0);
      expect(line(run.out, 'login')).toContain(
        'ok login service account token exchanged at /oauth/tenant/{org}/token; VCD rotated it and the new one is stored encrypted, org lab',
      );
    }
    expect(vcd.state.serviceAccount?.exchanges).toBe(5);
    // Every process logged out at its end.
    expect(vcd.state.sessions.size).toBe(0);
  });

  it('says which setting differs when a process has another LABBOT_SECRET_KEY', async () => {
    const vcd = await startSim({ serviceAccount: { name: 'labbot-sa', token: SA_TOKEN } });
    await doctor(saEnv(vcd.url));

    const other = await doctor(saEnv(vcd.url, Buffer.alloc(32, 6).toString('base64')));

    expect(other.code).toBe(1);
    expect(line(other.out, 'login')).toContain('FAIL login');
    expect(line(other.out, 'login')).toContain('sealed with another LABBOT_SECRET_KEY');
    expect(vcd.state.serviceAccount?.exchanges).toBe(1);
  });

  it('explains a spent token when the store lost the rotated one', async () => {
    const vcd = await startSim({ serviceAccount: { name: 'labbot-sa', token: SA_TOKEN } });
    await doctor(saEnv(vcd.url));
    rmSync(dataDir, { recursive: true, force: true });

    const lost = await doctor(saEnv(vcd.url));

    expect(lost.code).toBe(1);
    expect(line(lost.out, 'login')).toContain('Invalid refresh token');
    expect(fixUnder(lost.out, 'login')).toContain('grant the account a new one in VCD');
  });
});

describe('labbot doctor: rate limits, provider accounts, logout', () => {
  it('reports a 429 storm after honouring Retry-After within its budget', async () => {
    const vcd = await startSim({ faults: { errors: [{ operation: 'versions', error: 429 }] } });

    const storm = await doctor(env(vcd.url));

    expect(storm.code).toBe(1);
    expect(line(storm.out, 'VCD reachable')).toContain('rate limited (HTTP 429) through every retry');
    expect(fixUnder(storm.out, 'VCD reachable')).toContain('limits the request rate');
    expect(storm.out).not.toMatch(/DNS|firewall/);
  });

  it('refuses a provider (System) account at the configuration check', async () => {
    let out = '';
    const code = await runDoctorCommand(
      { ...env('https://vcd.example.com'), VCD_ORG: 'System', LABBOT_CONFIG: '' },
      { logger, write: (t) => (out += t) },
    );

    expect(code).toBe(78);
    expect(out).toContain('FAIL  config  VCD_ORG: is the provider (System) organization');
    expect(out).toContain('fix: create a user or service account in the tenant org that owns VCD_VDC');
  });

  it('logs out at its end', async () => {
    const vcd = await startSim();

    const result = await doctor(env(vcd.url));

    expect(result.code).toBe(0);
    expect(vcd.state.sessions.opened).toBe(1);
    expect(vcd.state.sessions.size).toBe(0);
  });
});

/**
 * Issue 4, "must show" 4: `labbot vcdsim --port N` serves the simulator alone and prints how to point a client at it.
 * The CLI parses flags and calls runVcdSim; this drives runVcdSim directly (no build, no child process), follows the
 * printed instructions with labbot's own client, and checks the HTTPS variant.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { runVcdSim } from '../../src/vcdsim/standalone';
import { generateSelfSignedCertificate } from '../../src/vcdsim/tls';
import { startVcdSim } from '../../src/vcdsim/vcd-sim';
import { recordingLogger } from '../helpers/logger';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Starts runVcdSim and resolves with its banner once printed; `stop()` ends it and resolves with its exit code. */
async function run(
  options: Parameters<typeof runVcdSim>[0],
): Promise<{ banner: string; stop(): Promise<number> }> {
  let release: () => void = () => undefined;
  const until = new Promise<void>((resolve) => {
    release = resolve;
  });
  let printed: (text: string) => void = () => undefined;
  const banner = new Promise<string>((resolve) => {
    printed = resolve;
  });
  const done = runVcdSim(options, { stdout: { write: (text: string) => printed(text) }, until });
  const text = await Promise.race([banner, done.then(() => '')]);
  return {
    banner: text,
    stop: () => {
      release();
      return done;
    },
  };
}

function line(banner: string, label: string): string {
  return (
    banner
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l.startsWith(label)) ?? ''
  );
}

describe('labbot vcdsim', () => {
  let stopAfter: (() => Promise<number>) | undefined;

  afterEach(async () => {
    // Stopping twice is harmless; this only matters when an assertion failed before the test stopped it.
    await stopAfter?.();
    stopAfter = undefined;
  });

  it('prints where it listens and how to log in, and labbot can connect with exactly those settings', async () => {
    const sim = await run({ port: 0, speedFactor: 50 });
    stopAfter = sim.stop;
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(sim.banner)?.[1] ?? '';
    expect(url).not.toBe('');
    expect(line(sim.banner, 'versions:')).toBe(`versions:  curl ${url}/api/versions`);
    expect(line(sim.banner, 'login:')).toBe(
      `login:     curl -i -X POST -u admin@lab:admin -H 'Accept: application/json;version=38.0' ${url}/cloudapi/1.0.0/sessions`,
    );
    expect(line(sim.banner, 'admin:')).toContain(`${url}/_sim/state`);

    // The printed Basic-auth login works.
    const login = await fetch(`${url}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: {
        Accept: 'application/json;version=38.0',
        Authorization: `Basic ${Buffer.from('admin@lab:admin').toString('base64')}`,
      },
    });
    expect(login.status).toBe(200);

    // The printed labbot environment is enough for labbot's client.
    const env = Object.fromEntries(
      line(sim.banner, 'labbot:')
        .split(/\s+/)
        .filter((word) => word.includes('='))
        .map((word) => word.split('=') as [string, string]),
    );
    expect(env).toEqual({
      VCD_URL: url,
      VCD_ORG: 'lab',
      VCD_VDC: 'lab-vdc',
      VCD_API_TOKEN: 'simulated-api-token',
    });
    const cloud = new VcdCloud({
      url: env['VCD_URL'] ?? '',
      org: env['VCD_ORG'] ?? '',
      vdc: env['VCD_VDC'] ?? '',
      catalog: 'labs',
      auth: { kind: 'token', apiToken: env['VCD_API_TOKEN'] ?? '' },
      simulated: true,
      logger: recordingLogger(),
    });
    expect((await cloud.listTemplates()).map((t) => t.name)).toEqual([
      'esxi7-single',
      'esxi8-single',
      'vsphere8-lab',
    ]);
    cloud.close();

    expect(await sim.stop()).toBe(0);
    await expect(fetch(`${url}/api/versions`)).rejects.toThrow();
  });

  it('fails to start with a clear error when the port is taken', async () => {
    const first = await startVcdSim({ port: 0 });
    const port = Number(new URL(first.url).port);
    await expect(run({ port })).rejects.toThrow(/EADDRINUSE/);
    await first.close();
  });

  it('says how to fix it when --tls is asked for and openssl is missing', () => {
    expect(() => generateSelfSignedCertificate('127.0.0.1', 'no-such-openssl-here')).toThrow(
      'vcdsim --tls needs the openssl command to make its self-signed certificate, and it is not on PATH.',
    );
  });

  const withOpenssl = hasOpenssl() ? it : it.skip;
  if (!hasOpenssl()) {
    console.warn('vcdsim --tls test skipped: openssl is not on PATH');
  }

  withOpenssl(
    'serves HTTPS with a self-signed certificate made at start-up, and tells clients how to trust it',
    async () => {
      const sim = await run({ port: 0, tls: true });
      const url = /listening on (https:\/\/127\.0\.0\.1:\d+)/.exec(sim.banner)?.[1] ?? '';
      expect(url).not.toBe('');
      const caFile = /--cacert (\S+)/.exec(line(sim.banner, 'versions:'))?.[1] ?? '';
      expect(line(sim.banner, 'labbot:')).toContain(`NODE_EXTRA_CA_CERTS=${caFile} VCD_URL=${url}`);
      const ca = readFileSync(caFile, 'utf8');
      expect(ca).toContain('BEGIN CERTIFICATE');

      const body = await new Promise<string>((resolve, reject) => {
        request(`${url}/api/versions`, { ca }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk.toString('utf8');
          });
          res.on('end', () => resolve(text));
        })
          .on('error', reject)
          .end();
      });
      expect(body).toContain(`<LoginUrl>${url}/api/sessions</LoginUrl>`);
      // Without trusting the certificate, a client refuses it.
      await expect(fetch(`${url}/api/versions`)).rejects.toThrow();

      await sim.stop();
      expect(existsSync(caFile)).toBe(false);
    },
  );
});

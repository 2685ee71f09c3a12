import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ConfigError } from '../../src/config/config-error';
import { loadConfig } from '../../src/config/load-config';
import { type Lab } from '../../src/labs/lab';
import { type AuditEntry } from '../../src/labs/ports';
import { startLabbot } from '../../src/main';
import { runMigrateVcdCommand } from '../../src/migrate-vcd-command';
import { createSilentLogger } from '../../src/observability/logger';
import { createStore } from '../../src/store/create-store';
import { openDatabase } from '../../src/store/database';
import { statusName } from '../../src/vcdsim/media-types';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';

/** The local shell on `dataDir`: against `vcdUrl` (the shared simulator, standing for a real VCD), or embedded. */
async function shell(dataDir: string, lines: string[], vcdUrl?: string): Promise<string> {
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  let output = '';
  stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  // A real-VCD config (VCD_URL) assumes no edge: name the simulator's, so the labs get their networking.
  const policy = {
    path: path.join(dataDir, 'labbot.yml'),
    text: 'edge: { gateway: edge-01, publicIps: 203.0.113.10-203.0.113.60 }\n',
  };
  const config = loadConfig(
    {
      ...(vcdUrl !== undefined
        ? {
            VCD_URL: vcdUrl,
            VCD_ORG: 'lab',
            VCD_VDC: 'lab-vdc',
            VCD_API_TOKEN: 'simulated-api-token',
          }
        : {}),
      LABBOT_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    },
    vcdUrl !== undefined ? policy : undefined,
  );
  const running = await startLabbot(
    config,
    { stdin, stdout },
    { logger: createSilentLogger(), simSpeedFactor: 500 },
  );
  stdin.end(lines.map((line) => `${line}\n`).join(''));
  await running.done;
  return output;
}

/** A vApp's metadata value in the simulator (entries are keyed by domain and key there). */
function tagOf(sim: VcdSim, vappName: string, key: string): string | undefined {
  const vapp = sim.state.findVAppByName(vappName);
  return [...(vapp?.metadata.values() ?? [])].find((e) => e.key === key)?.value;
}

/** What a store holds, read after the process stopped. */
async function storeContents(dataDir: string): Promise<{ labs: Lab[]; audit: AuditEntry[] }> {
  const db = await openDatabase({ kind: 'sqlite', dataDir });
  try {
    const store = createStore(db, { holder: 'test', now: () => new Date() });
    return {
      labs: await store.labs.list({ includeEnded: true }),
      audit: await store.audit.list({ limit: 1000 }),
    };
  } finally {
    await db.close();
  }
}

/**
 * Issue 14, must show: neither a second installation nor a process on the wrong VCD may destroy an installation's
 * labs. One simulator stands for the shared VCD (a VDC two installations could both point at).
 */
describe('e2e: installation identity', () => {
  let sim: VcdSim;
  const dirs: string[] = [];
  const dir = (name: string): string => {
    const created = mkdtempSync(path.join(tmpdir(), `labbot-${name}-`));
    dirs.push(created);
    return created;
  };

  beforeEach(async () => {
    sim = await startVcdSim({ speedFactor: 500 });
  });

  afterEach(async () => {
    await sim.close();
    for (const created of dirs.splice(0)) {
      rmSync(created, { recursive: true, force: true });
    }
  });

  /** Installation A deploys a lab and it is powered off (the reaper, or its owner, stopped it). */
  async function poweredOffLabOfA(dataDir: string): Promise<{ id: string; href: string }> {
    const output = await shell(dataDir, ['/lab demo esxi8'], sim.url);
    const id = /Lab (demo-[a-z0-9]+): ready/.exec(output)?.[1] ?? '';
    expect(id).not.toBe('');
    const vapp = sim.state.findVAppByName(`lab-${id}`);
    expect(vapp).toBeDefined();
    const cloud = new VcdCloud({
      url: sim.url,
      org: 'lab',
      vdc: 'lab-vdc',
      catalog: 'labs',
      auth: { kind: 'token', apiToken: 'simulated-api-token' },
      simulated: false,
      logger: createSilentLogger(),
    });
    const href = (await cloud.findVAppByName(`lab-${id}`))?.href ?? '';
    await cloud.waitForTask(await cloud.startUndeploy(href));
    cloud.close();
    expect(statusName(sim.state.findVAppByName(`lab-${id}`)!.status)).toBe('POWERED_OFF');
    return { id, href };
  }

  it('a second install with an empty store against the same VDC leaves the first install’s powered-off lab alone', async () => {
    const a = dir('install-a');
    const b = dir('install-b');
    const { id } = await poweredOffLabOfA(a);
    const tag = tagOf(sim, `lab-${id}`, 'labbot.installation');
    expect(tag).toMatch(/^[0-9a-f-]{36}$/);

    // Install B starts twice (each start reconciles) and lists its labs.
    await shell(b, ['/lab list'], sim.url);
    const listing = await shell(b, ['/lab list'], sim.url);

    const vapp = sim.state.findVAppByName(`lab-${id}`);
    expect(vapp && statusName(vapp.status)).toBe('POWERED_OFF');
    expect(tagOf(sim, `lab-${id}`, 'labbot.installation')).toBe(tag);
    expect(listing).not.toContain(id);
    const ofB = await storeContents(b);
    expect(ofB.labs).toEqual([]);
    // B only noted A's edge rules, which it left alone too.
    expect(ofB.audit.filter((e) => e.labId === id).map((e) => e.action)).toEqual(['foreign-rules']);
    expect(JSON.stringify(sim.state.nsxt.natRules)).toContain(id);
    // A still has its lab, untouched by B.
    const ofA = await storeContents(a);
    expect(ofA.labs.map((l) => [l.id, l.phase])).toEqual([[id, 'ready']]);
  });

  it('a process on the embedded simulator with the production store closes nothing and refuses to start', async () => {
    const production = dir('production');
    const output = await shell(production, ['/lab demo esxi8'], sim.url);
    const id = /Lab (demo-[a-z0-9]+): ready/.exec(output)?.[1] ?? '';
    const before = await storeContents(production);

    const started = shell(production, ['/lab list']);

    await expect(started).rejects.toThrow(ConfigError);
    await expect(started).rejects.toThrow(
      new RegExp(
        `manages ${sim.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}, org lab, VDC lab-vdc, but this process is configured for the embedded simulator \\(no VCD_URL\\).*migrate-vcd --to-current`,
        's',
      ),
    );
    const after = await storeContents(production);
    expect(after.labs.map((l) => [l.id, l.phase])).toEqual([[id, 'ready']]);
    expect(after.audit).toEqual(before.audit);
    expect(sim.state.findVAppByName(`lab-${id}`)).toBeDefined();
  });

  it('refuses another VCD until an operator moves the installation on purpose; the embedded simulator’s new port is no difference', async () => {
    const data = dir('moved');
    await shell(data, ['/lab list'], sim.url);
    const env = { LABBOT_DATA_DIR: data, LOG_LEVEL: 'silent' };
    const said: string[] = [];

    expect(await runMigrateVcdCommand([], env, (t) => said.push(t))).toBe(2);
    await expect(shell(data, ['/lab list'])).rejects.toThrow(/embedded simulator/);
    expect(await runMigrateVcdCommand(['--to-current'], env, (t) => said.push(t))).toBe(0);
    const output = await shell(data, ['/lab list']);

    expect(said.join('\n')).toMatch(/run again with --to-current/);
    expect(said.join('\n')).toMatch(
      /moved from http:\/\/127\.0\.0\.1:\d+, org lab, VDC lab-vdc to the embedded simulator/,
    );
    expect(output).toMatch(/simulated VCD/);
    // The embedded simulator's port changes on every start, which is no difference: it starts again.
    await expect(shell(data, ['/lab list'])).resolves.toMatch(/simulated VCD/);
  });
});

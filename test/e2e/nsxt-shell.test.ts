import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { ConfigError } from '../../src/config/config-error';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot } from '../../src/main';
import { createSilentLogger } from '../../src/observability/logger';
import { startVcdSim, type EdgeOptions, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { OutputWatcher } from './output-watcher';

/**
 * Issue 13, must show 1: the real composition root in the local shell against a simulator whose edge is NSX-T:
 * `/lab demo` shows the lab's public IP and URLs, and `/lab teardown` leaves the edge's NAT rules, firewall rules,
 * port profiles, IP sets and IP allocations exactly as they were (the person's seeded rules untouched).
 */
describe('e2e: /lab demo and teardown on an NSX-T edge', () => {
  let dataDir: string;
  let sim: VcdSim;

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-nsxt-'));
  });

  afterEach(async () => {
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  function edgeState(): unknown {
    const world = sim.state.nsxt;
    return structuredClone({
      nat: world.natRules,
      firewall: world.userRules,
      groups: world.groups,
      profiles: world.profiles,
      allocations: world.ipSpace?.allocations ?? [],
    });
  }

  async function start(edge: EdgeOptions) {
    sim = await startVcdSim({ port: 0, speedFactor: 500, edge });
    const input = new PassThrough();
    const output = new OutputWatcher();
    // A real-VCD config (VCD_URL) assumes no edge: labbot.yml names the simulator's.
    const config = loadConfig(
      {
        VCD_URL: sim.url,
        VCD_ORG: 'lab',
        VCD_VDC: 'lab-vdc',
        VCD_API_TOKEN: 'simulated-api-token',
        LABBOT_DATA_DIR: dataDir,
      },
      {
        path: 'labbot.yml',
        text: 'edge: { gateway: edge-01, publicIps: 203.0.113.10-203.0.113.60 }\n',
      },
    );
    const running = await startLabbot(
      config,
      { stdin: input, stdout: output.stream },
      { logger: createSilentLogger() },
    );
    return { input, output, running };
  }

  it.each<[string, EdgeOptions]>([
    ['uplink addresses', { kind: 'nsxt' }],
    ['an IP Space', { kind: 'nsxt', ipSpace: true }],
  ])('deploys with its public IP and URL, and teardown leaves the edge as it was (%s)', async (_, edge) => {
    const { input, output, running } = await start(edge);
    const before = edgeState();
    const person = sim.state.nsxt.natRules.filter((r) => r.origin === 'person');
    expect(person.length).toBeGreaterThan(0);

    input.write('/lab demo esxi8\n');
    const [, labId] = await output.waitFor(/✓ Lab (demo-[a-z0-9]+): ready/);
    const ready = output.text;
    const publicIp = /https:\/\/(203\.0\.113\.\d+):443/.exec(ready)?.[1];
    expect(publicIp).toBeDefined();
    expect(sim.state.nsxt.natRules).toContainEqual(
      expect.objectContaining({
        name: `labbot:${labId}:esxi-ui`,
        externalAddresses: publicIp,
        dnatExternalPort: '443',
      }),
    );
    if (edge.ipSpace === true) {
      expect(sim.state.nsxt.ipSpace?.allocations.map((a) => a.value)).toContain(publicIp);
    }

    input.write(`/lab teardown ${labId}\n`);
    await output.waitFor(new RegExp(`Lab ${labId}: deleted`));
    input.end();
    await running.done;

    expect(edgeState()).toEqual(before);
    expect(sim.state.nsxt.natRules.filter((r) => r.origin === 'person')).toEqual(person);
  });

  it('refuses to start on a DISTRIBUTED_ONLY edge, saying how to fix it', async () => {
    const started = start({ kind: 'nsxt', deploymentMode: 'DISTRIBUTED_ONLY' });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      /edge\.gateway: edge-01 is a DISTRIBUTED_ONLY NSX-T edge gateway[\s\S]*fix: .*ACTIVE_STANDBY/,
    );
  });
});

/**
 * The real VcdCloud client against the simulator through the test proxy (test/reliability/vcd-proxy.ts), whose
 * rewrite hook lets a fuzz test replace any answer. Client and simulator share one fake clock: the client's sleeps
 * (retry backoff, task polling) move the simulator's time, so nothing waits on the wall clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Logger } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { startVcdProxy, type ProxiedAnswer, type ProxiedCall, type VcdProxy } from '../reliability/vcd-proxy';

export type Rewrite = (call: ProxiedCall, answer: ProxiedAnswer) => ProxiedAnswer | undefined;

export interface SimBehindProxy {
  sim: VcdSim;
  proxy: VcdProxy;
  /** Milliseconds since the epoch, shared by the simulator and every client made with newCloud. */
  clock: { now: number };
  /** Replaced per scenario; undefined passes answers through. */
  rewrite: { current: Rewrite | undefined };
  newCloud(options?: { logger?: Logger; taskDeadlineMs?: number }): VcdCloud;
  close(): Promise<void>;
}

export async function startSimBehindProxy(): Promise<SimBehindProxy> {
  const clock = { now: Date.parse('2026-11-24T09:00:00Z') };
  const sim = await startVcdSim({ port: 0, now: () => clock.now, speedFactor: 50 });
  const rewrite: { current: Rewrite | undefined } = { current: undefined };
  const proxy = await startVcdProxy(sim.url, undefined, (call, answer) => rewrite.current?.(call, answer));
  return {
    sim,
    proxy,
    clock,
    rewrite,
    newCloud: (options = {}) =>
      new VcdCloud({
        url: proxy.url,
        org: 'lab',
        vdc: 'lab-vdc',
        catalog: 'labs',
        auth: { kind: 'token', apiToken: 'simulated-api-token' },
        simulated: true,
        logger: options.logger ?? createSilentLogger(),
        clock: { now: () => new Date(clock.now) },
        sleep: (ms) => {
          clock.now += ms;
          return Promise.resolve();
        },
        // Short real-time limits: a hang must show as a typed timeout, not stall the suite.
        requestTimeoutMs: 5_000,
        ...(options.taskDeadlineMs !== undefined ? { taskDeadlineMs: options.taskDeadlineMs } : {}),
      }),
    close: async () => {
      await proxy.close();
      await sim.close();
    },
  };
}

/** Recorded real VCD documents, read in place (never copied into the repository). */
export const FIXTURES = path.resolve(__dirname, '../../../shared/vcd-fixtures');

function listFiles(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      return listFiles(full, suffix);
    }
    return entry.name.endsWith(suffix) ? [full] : [];
  });
}

interface Cassette {
  http_interactions: { response: { body?: { string?: string } } }[];
}

/** Every recorded XML document: the fixture files and the bodies of the VCR cassettes' responses. */
export function fixtureDocuments(): { name: string; xml: string }[] {
  const files = listFiles(FIXTURES, '.xml').map((file) => ({
    name: path.relative(FIXTURES, file),
    xml: readFileSync(file, 'utf8'),
  }));
  const cassettes = listFiles(FIXTURES, '.yml').flatMap((file) =>
    (parseYaml(readFileSync(file, 'utf8')) as Cassette).http_interactions
      .map((interaction, i) => ({
        name: `${path.basename(file)}#${i}`,
        xml: interaction.response.body?.string ?? '',
      }))
      .filter((d) => d.xml.trim().startsWith('<')),
  );
  return [...files, ...cassettes];
}

/**
 * Runs one lab's life through the client (connect, templates, deploy, metadata, power on, usage, lease, network,
 * edge, query, suspend, undeploy, delete): nearly every operation the client has, so a rewrite hook sees them all.
 * @throws whatever the client throws: callers that garble answers catch it.
 */
export async function lifeOfALab(cloud: VcdCloud, name: string): Promise<void> {
  await cloud.inspector.connect();
  await cloud.listTemplates();
  const { vappHref, task } = await cloud.startDeploy({
    vappName: name,
    description: `lab ${name}`,
    templateName: 'esxi8-single',
    runtimeLeaseSeconds: 4 * 3600,
  });
  await cloud.waitForTask(task);
  const tagged = await cloud.setMetadata(vappHref, { 'labbot.id': name, 'labbot.owner': 'U0FUZZ' });
  if (tagged) {
    await cloud.waitForTask(tagged);
  }
  await cloud.waitForTask(await cloud.startPowerOn(vappHref));
  const details = await cloud.getVAppDetails(vappHref);
  await cloud.getUsage(vappHref);
  await cloud.inspector.getLeaseSettings(vappHref);
  const vm = details?.vms[0];
  if (vm) {
    await cloud.getNetworkConnections(vm.href);
  }
  for (const edge of await cloud.inspector.listEdgeGateways()) {
    await cloud.inspector.getEdgeGateway(edge.href);
  }
  await cloud.listManagedVApps();
  await cloud.findVAppByName(name);
  await cloud.getMetadata(vappHref);
  await cloud.waitForTask(await cloud.startSuspend(vappHref));
  await cloud.waitForTask(await cloud.startUndeploy(vappHref));
  await cloud.waitForTask(await cloud.startDelete(vappHref));
}

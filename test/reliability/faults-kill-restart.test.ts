import { type ChildProcessWithoutNullStreams, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Lab } from '../../src/labs/lab';
import { openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { startVcdSim, type EdgeOptions, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { runBot } from './bot-process';
import { startVcdProxy, type ProxiedCall, type VcdProxy } from './vcd-proxy';

/**
 * Issue 9, reliability: the real bot process (node …/cli.js start, local shell) deploys 50 labs and tears about
 * half of them down while the VCD simulator misbehaves, and is SIGKILLed at random points (seeded) and restarted
 * against the same database and simulator. Faults, all at once: about 10% of calls answer 5xx (500, 502, 503, 504),
 * 5% of vApp calls BUSY_ENTITY, sessions expire at random moments (the next call gets 401), tasks of each kind fail
 * (instantiate, metadata, power on, undeploy, delete), and 5% of answers come late (a latency spike, held until every other call in flight has been answered, so no
 * timer is involved). Kill points are VCD requests: a proxy kills the bot the moment its n-th request arrives.
 * Then the storm ends (faults cleared) and the bot runs once more to settle. Every lab must then be in its desired
 * state or failed with its cleanup reported, the simulator must hold no vApp the store does not know, and a failed
 * lab's owner must be able to read why.
 *
 * The bot runs from its own build (dist/.reliability) so that this suite never races another one compiling dist/.
 * Lost answers (the connection drops after VCD acted) hit instantiate, power, undeploy and metadata calls too;
 * lost-instantiate-answer.test.ts shows the instantiate case on its own.
 */
const root = path.resolve(__dirname, '../..');
const buildDir = path.join(root, 'dist', '.reliability');
const SEED = Number(process.env.LABBOT_CHAOS_SEED ?? 20261209);
const DEPLOYS = 50;
const PER_ROUND = 2;

/** Park–Miller, as the kill-restart suite uses; the simulator draws its fault rates from its own seed. */
function seeded(seed: number): () => number {
  let state = seed % 2147483647;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

const FIVE_XX = ([500, 502, 503, 504] as const).map((error) => ({
  operation: '*',
  error,
  // Four rules of 2.6% each: about 10% of calls get one of them.
  rate: 0.026,
}));

/**
 * The storm runs on each edge kind (issue 13): the legacy NSX-V edge, and an NSX-T edge whose public addresses are
 * floating IPs of an IP Space (CloudAPI NAT rules, whole-list firewall, IP sets, port profiles), where answers of NAT
 * creates and IP allocations are lost too. `LABBOT_STORM_EDGES=nsxt` runs one of them.
 */
interface StormEdge {
  name: string;
  edge: EdgeOptions;
  drops: { operation: string; afterProcessing: true; rate: number; times: number }[];
}
const ALL_EDGES: StormEdge[] = [
  { name: 'NSX-V', edge: { kind: 'nsxv' }, drops: [] },
  {
    name: 'NSX-T with an IP Space',
    edge: { kind: 'nsxt', ipSpace: true },
    drops: [
      { operation: 'cloudapi.nat.create', afterProcessing: true, rate: 0.1, times: 3 },
      { operation: 'cloudapi.ipSpace.allocate', afterProcessing: true, rate: 0.1, times: 2 },
    ],
  },
];
const EDGES = ALL_EDGES.filter((e) =>
  (process.env.LABBOT_STORM_EDGES ?? 'nsxv,nsxt').split(',').includes(e.edge.kind ?? 'nsxv'),
);

describe.each(EDGES)(
  'reliability: faults and SIGKILLs during 50 deploys and teardowns on $name',
  ({ edge, drops }) => {
    let sim: VcdSim;
    let proxy: VcdProxy;
    let dataDir: string;
    let child: ChildProcessWithoutNullStreams | undefined;
    let killAt = Infinity;
    const random = seeded(SEED);
    /** Answers the simulator holds back (latency spikes); each releases once all other calls in flight are answered. */
    const held: (() => void)[] = [];
    const seen = { spikes: 0, expiries: 0 };
    /**
     * Sessions end at random moments, but as a real timeout does: not again before the client has logged in anew and
     * used its new session for 30 answered calls. (A second expiry within seconds, while one call is still between
     * its re-login and its retry, fails that call as unavailable: the client re-logs in once per call, and the
     * controller retries the step later.)
     */
    const session = { armed: true, loggedIn: false, answered: 0 };

    function releaseSpike(): void {
      if (held.length > 0 && proxy.inFlight <= held.length) {
        held.shift()?.();
      }
    }

    beforeAll(async () => {
      execFileSync(
        process.execPath,
        [
          path.join(root, 'node_modules/typescript/bin/tsc'),
          '-p',
          path.join(root, 'tsconfig.build.json'),
          '--outDir',
          buildDir,
          '--tsBuildInfoFile',
          path.join(buildDir, '.tsbuildinfo'),
        ],
        { cwd: root },
      );
      sim = await startVcdSim({
        speedFactor: 100,
        seed: SEED,
        edge,
        delay: () =>
          new Promise<void>((resolve) => {
            seen.spikes += 1;
            held.push(resolve);
            releaseSpike();
          }),
        faults: {
          errors: [...FIVE_XX, { operation: 'vApp.*', error: 'BUSY_ENTITY', rate: 0.05 }],
          latency: [{ operation: '*', spikeMs: 5000, spikeRate: 0.05 }],
          // Lost answers: VCD acted, the bot sees a reset (a load balancer drop). Its POSTs are not resent blindly.
          drops: [
            { operation: 'vApp.instantiate', afterProcessing: true, rate: 0.1, times: 4 },
            { operation: 'vApp.power.*', afterProcessing: true, rate: 0.1, times: 4 },
            { operation: 'vApp.undeploy', afterProcessing: true, rate: 0.1, times: 3 },
            { operation: 'vApp.metadata.post', afterProcessing: true, rate: 0.1, times: 3 },
            ...drops,
          ],
          taskFailures: [
            { operationName: 'vdcInstantiateVapp', times: 3, message: 'No host is compatible with the VM.' },
            { operationName: 'metadataUpdate', times: 2 },
            {
              operationName: 'vappDeploy',
              times: 3,
              message: 'The operation failed because no suitable host was found.',
            },
            { operationName: 'vappUndeployPowerOff', times: 2 },
            { operationName: 'vdcDeleteVapp', times: 2 },
          ],
        },
      });
      proxy = await startVcdProxy(sim.url, (call) => {
        // A session may end at any moment: the next authenticated call gets 401 and the client logs in again.
        if (call.operation.startsWith('login')) {
          session.loggedIn = true;
        }
        if (session.armed && random() < 0.05) {
          seen.expiries += 1;
          Object.assign(session, { armed: false, loggedIn: false, answered: 0 });
          sim.state.expireSessions();
        }
        if (call.seq >= killAt && child && child.exitCode === null && child.signalCode === null) {
          child.kill('SIGKILL');
        }
      });
      proxy.events.on('settled', releaseSpike);
      proxy.events.on('settled', (call: ProxiedCall) => {
        if (session.loggedIn && !session.armed && (call.status ?? 500) < 400 && ++session.answered >= 30) {
          session.armed = true;
        }
      });
      dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-faults-'));
      writeFileSync(
        path.join(dataDir, 'labbot.yml'),
        // A real-VCD config (VCD_URL) assumes no edge: name the simulator's, so the labs get their networking.
        'limits: { maxLabsPerUser: 100, maxHourlySpendPerUser: 1000 }\n' +
          'edge: { gateway: edge-01, publicIps: 203.0.113.10-203.0.113.60 }\n',
      );
    }, 120_000);

    afterAll(async () => {
      child?.kill('SIGKILL');
      while (held.length > 0) {
        held.shift()?.();
      }
      await proxy.close();
      await sim.close();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const bot = (lines: string[]) =>
      runBot(
        { cli: path.join(buildDir, 'cli.js'), dataDir, vcdUrl: proxy.url, lines },
        (proc) => (child = proc),
      );

    async function readLabs(): Promise<Lab[]> {
      const db = await openDatabase({ kind: 'sqlite', dataDir });
      const store = new KyselyLabStore(db);
      try {
        return await store.list({ includeEnded: true });
      } finally {
        await db.close();
      }
    }

    it('leaves every lab in its desired state or failed with cleanup, and no unknown vApp in VCD', async () => {
      const known = new Set<string>();
      /** Labs whose teardown the bot acknowledged to the user. */
      const tornDown = new Set<string>();
      let kills = 0;
      let output = '';

      for (let deployed = 0; deployed < DEPLOYS; deployed += PER_ROUND) {
        const lines = Array.from({ length: PER_ROUND }, () => '/lab demo esxi8');
        const candidates = [...known].filter((id) => !tornDown.has(id));
        if (candidates.length > 0 && random() < 0.6) {
          lines.push(`/lab teardown ${candidates[Math.floor(random() * candidates.length)] ?? ''}`);
        }
        // Two deploys make about 50 calls; a kill point past the end lets some runs finish on their own.
        killAt = 1 + Math.floor(random() * 70);
        proxy.reset();
        const run = await bot(lines);
        kills += run.killed ? 1 : 0;
        output += run.output;
        for (const match of run.output.matchAll(/Lab (demo-[a-z0-9]+)/g)) {
          known.add(match[1] ?? '');
        }
        for (const match of run.output.matchAll(/Lab (demo-[a-z0-9]+): tearing down/g)) {
          tornDown.add(match[1] ?? '');
        }
      }

      // The storm passes; a last undisturbed run resumes whatever is in flight and settles everything.
      const faultsLeft = sim.faults.snapshot();
      sim.faults.clear();
      killAt = Infinity;
      proxy.reset();
      const settle = await bot(['/lab list']);
      expect(settle.killed).toBe(false);
      output += settle.output;

      const labs = await readLabs();
      const show = (l: Lab) => `${l.id}: desired ${l.desired}, phase ${l.phase}, ${l.failureReason ?? ''}`;

      // Every lab is where it was asked to be, or failed with what was cleaned up said.
      const unsettled = labs.filter(
        (l) =>
          !(
            (l.desired === 'running' && l.phase === 'ready') ||
            (l.desired === 'deleted' && l.phase === 'deleted') ||
            (l.phase === 'failed' && (l.failureReason ?? '').includes('Cleaned up'))
          ),
      );
      expect(unsettled.map(show)).toEqual([]);
      // A teardown the user was told about happened.
      const resurrected = labs.filter(
        (l) => tornDown.has(l.id) && l.phase !== 'deleted' && l.phase !== 'failed',
      );
      expect(resurrected.map(show)).toEqual([]);
      // The simulator holds only vApps of live labs: nothing left billing unseen, failed labs cleaned up.
      const live = new Set(
        labs.filter((l) => l.phase !== 'deleted' && l.phase !== 'failed').map((l) => l.vappName),
      );
      expect(
        sim.state
          .vApps()
          .filter((v) => !live.has(v.name))
          .map((v) => `${v.name} (${v.status})`),
      ).toEqual([]);

      // The edge holds rules of live labs only (tagged `labbot:<labId>:<rule>`), each live networked lab has its rules,
      // and no two labs share a public IP.
      const liveIds = new Set(
        labs.filter((l) => l.phase !== 'deleted' && l.phase !== 'failed').map((l) => l.id),
      );
      const world = sim.state.nsxt;
      const tags =
        edge.kind === 'nsxt'
          ? [...world.natRules, ...world.userRules, ...world.groups].map((r) => r.name)
          : [...sim.state.edge.nat.rules, ...sim.state.edge.firewall.rules].map((r) => r.description ?? '');
      const taggedLabs = tags
        .map((tag) => /^labbot:([^:]+):/.exec(tag)?.[1])
        .filter((id): id is string => id !== undefined);
      expect([...new Set(taggedLabs)].filter((id) => !liveIds.has(id))).toEqual([]);
      const readyIps = labs.filter((l) => l.phase === 'ready').map((l) => l.network?.publicIp);
      expect(readyIps.filter((ip) => ip === undefined)).toEqual([]);
      expect(new Set(readyIps).size).toBe(readyIps.length);
      for (const lab of labs.filter((l) => l.phase === 'ready')) {
        expect(taggedLabs).toContain(lab.id);
      }
      if (edge.kind === 'nsxt') {
        // No orphan port profile (each TENANT one is used by a rule) and no floating IP but live labs' and the person's.
        const unused = world.profiles.filter(
          (p) => p.scope === 'TENANT' && world.referencesTo(p.id).length === 0,
        );
        expect(unused.map((p) => p.name)).toEqual([]);
        const liveIps = new Set(labs.filter((l) => liveIds.has(l.id)).map((l) => l.network?.publicIp ?? ''));
        const personIps = new Set(
          world.natRules.filter((r) => r.origin === 'person').map((r) => r.externalAddresses),
        );
        expect(
          (world.ipSpace?.allocations ?? [])
            .map((a) => a.value)
            .filter((ip) => !liveIps.has(ip) && !personIps.has(ip)),
        ).toEqual([]);
      }

      // Only the injected task failures fail a lab: 5xx, busy answers, expired sessions and late answers are ridden out.
      const failed = labs.filter((l) => l.phase === 'failed');
      expect(
        failed
          .filter(
            (l) => !/VCD (vdcInstantiateVapp|metadataUpdate|vappDeploy) error/.test(l.failureReason ?? ''),
          )
          .map(show),
      ).toEqual([]);

      // The owner of a failed lab can read why and what was cleaned up.
      if (failed.length > 0) {
        const status = await bot(failed.map((l) => `/lab status ${l.id}`));
        for (const lab of failed) {
          expect(status.output).toContain(`Lab ${lab.id}: failed`);
        }
        expect(status.output).toContain('Cleaned up');
      }

      // The storm happened, and the bot still got work done through it (not a suite that passes because all failed).
      expect(labs.length).toBeGreaterThanOrEqual(DEPLOYS * 0.8);
      expect(kills).toBeGreaterThanOrEqual(DEPLOYS / PER_ROUND / 3);
      expect(seen.spikes).toBeGreaterThan(0);
      expect(seen.expiries).toBeGreaterThan(0);
      expect(faultsLeft.taskFailures?.length ?? 0).toBeLessThan(5);
      // Answers were lost after VCD acted, several in all. Which operations' drops fire, and how many, depends on
      // where the seeded kills cut the runs short (and so on timing): 3 in all was seen on an unchanged bot under load,
      // and a CI dry run of 2 Dec 2026 saw none of instantiate's. So the storm asks for several, not for a given one;
      // lost-instantiate-answer.test.ts shows the instantiate case for certain.
      const dropsAtStart = [4, 4, 3, 3, ...drops.map((d) => d.times)];
      const dropsFired = (faultsLeft.drops ?? []).map((d, i) => (dropsAtStart[i] ?? 0) - (d.times ?? 0));
      expect(dropsFired.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(3);
      expect(labs.filter((l) => l.readyAt !== undefined).length).toBeGreaterThanOrEqual(labs.length / 2);
      expect(labs.filter((l) => l.phase === 'deleted').length).toBeGreaterThan(0);
      expect(labs.map((l) => l.failureReason ?? '').filter((r) => r.includes('UNTRUSTED_HREF'))).toEqual([]);
      expect(output).toContain('ready');
    }, 240_000);
  },
);

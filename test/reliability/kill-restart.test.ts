import { type ChildProcessWithoutNullStreams, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/database';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { runBot } from './bot-process';

/**
 * Issue 5, "nothing is ever lost": the real bot process (node dist/cli.js) is SIGKILLed at random points of
 * deploys and teardowns, 20 times, and restarted each time against the same database and the same VCD
 * simulator. The kill points are VCD requests: a proxy in front of the simulator kills the bot the moment its
 * n-th request arrives (n drawn from a seeded generator), i.e. after VCD has acted but before the bot heard the
 * answer, the worst moment. At the end every lab is ready, deleted, or failed with cleanup, and the simulator
 * holds no vApp the store does not know.
 */
const root = path.resolve(__dirname, '../..');
const ROUNDS = 20;
/** Calls the edge check at start adds before the bot reads its first command. */
const STARTUP_CALLS = 3;
const SEED = Number(process.env.LABBOT_CHAOS_SEED ?? 20261124);

function seeded(seed: number): () => number {
  let state = seed % 2147483647;
  return () => (state = (state * 16807) % 2147483647) / 2147483647;
}

interface CountingProxy {
  url: string;
  server: Server;
  /** Starts counting requests from zero again (each bot run has its own kill point). */
  reset(): void;
}

/** Forwards to the simulator and calls `onRequest` with the count of requests since the last reset. */
async function startProxy(target: string, onRequest: (count: number) => void): Promise<CountingProxy> {
  let count = 0;
  const targetUrl = new URL(target);
  const server = createServer((req, res) => {
    onRequest(++count);
    const upstream = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    server,
    reset: () => {
      count = 0;
    },
  };
}

describe('reliability: SIGKILL at random points of deploy and teardown, 20 restarts', () => {
  let sim: VcdSim;
  let dataDir: string;
  let proxy: CountingProxy;
  let killAt = Infinity;
  let child: ChildProcessWithoutNullStreams | undefined;

  beforeAll(async () => {
    // The bot runs as a real process from the compiled output; build it so the test exercises this tree.
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')],
      { cwd: root },
    );
    sim = await startVcdSim({ speedFactor: 40 });
    proxy = await startProxy(sim.url, (n) => {
      if (n >= killAt && child && child.exitCode === null) {
        child.kill('SIGKILL');
      }
    });
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-chaos-'));
    writeFileSync(
      path.join(dataDir, 'labbot.yml'),
      // A real-VCD config (VCD_URL) assumes no edge: name the simulator's, so the labs get their networking.
      'limits: { maxLabsPerUser: 100, maxHourlySpendPerUser: 1000 }\n' +
        'edge: { gateway: edge-01, publicIps: 203.0.113.10-203.0.113.60 }\n',
    );
  }, 120_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await new Promise<void>((resolve) => proxy.server.close(() => resolve()));
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const bot = (lines: string[]) =>
    runBot(
      { cli: path.join(root, 'dist/cli.js'), dataDir, vcdUrl: proxy.url, lines },
      (proc) => (child = proc),
    );

  it('leaves every lab in its desired state or failed-and-cleaned, and no unknown vApp in VCD', async () => {
    const random = seeded(SEED);
    const labIds: string[] = [];
    let kills = 0;

    for (let round = 0; round < ROUNDS; round++) {
      const lines = ['/lab demo esxi8'];
      if (round % 2 === 1 && labIds.length > 0) {
        lines.push(`/lab teardown ${labIds[Math.floor(random() * labIds.length)] ?? ''}`);
      }
      // A deploy makes about a dozen VCD calls; kill somewhere in the first ~15 of this run after start-up's own
      // calls (versions, login, and the edge's backing: three lookups the bot makes before it reads commands, so that
      // it can refuse an edge without NAT).
      killAt = STARTUP_CALLS + 1 + Math.floor(random() * 15);
      proxy.reset();
      const { output, killed } = await bot(lines);
      kills += killed ? 1 : 0;
      for (const match of output.matchAll(/Lab (demo-[a-z0-9]+)/g)) {
        if (match[1] && !labIds.includes(match[1])) {
          labIds.push(match[1]);
        }
      }
    }

    // A last, undisturbed run resumes whatever is in flight and settles everything.
    killAt = Infinity;
    proxy.reset();
    const final = await bot(['/lab list']);
    expect(final.killed).toBe(false);

    const db = await openDatabase({ kind: 'sqlite', dataDir });
    const store = new KyselyLabStore(db);
    const labs = await store.list({ includeEnded: true });
    await db.close();

    const unsettled = labs.filter(
      (l) =>
        !(
          (l.desired === 'running' && l.phase === 'ready') ||
          (l.desired === 'deleted' && l.phase === 'deleted') ||
          (l.phase === 'failed' && (l.failureReason ?? '').includes('Cleaned up'))
        ),
    );
    expect(unsettled.map((l) => `${l.id}: desired ${l.desired}, phase ${l.phase}`)).toEqual([]);
    const known = new Set(
      labs.filter((l) => l.phase !== 'deleted' && l.phase !== 'failed').map((l) => l.vappName),
    );
    const unknown = sim.state.vApps().filter((v) => !known.has(v.name));
    expect(unknown.map((v) => v.name)).toEqual([]);
    expect(kills).toBeGreaterThanOrEqual(ROUNDS / 2);
    expect(labs.length).toBeGreaterThanOrEqual(ROUNDS / 2);
  }, 240_000);
});

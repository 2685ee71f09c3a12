/**
 * Memory and start-up benchmark (issues 9 and 17): the real bot process, spawned as `npm start` runs it (the node
 * command of package.json's `start` script, V8 flags included), its resident set size idle and with 1,000 labs
 * tracked, and its start-up time to ready: to the shell's banner in the local shell (with the embedded simulator,
 * as `npm start` runs it) and to `/readyz` answering 200 in HTTP mode (against a VCD simulator in this process
 * behind a counting proxy, seeded with bench/seed-labs.ts). In HTTP mode the reaper runs every 10 s (plan mode) so
 * that "tracked" includes reading every lab's usage, as a real pass does. Only the bot's process is measured: the
 * simulator, the proxy and the fake Slack API live in this one. Its RSS is sampled every 100 ms from spawn to stop.
 *
 * Run: `npm run bench` (it builds first), or alone after `npm run build`:
 * `npx tsc -p bench/tsconfig.json && node dist/bench/bench/memory.js`.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { managedVcd } from '../src/labs/installation';
import { startVcdSim, type VcdSim } from '../src/vcdsim/vcd-sim';
import { FakeSlackApi } from '../test/helpers/fake-slack-api';
import { signSlackRequest, slashCommandBody } from '../test/helpers/slack-signing';
import { startVcdProxy, type VcdProxy } from '../test/reliability/vcd-proxy';
import {
  DOC,
  REPO,
  fixed,
  machineLine,
  percentile,
  reportTargets,
  section,
  writeSection,
  type TargetVerdict,
} from './bench-doc';
import { seedSimulator, seedStore, skipIdleSettling } from './seed-labs';

const NAME = 'memory';
const CLI = path.join(REPO, 'dist', 'cli.js');
const SECRET = 'bench-signing-secret';
const STARTS = 5;
const TRACKED = 1000;
/** Longest wait for a line of the bot's output. */
const WAIT_MS = 180_000;
/** Issue 17 target 2. */
const RSS_TARGET_MB = 120;
const PEAK_TARGET_MB = 160;
/** How often the bot's RSS is sampled, for its curve over the run (the peak itself is the kernel's VmHWM). */
const SAMPLE_MS = 100;

/**
 * The node flags of `npm start`: package.json's `start` script must be `node [flags…] dist/cli.js start`, so that
 * the bot measured here is the one `npm start` runs.
 * @throws Error when the script has another shape (the bench would measure something else).
 */
function startNodeArgs(script: string): string[] {
  const words = script.trim().split(/\s+/);
  const cli = words.indexOf('dist/cli.js');
  if (words[0] !== 'node' || cli < 1 || words[cli + 1] !== 'start' || words.length !== cli + 2) {
    throw new Error(`package.json's start script is not "node [flags] dist/cli.js start": ${script}`);
  }
  return words.slice(1, cli);
}

const NODE_ARGS = startNodeArgs(
  (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: { start: string } })
    .scripts.start,
);

interface Memory {
  rssMb: number;
  /** Peak resident set size of the process so far. */
  hwmMb: number;
}

/** VmRSS and VmHWM of a process, from /proc (Linux); `ps` elsewhere (peak = current then). */
function memoryOf(pid: number): Memory {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  } catch {
    throw new Error(`cannot read /proc/${pid}/status: this bench measures memory on Linux only`);
  }
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/PID/stat: what the V8 flags of `npm start` cost
 * in CPU shows here, less disturbed by other load than wall time. Clock ticks are 100 a second on Linux x64/arm64.
 */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  // utime and stime are fields 14 and 15 of the line, 12 and 13 after "pid (comm) ".
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A spawned bot whose output lines can be awaited, its RSS sampled every SAMPLE_MS while it runs. */
class Bot {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly started = performance.now();
  /** VmRSS in MB, every SAMPLE_MS from spawn until it stops. */
  readonly rssSamples: number[] = [];
  private out = '';
  private err = '';
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  private exited = false;
  private readonly sampler: NodeJS.Timeout;

  constructor(env: Record<string, string>, cwd: string, nodeArgs: readonly string[] = NODE_ARGS) {
    this.proc = spawn(process.execPath, [...nodeArgs, CLI, 'start'], {
      cwd,
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    this.sampler = setInterval(() => {
      try {
        this.rssSamples.push(memoryOf(this.pid).rssMb);
      } catch {
        // gone between two samples: its exit handler stops the sampler
      }
    }, SAMPLE_MS);
    const settle = () => {
      this.waiters = this.waiters.filter((w) => {
        if (w.test()) {
          w.resolve();
          return false;
        }
        return true;
      });
    };
    this.proc.stdout.on('data', (chunk: Buffer) => {
      this.out += chunk.toString('utf8');
      settle();
    });
    this.proc.stderr.on('data', (chunk: Buffer) => {
      this.err += chunk.toString('utf8');
      settle();
    });
    this.proc.on('exit', () => {
      this.exited = true;
      clearInterval(this.sampler);
      settle();
    });
  }

  get pid(): number {
    return this.proc.pid ?? 0;
  }

  /** Resolves when stdout (or the JSON log on stderr) has a match; rejects if the process exits first. */
  async waitFor(pattern: RegExp, stream: 'stdout' | 'stderr', from = 0): Promise<string[]> {
    const text = () => (stream === 'stdout' ? this.out : this.err).slice(from);
    await new Promise<void>((resolve, reject) => {
      // A bot that never logs what is awaited (a reaper cycle that keeps failing) ends the bench with its log.
      const timer = setTimeout(
        () =>
          reject(
            new Error(`no ${pattern} after ${WAIT_MS / 1000} s; bot log tail: ${this.err.slice(-3000)}`),
          ),
        WAIT_MS,
      );
      timer.unref();
      const test = () => {
        if (pattern.test(text())) {
          return true;
        }
        if (this.exited) {
          reject(new Error(`bot exited before ${pattern}: ${this.err.slice(-2000)}`));
          return true;
        }
        return false;
      };
      if (!test()) {
        this.waiters.push({ test, resolve });
      }
    });
    return [...(pattern.exec(text()) ?? [])];
  }

  get stderrLength(): number {
    return this.err.length;
  }

  async stop(): Promise<void> {
    if (this.exited) {
      return;
    }
    const gone = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin.end();
    this.proc.kill('SIGTERM');
    await gone;
  }
}

/** Start-up of the local shell with the embedded simulator, as `npm start` runs it: to the banner. */
async function shellStart(): Promise<{ ms: number; memory: Memory }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-bench-mem-shell-'));
  const bot = new Bot({ LABBOT_DATA_DIR: dataDir }, dataDir);
  try {
    await bot.waitFor(/labbot local shell/, 'stdout');
    const ms = performance.now() - bot.started;
    return { ms, memory: memoryOf(bot.pid) };
  } finally {
    await bot.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface HttpRun {
  readyMs: number;
  atReady: Memory;
  /** After start-up and the first reaper cycle. */
  afterReap: Memory;
  /** After a round of requests: `/lab list` from 50 owners, `/metrics`. */
  afterRequests: Memory;
  reapMs: number;
  startCalls: number;
  /** CPU seconds the bot used over one reaper interval (10 s, its cycle included). */
  cycleCpuSeconds: number;
  /** RSS sampled from /readyz 200 to the end of the requests: median and largest, MB. */
  sampled: { p50: number; max: number; count: number };
  /** The bot's own account of its memory after the requests (prom-client's default metrics), in MB. */
  split: { heapUsed: number; heapTotal: number; external: number };
}

/** `labbot_nodejs_heap_size_used_bytes` and friends from a /metrics scrape, in MB. */
function memorySplit(metrics: string): HttpRun['split'] {
  const value = (name: string): number =>
    Number(new RegExp(`^labbot_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(metrics)?.[1] ?? NaN) /
    2 ** 20;
  return {
    heapUsed: value('nodejs_heap_size_used_bytes'),
    heapTotal: value('nodejs_heap_size_total_bytes'),
    external: value('nodejs_external_memory_bytes'),
  };
}

/** HTTP mode against the simulator: time to /readyz 200, then memory after a reaper cycle and some requests. */
async function httpRun(
  vcd: VcdProxy,
  slack: FakeSlackApi,
  dataDir: string,
  nodeArgs: readonly string[] = NODE_ARGS,
): Promise<HttpRun> {
  const policy = path.join(dataDir, 'labbot.yml');
  writeFileSync(
    policy,
    [
      'limits: { maxLabsPerUser: 1000, maxHourlySpendPerUser: 100000 }',
      // Every 10 s (node-cron's optional seconds field), plan mode: it reads every lab, changes nothing.
      "reaper: { cron: '*/10 * * * * *', mode: plan }",
      '',
    ].join('\n'),
  );
  vcd.reset();
  const bot = new Bot(
    {
      SLACK_BOT_TOKEN: 'xoxb-bench',
      SLACK_SIGNING_SECRET: SECRET,
      SLACK_API_URL: slack.apiUrl,
      PORT: '0',
      VCD_URL: vcd.url,
      VCD_ORG: 'lab',
      VCD_VDC: 'lab-vdc',
      VCD_API_TOKEN: 'simulated-api-token',
      LABBOT_DATA_DIR: dataDir,
      LABBOT_CONFIG: policy,
      LOG_LEVEL: 'info',
    },
    dataDir,
    nodeArgs,
  );
  try {
    const listening = await bot.waitFor(/"port":(\d+)[^\n]*labbot is listening for Slack/, 'stderr');
    const base = `http://127.0.0.1:${listening[1] ?? '0'}`;
    const ready = await fetch(`${base}/readyz`);
    await ready.arrayBuffer();
    const readyMs = performance.now() - bot.started;
    if (ready.status !== 200) {
      throw new Error(`/readyz answered ${ready.status}`);
    }
    const atReady = memoryOf(bot.pid);
    const readySample = bot.rssSamples.length;
    const startCalls = vcd.calls.length;
    // A cycle may be under way already; time the next whole one, from its first VCD call to its log line.
    await bot.waitFor(/"msg":"reaper cycle done"/, 'stderr', bot.stderrLength);
    const from = bot.stderrLength;
    const cpuBefore = cpuSecondsOf(bot.pid);
    const begun = new Promise<number>((resolve) =>
      vcd.events.once('request', () => resolve(performance.now())),
    );
    await bot.waitFor(/"msg":"reaper cycle done"/, 'stderr', from);
    const reapMs = performance.now() - (await begun);
    // One reaper interval, cycle included, from the end of one cycle to the end of the next.
    const cycleCpuSeconds = cpuSecondsOf(bot.pid) - cpuBefore;
    const afterReap = memoryOf(bot.pid);
    for (let owner = 0; owner < 50; owner++) {
      const body = slashCommandBody({
        text: 'list',
        responseUrl: slack.responseUrl(),
        userId: `U0OWNER${String(owner).padStart(2, '0')}`,
        channelId: 'C0BENCH',
      });
      const response = await fetch(`${base}/slack/events`, {
        method: 'POST',
        headers: signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)),
        body,
      });
      await response.arrayBuffer();
    }
    const split = memorySplit(await (await fetch(`${base}/metrics`)).text());
    const afterRequests = memoryOf(bot.pid);
    const run = bot.rssSamples.slice(readySample).sort((a, b) => a - b);
    const sampled = { p50: percentile(run, 50), max: run.at(-1) ?? NaN, count: run.length };
    return {
      readyMs,
      atReady,
      afterReap,
      afterRequests,
      reapMs,
      startCalls,
      split,
      sampled,
      cycleCpuSeconds,
    };
  } finally {
    await bot.stop();
  }
}

async function withVcd<T>(labs: number, run: (vcd: VcdProxy, dataDir: string) => Promise<T>): Promise<T> {
  const sim: VcdSim = await startVcdSim({
    maxConcurrentTasks: 0,
    vdcs: [{ name: 'lab-vdc', cpuLimitMhz: 0, memoryLimitMb: 0, storageLimitMb: 0 }],
  });
  const vcd = await startVcdProxy(sim.url);
  const dataDir = mkdtempSync(path.join(tmpdir(), `labbot-bench-mem-${labs}-`));
  try {
    if (labs > 0) {
      const seeded = seedSimulator(sim, { count: labs, vcdUrl: vcd.url, foreignShare: 0 });
      skipIdleSettling(sim);
      await seedStore(dataDir, seeded.labs, managedVcd({ url: vcd.url, org: 'lab', vdc: 'lab-vdc' }));
    }
    return await run(vcd, dataDir);
  } finally {
    await vcd.close();
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

const mb = (value: number) => fixed(value, 0);

async function main(): Promise<void> {
  if (!existsSync(CLI)) {
    throw new Error(`${CLI} is missing: run \`npm run build\` first (\`npm run bench\` does)`);
  }
  const load = { start: loadavg()[0] ?? NaN };
  const cpus = availableParallelism();
  const slack = await FakeSlackApi.start();
  try {
    console.log(`local shell start-up, ${STARTS} times…`);
    const shell: { ms: number; memory: Memory }[] = [];
    for (let i = 0; i < STARTS; i++) {
      shell.push(await shellStart());
    }
    console.log('HTTP mode, no labs…');
    const idle = await withVcd(0, (vcd, dir) => httpRun(vcd, slack, dir));
    console.log(`HTTP mode, ${TRACKED} labs tracked…`);
    const tracked = await withVcd(TRACKED, (vcd, dir) => httpRun(vcd, slack, dir));
    // The same run with node's defaults, so that what the flags of `npm start` buy is measured side by side.
    let plain: HttpRun | undefined;
    if (NODE_ARGS.length > 0) {
      console.log(`HTTP mode, ${TRACKED} labs tracked, no V8 flags…`);
      plain = await withVcd(TRACKED, (vcd, dir) => httpRun(vcd, slack, dir, []));
    }

    const shellMs = shell.map((s) => s.ms).sort((a, b) => a - b);
    const shellMedian = percentile(shellMs, 50);
    const shellRss = percentile(
      shell.map((s) => s.memory.rssMb).sort((a, b) => a - b),
      50,
    );
    const trackedPeak = Math.max(tracked.afterReap.hwmMb, tracked.afterRequests.hwmMb);
    const row = (name: string, r: HttpRun) =>
      `| ${name} | ${fixed(r.readyMs / 1000, 2)} | ${r.startCalls} | ${mb(r.atReady.rssMb)} | ${fixed(r.reapMs, 0)} | ${mb(r.afterReap.rssMb)} | ` +
      `${mb(r.afterRequests.rssMb)} | ${mb(r.sampled.p50)} / ${mb(r.sampled.max)} | ${mb(Math.max(r.afterReap.hwmMb, r.afterRequests.hwmMb))} | ` +
      `${mb(r.split.heapUsed)} / ${mb(r.split.heapTotal)} | ${mb(r.split.external)} | ${fixed(r.cycleCpuSeconds, 2)} |`;
    const text = section(NAME, [
      '## Memory and start-up (`bench/memory.ts`)',
      '',
      `The real bot process alone, spawned as \`npm start\` runs it: \`${['node', ...NODE_ARGS, 'dist/cli.js', 'start'].join(' ')}\``,
      "(package.json's `start` script). **Local shell**: embedded simulator and a fresh SQLite store, as",
      `\`npm start\` runs it; start-up is from spawning the process to its banner, ${STARTS} starts. **HTTP mode**: against`,
      "the VCD simulator in the benchmark's own process (behind a counting proxy), a fresh SQLite store seeded with the",
      `labs, a fake Slack Web API; start-up is from spawning to \`/readyz\` answering 200 (it has logged in to VCD,`,
      'reconciled the store with it and verified the bot token by then). The reaper then runs every 10 s in plan mode;',
      "memory is read from /proc after its first cycle (which reads every powered-on lab's usage), and again after 50",
      'owners ran `/lab list` and `/metrics` was scraped. *Sampled*: VmRSS every 100 ms from `/readyz` 200 to the end',
      'of the requests, median / largest. *Peak*: VmHWM, the largest resident set since spawn (start-up included). The',
      `${TRACKED.toLocaleString('en-US')} labs: 75% powered on, 25% suspended, a third of them 4-VM vSphere labs.`,
      '',
      `Local shell: start-up to the banner median **${fixed(shellMedian / 1000, 2)} s** (min ${fixed((shellMs[0] ?? NaN) / 1000, 2)}, max ${fixed((shellMs.at(-1) ?? NaN) / 1000, 2)}), RSS at the banner ${mb(shellRss)} MB (with the simulator in the process).`,
      '',
      '| HTTP mode | start-up to /readyz 200 s | VCD calls at start-up | RSS at ready MB | reaper cycle ms | RSS after it MB | RSS after requests MB | sampled p50 / max MB | peak RSS MB | V8 heap used / total MB | external MB | bot CPU per reaper interval s |',
      '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      row('idle, no labs', idle),
      row(`${TRACKED.toLocaleString('en-US')} labs tracked`, tracked),
      ...(plain
        ? [row(`${TRACKED.toLocaleString('en-US')} labs tracked, plain \`node\` (no flags)`, plain)]
        : []),
      '',
      `Issue 17 target 2, RSS ≤ ${RSS_TARGET_MB} MB with ${TRACKED.toLocaleString('en-US')} labs tracked after a reaper cycle and 50 \`/lab list\`: ` +
        `**${mb(tracked.afterRequests.rssMb)} MB, ${tracked.afterRequests.rssMb <= RSS_TARGET_MB ? 'met' : 'NOT met'}**; peak ≤ ${PEAK_TARGET_MB} MB: ` +
        `**${mb(trackedPeak)} MB, ${trackedPeak <= PEAK_TARGET_MB ? 'met' : 'NOT met'}**. The simulator runs in the benchmark's process, ` +
        "not the bot's: the figures are the bot alone. *V8 heap* and *external* are the bot's own prom-client gauges after the requests; " +
        '*bot CPU per reaper interval*: user + system seconds of the bot process from the end of one reaper cycle to the end of the next (10 s, the timed cycle included).',
      '',
      `Load average (1 min) at the start and end of the run: ${fixed(load.start, 1)} and ${fixed(loadavg()[0] ?? NaN, 1)} on ${cpus} cores.`,
      '',
      'Command: `npm run build && npx tsc -p bench/tsconfig.json && node dist/bench/bench/memory.js`.',
      '',
      machineLine(),
    ]);
    writeSection(NAME, text);
    console.log(text);
    console.log(`wrote ${path.relative(process.cwd(), DOC)}`);
    const verdicts: TargetVerdict[] = [
      {
        issue: 17,
        target: `memory: RSS ≤ ${RSS_TARGET_MB} MB with ${TRACKED} labs tracked after a reaper cycle and 50 \`/lab list\`, peak ≤ ${PEAK_TARGET_MB} MB`,
        met: tracked.afterRequests.rssMb <= RSS_TARGET_MB && trackedPeak <= PEAK_TARGET_MB,
        detail: `RSS ${mb(tracked.afterRequests.rssMb)} MB, peak ${mb(trackedPeak)} MB (V8 heap used ${mb(tracked.split.heapUsed)} MB of ${mb(tracked.split.heapTotal)} MB)`,
        source: 'bench/memory.ts',
      },
      {
        issue: 9,
        target: `memory: RSS idle and with ${TRACKED} labs tracked`,
        met: null,
        detail: `idle ${mb(idle.afterRequests.rssMb)} MB; ${TRACKED} labs ${mb(tracked.afterRequests.rssMb)} MB, peak ${mb(Math.max(tracked.afterReap.hwmMb, tracked.afterRequests.hwmMb))} MB`,
        source: 'bench/memory.ts',
      },
      {
        issue: 9,
        target: 'start-up time to ready',
        met: null,
        detail: `shell banner ${fixed(shellMedian / 1000, 2)} s (median of ${STARTS}); HTTP /readyz ${fixed(idle.readyMs / 1000, 2)} s idle, ${fixed(tracked.readyMs / 1000, 2)} s with ${TRACKED} labs`,
        source: 'bench/memory.ts',
      },
    ];
    reportTargets(verdicts);
  } finally {
    await slack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

/**
 * Scale-out benchmark (issue 17 target 5): 100 `/lab demo` at once on two labbot replicas sharing one PostgreSQL
 * database and one VCD simulator, against one replica doing the same 100 in the same run. Each replica is a full app
 * core (`composeCore`) with its own store connection pool and controller, as `labbot start` builds it; the deploys
 * are split evenly, each replica driving the labs it was asked for (claims keep the other off them). Checked from
 * the simulator and the store: every lab ready, one vApp per lab and one instantiation per vApp (no double deploys),
 * one `ready` event per lab across the replicas (none lost).
 *
 * The simulator: 50 ms added to every API call, task durations divided by `--speed` (default 10: 1.25 s of vApp tasks
 * per lab), no limit on simultaneous operations (VCD's default; the simulator's own default of 10 would make both
 * runs wait for the org's queue), and labbot.yml names no edge, so labs get no edge rules: an edge takes one change at
 * a time, so 100 labs' rules would queue behind each other on either edge kind and measure the edge, not the
 * replicas (bench/deploy.ts measures that). What is left is labbot's own work: its VCD calls through its controller
 * slots, task polling, the store and its CPU.
 *
 * The database: `LABBOT_BENCH_DATABASE_URL` or `LABBOT_TEST_DATABASE_URL` (as `.ci/start-postgres.sh` prints it)
 * names the server; the bench uses the database `labbot_perfscale` there (created if missing), dropping its tables
 * before each run.
 *
 * Run alone: `npm run build --silent && npx tsc -p bench/tsconfig.json && node dist/bench/bench/scale-out.js`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { composeCore, type Core } from '../src/compose-core';
import { loadConfig } from '../src/config/load-config';
import { type Lab } from '../src/labs/lab';
import { createSilentLogger } from '../src/observability/logger';
import { startVcdSim } from '../src/vcdsim/vcd-sim';
import { fixed, machineLine, percentile, reportTargets, section, writeSection } from './bench-doc';

const NAME = 'scale-out';
const LABS = 100;
const LATENCY_MS = 50;
const TEMPLATE = 'esxi8';
const DATABASE = 'labbot_perfscale';
const SERVER = process.env.LABBOT_BENCH_DATABASE_URL ?? process.env.LABBOT_TEST_DATABASE_URL;

function speedArg(argv: readonly string[]): number {
  const i = argv.indexOf('--speed');
  const value = i >= 0 ? Number(argv[i + 1]) : 10;
  if (!(value > 0)) {
    throw new Error(`--speed wants a positive number, got ${argv[i + 1]}`);
  }
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function withClient<T>(url: string, work: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** The bench's database on the server (created if missing), emptied of every table. */
async function freshDatabase(serverUrl: string): Promise<string> {
  const url = new URL(serverUrl);
  url.pathname = `/${DATABASE}`;
  await withClient(serverUrl, async (client) => {
    const found = await client.query('select 1 from pg_database where datname = $1', [DATABASE]);
    if (found.rowCount === 0) {
      await client.query(`create database ${DATABASE}`);
    }
  });
  await withClient(url.toString(), async (client) => {
    const tables = await client.query<{ tablename: string }>(
      "select tablename from pg_tables where schemaname = 'public'",
    );
    for (const { tablename } of tables.rows) {
      await client.query(`drop table if exists "${tablename.replace(/"/g, '""')}" cascade`);
    }
  });
  return url.toString();
}

interface RunResult {
  replicas: number;
  /** Labs each replica was asked for. */
  asked: number[];
  /** From the first command to each lab's readyAt, in s, sorted; only labs that became ready. */
  readyS: number[];
  ready: number;
  lastReadyS: number;
  /** Lab ids with a vApp count other than one. */
  vAppsPerLab: Map<string, number>;
  /** Instantiations started per vApp name (a double deploy makes two). */
  instantiations: Map<string, number>;
  /** `ready` events per lab id, across the replicas. */
  readyEvents: Map<string, number>;
  /** `ready` events each replica sent. */
  eventsByReplica: number[];
  strayVApps: number;
}

async function runWith(replicas: number, databaseUrl: string, speed: number): Promise<RunResult> {
  const dataDir = mkdtempSync(path.join(tmpdir(), `labbot-bench-scale-out-${replicas}-`));
  const sim = await startVcdSim({
    speedFactor: speed,
    maxConcurrentTasks: 0,
    vdcs: [{ name: 'lab-vdc', cpuLimitMhz: 0, memoryLimitMb: 0, storageLimitMb: 0 }],
    faults: { latency: [{ fixedMs: LATENCY_MS }] },
  });
  const logger = createSilentLogger();
  const cores: Core[] = [];
  const readyEvents = new Map<string, number>();
  const eventsByReplica = Array.from({ length: replicas }, () => 0);
  try {
    for (let r = 0; r < replicas; r++) {
      const config = loadConfig(
        {
          LABBOT_DATA_DIR: dataDir,
          DATABASE_URL: databaseUrl,
          LOG_LEVEL: 'silent',
          LABBOT_REPLICA_ID: `replica-${r}`,
          VCD_URL: sim.url,
          VCD_ORG: 'lab',
          VCD_VDC: 'lab-vdc',
          VCD_API_TOKEN: 'simulated-api-token',
        },
        {
          path: 'bench.yml',
          text: "limits: { maxLabsPerUser: 100, maxHourlySpendPerUser: 10000 }\nreaper: { cron: '0 0 1 1 *' }\n",
        },
      );
      const core = await composeCore(config, logger);
      core.setNotifier({
        labChanged: (lab, event) => {
          if (event.type === 'ready') {
            readyEvents.set(lab.id, (readyEvents.get(lab.id) ?? 0) + 1);
            eventsByReplica[r] = (eventsByReplica[r] ?? 0) + 1;
          }
          return Promise.resolve();
        },
        tellAdmins: () => Promise.resolve(),
      });
      cores.push(core);
    }
    const first = cores[0];
    if (first === undefined) {
      throw new Error('no replica');
    }
    const asked = Array.from({ length: replicas }, () => 0);
    const started = Date.now();
    // `/lab demo esxi8` from 100 people at once, every other one on the other replica (as a load balancer spreads them).
    const labs = await Promise.all(
      Array.from({ length: LABS }, (_, i) => {
        const r = i % replicas;
        asked[r] = (asked[r] ?? 0) + 1;
        const core = cores[r] ?? first;
        return core.service
          .deploy({ user: `UDEMO${String(i).padStart(3, '0')}`, kind: 'demo', template: TEMPLATE })
          .then((d) => d.lab);
      }),
    );
    const deadline = started + 15 * 60_000;
    let current: (Lab | undefined)[] = [];
    for (;;) {
      current = await Promise.all(labs.map((l) => first.store.labs.get(l.id)));
      const settled = current.every((l) => l?.phase === 'ready' || l?.phase === 'failed');
      if (settled || Date.now() > deadline) {
        break;
      }
      await sleep(250);
    }
    await Promise.all(cores.map((core) => core.controller.idle()));
    const readyS = current
      .map((l) => l?.readyAt?.getTime())
      .filter((t): t is number => t !== undefined)
      .map((t) => (t - started) / 1000)
      .sort((a, b) => a - b);
    const names = new Map(labs.map((l) => [l.vappName, l.id]));
    const vAppsPerLab = new Map(labs.map((l) => [l.id, 0]));
    let strayVApps = 0;
    for (const vApp of sim.state.vApps()) {
      const labId = names.get(vApp.name);
      if (labId === undefined) {
        strayVApps += 1;
      } else {
        vAppsPerLab.set(labId, (vAppsPerLab.get(labId) ?? 0) + 1);
      }
    }
    const instantiations = new Map<string, number>();
    for (const task of sim.state.tasks()) {
      if (task.operationName === 'vdcInstantiateVapp') {
        instantiations.set(task.ownerName, (instantiations.get(task.ownerName) ?? 0) + 1);
      }
    }
    return {
      replicas,
      asked,
      readyS,
      ready: current.filter((l) => l?.phase === 'ready').length,
      lastReadyS: readyS[readyS.length - 1] ?? NaN,
      vAppsPerLab,
      instantiations,
      readyEvents,
      eventsByReplica,
      strayVApps,
    };
  } finally {
    for (const core of cores) {
      await core.close();
    }
    await sim.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Every lab ready, with one vApp, one instantiation and one ready event; no vApp without a lab. */
function exactlyOnce(r: RunResult): boolean {
  const ones = (m: Map<string, number>): boolean => m.size === LABS && [...m.values()].every((n) => n === 1);
  return (
    r.ready === LABS &&
    ones(r.vAppsPerLab) &&
    ones(r.instantiations) &&
    ones(r.readyEvents) &&
    r.strayVApps === 0
  );
}

const perMinute = (r: RunResult): number => (r.ready / r.lastReadyS) * 60;

async function main(): Promise<void> {
  if (SERVER === undefined) {
    throw new Error(
      'set LABBOT_BENCH_DATABASE_URL or LABBOT_TEST_DATABASE_URL to a PostgreSQL server (eval "$(bash .ci/start-postgres.sh)")',
    );
  }
  const speed = speedArg(process.argv.slice(2));
  const results: RunResult[] = [];
  for (const replicas of [1, 2]) {
    console.log(`${LABS} × /lab demo ${TEMPLATE} at once on ${replicas} replica(s)…`);
    const databaseUrl = await freshDatabase(SERVER);
    const r = await runWith(replicas, databaseUrl, speed);
    console.log(
      `  ${r.ready}/${LABS} ready, last after ${fixed(r.lastReadyS, 2)} s, exactly once: ${exactlyOnce(r) ? 'yes' : 'NO'}`,
    );
    results.push(r);
  }
  const [one, two] = results;
  if (one === undefined || two === undefined) {
    throw new Error('a run is missing');
  }
  const allOnce = exactlyOnce(one) && exactlyOnce(two);
  const ratio = perMinute(two) / perMinute(one);
  const notSlower = two.lastReadyS <= one.lastReadyS;
  const met = allOnce && notSlower;
  const count = (m: Map<string, number>, pred: (n: number) => boolean): number =>
    [...m.values()].filter(pred).length;
  const row = (r: RunResult): string =>
    `| ${r.replicas} | ${r.asked.join(' / ')} | ${r.ready} | ${fixed(percentile(r.readyS, 50), 2)} | ${fixed(r.lastReadyS, 2)} | ` +
    `${fixed(perMinute(r))} | ${count(r.vAppsPerLab, (n) => n === 1)} | ${count(r.instantiations, (n) => n > 1)} | ` +
    `${count(r.vAppsPerLab, (n) => n === 0)} | ${r.strayVApps} | ${r.eventsByReplica.join(' / ')} | ${exactlyOnce(r) ? 'yes' : '**no**'} |`;
  const lines = [
    '## Scale-out: two replicas on PostgreSQL (`bench/scale-out.ts`, issue 17 target 5)',
    '',
    `${LABS} \`/lab demo ${TEMPLATE}\` at once (LabService.deploy, as the command runs it, one person each), split evenly over the`,
    'replicas: full app cores (`composeCore`) in this process, each with its own PostgreSQL connection pool and',
    `controller, on one database (\`${DATABASE}\`, its tables dropped before each run) and one VCD simulator; first one`,
    'replica doing all of them, then two, in the same run, each against a fresh simulator.',
    `The simulator: **${LATENCY_MS} ms** added to every call, task durations divided by **${speed}** (instantiate, metadata and`,
    `power-on: ${fixed(12.5 / speed, 2)} s of tasks per lab), **no limit** on simultaneous operations (VCD's default; the`,
    "simulator's own limit of 10 would make both runs wait for the org's queue), and **no edge rules** (labbot.yml names no",
    'edge): an edge applies one change at a time, so 100 labs would queue behind it on either kind (see the deploy',
    "section) and the bench would measure the edge, not the replicas. What is left is labbot's own work: its calls",
    'through its controller slots, task polling, the store and its CPU. The simulator shares this process: wall',
    'times include its CPU, and the machine was shared with other jobs.',
    '',
    '| replicas | labs asked per replica | ready | ready p50 s | last ready s | labs ready per minute | labs with one vApp | double instantiations | labs without a vApp | vApps without a lab | ready events per replica | every lab ready once |',
    '|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|',
    row(one),
    row(two),
    '',
    `**Issue 17 target 5** (two replicas deploying ${LABS} labs at once: every lab ready once, throughput against one replica): ` +
      `**${met ? 'met' : 'NOT met'}**: every lab ready exactly once in both runs: ${allOnce ? 'yes' : '**no**'}; ` +
      `two replicas ${fixed(perMinute(two))} labs ready per minute against ${fixed(perMinute(one))} for one (**${fixed(ratio, 2)}×**), ` +
      `the last ready after ${fixed(two.lastReadyS, 2)} s against ${fixed(one.lastReadyS, 2)} s (${notSlower ? 'not slower' : '**slower**'}).`,
    '',
    `Command: \`eval "$(bash .ci/start-postgres.sh)" && npm run build --silent && npx tsc -p bench/tsconfig.json && node dist/bench/bench/scale-out.js\` (\`--speed N\`).`,
    '',
    machineLine(),
  ];
  writeSection(NAME, section(NAME, lines));
  console.log(lines.join('\n'));
  reportTargets([
    {
      issue: 17,
      target: `scale-out: two replicas on PostgreSQL deploying ${LABS} labs at once, every lab ready once, throughput vs one replica`,
      met,
      detail:
        `every lab ready once: ${allOnce ? 'yes' : 'no'}; ${fixed(perMinute(two))} vs ${fixed(perMinute(one))} labs ready per minute ` +
        `(${fixed(ratio, 2)}×), last ready ${fixed(two.lastReadyS, 2)} s vs ${fixed(one.lastReadyS, 2)} s`,
      source: 'bench/scale-out.ts',
    },
  ]);
  if (!met) {
    process.exitCode = 1;
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

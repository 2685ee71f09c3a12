/**
 * Scheduled labs benchmark (issue 18 item 2): 30 labs scheduled for one time T on two replicas sharing one database,
 * in real time, against the VCD simulator with 50 ms added to every API call and task durations divided by `--speed`
 * (default 2, as bench/deploy.ts). First a few unscheduled deploys let labbot learn the template's p90 deploy time;
 * then 30 users each schedule a lab for T, and both replicas run their controller pass every minute (offset by half a
 * minute), as `labbot start` does. Reported: how many were ready at T, the spread of their ready times, how early
 * they were, and that each vApp was created exactly once.
 *
 * The replicas share PostgreSQL when `LABBOT_BENCH_DATABASE_URL` (or `LABBOT_TEST_DATABASE_URL`, as
 * `.ci/start-postgres.sh` prints it) names a server, in a schema of their own (as replicas are deployed); otherwise
 * one SQLite file. Two replicas in one process on SQLite measure better-sqlite3's synchronous busy waits
 * (one connection's wait blocks the event loop the other needs to finish its transaction), not labbot: a first run
 * so had deploys fail with "database is locked" and calls take 5 s each.
 *
 * Run alone: `npm run build --silent && npx tsc -p bench/tsconfig.json && node dist/bench/bench/scheduled-labs.js`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { composeCore, type Core } from '../src/compose-core';
import { LocalUserDirectory } from '../src/shell/local-user-directory';
import { loadConfig } from '../src/config/load-config';
import { type Lab } from '../src/labs/lab';
import { createSilentLogger } from '../src/observability/logger';
import { startVcdSim } from '../src/vcdsim/vcd-sim';
import { fixed, machineLine, percentile, reportTargets, section, writeSection } from './bench-doc';

const NAME = 'scheduled-labs';
const LATENCY_MS = 50;
const LABS = 30;
const WARMUP = 5;
const PASS_MS = 60_000;
const TEMPLATE = 'esxi8';
/** A PostgreSQL server for the replicas; the bench makes its own schema there and drops it after. */
const POSTGRES = process.env.LABBOT_BENCH_DATABASE_URL ?? process.env.LABBOT_TEST_DATABASE_URL;

function speedArg(argv: readonly string[]): number {
  const i = argv.indexOf('--speed');
  const value = i >= 0 ? Number(argv[i + 1]) : 2;
  if (!(value > 0)) {
    throw new Error(`--speed wants a positive number, got ${argv[i + 1]}`);
  }
  return value;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(check: () => Promise<boolean>, deadline: number): Promise<boolean> {
  while (Date.now() < deadline) {
    if (await check()) {
      return true;
    }
    await sleep(500);
  }
  return check();
}

/** A fresh schema on the PostgreSQL server, as test/store/test-databases.ts makes them: every connection starts in it. */
async function benchSchema(baseUrl: string): Promise<{ url: string; dispose: () => Promise<void> }> {
  const schema = `labbot_bench_${randomBytes(6).toString('hex')}`;
  const admin = async (statement: string): Promise<void> => {
    const client = new Client({ connectionString: baseUrl });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  await admin(`create schema ${schema}`);
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return { url: url.toString(), dispose: () => admin(`drop schema if exists ${schema} cascade`) };
}

async function main(): Promise<void> {
  const speed = speedArg(process.argv.slice(2));
  const dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-bench-scheduled-'));
  const sim = await startVcdSim({ speedFactor: speed, faults: { latency: [{ fixedMs: LATENCY_MS }] } });
  const logger = createSilentLogger();
  const postgres = POSTGRES !== undefined ? await benchSchema(POSTGRES) : undefined;
  const DATABASE_URL = postgres?.url;
  const cores: Core[] = [];
  const timers: NodeJS.Timeout[] = [];
  try {
    const replica = async (id: string): Promise<Core> => {
      const config = loadConfig(
        {
          LABBOT_DATA_DIR: dataDir,
          ...(DATABASE_URL !== undefined ? { DATABASE_URL } : {}),
          LOG_LEVEL: 'silent',
          LABBOT_REPLICA_ID: id,
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
      // Students are checked as a hand-off's receiver would be; the local directory takes any user id.
      core.setDirectory(new LocalUserDirectory());
      cores.push(core);
      return core;
    };
    const a = await replica('replica-a');
    const b = await replica('replica-b');

    console.log(`warm-up: ${WARMUP} unscheduled deploys to learn the deploy time…`);
    const warm: Lab[] = [];
    for (let i = 0; i < WARMUP; i++) {
      warm.push((await a.service.deploy({ user: `UWARM${i}`, kind: 'demo', template: TEMPLATE })).lab);
    }
    await waitFor(
      async () =>
        (await Promise.all(warm.map((l) => a.store.labs.get(l.id)))).every((l) => l?.phase === 'ready'),
      Date.now() + 10 * 60_000,
    );
    const learned = await a.store.labs.recentDeploys(TEMPLATE, 20);

    // The controller pass of each replica every minute, half a minute apart, as two `labbot start` would run it.
    const schedulePasses = (core: Core, offsetMs: number): void => {
      timers.push(
        setTimeout(() => {
          void core.pass();
          timers.push(setInterval(() => void core.pass(), PASS_MS));
        }, offsetMs),
      );
    };
    schedulePasses(a, 0);
    schedulePasses(b, PASS_MS / 2);

    // T: the next whole minute at least 3 minutes ahead (the p90 rounds up to a minute, plus one pass, plus a margin).
    const readyBy = new Date(Math.ceil((Date.now() + 3 * 60_000) / 60_000) * 60_000);
    console.log(`scheduling a class of ${LABS} for ${readyBy.toISOString()} on two replicas…`);
    // One `/lab class … at T` by a trainer (the use case the command runs), one lab per student.
    const { labs: scheduled } = await a.classes.create({
      trainer: 'UTRAINER',
      channel: 'CCLASS',
      template: TEMPLATE,
      students: Array.from({ length: LABS }, (_, i) => ({ user: `USTUDENT${String(i).padStart(2, '0')}` })),
      name: 'bench-class',
      readyBy,
    });
    const deployAt = scheduled[0]?.deployAt ?? readyBy;
    const plannedMinutes = Math.round((readyBy.getTime() - deployAt.getTime()) / 60_000);
    await waitFor(
      async () =>
        (await Promise.all(scheduled.map((l) => a.store.labs.get(l.id)))).every(
          (l) => l?.readyAt !== undefined,
        ),
      readyBy.getTime() + 10 * 60_000,
    );
    for (const timer of timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    await Promise.all(cores.map((core) => core.controller.idle()));

    const labs = (await Promise.all(scheduled.map((l) => a.store.labs.get(l.id)))).filter(
      (l): l is Lab => l !== undefined,
    );
    const readyTimes = labs
      .map((l) => l.readyAt?.getTime())
      .filter((t): t is number => t !== undefined)
      .sort((x, y) => x - y);
    const onTime = readyTimes.filter((t) => t <= readyBy.getTime()).length;
    const first = readyTimes[0] ?? NaN;
    const last = readyTimes[readyTimes.length - 1] ?? NaN;
    const earlyS = readyTimes.map((t) => (readyBy.getTime() - t) / 1000).sort((x, y) => x - y);
    const vapps = await a.cloud.listManagedVApps();
    const names = vapps.map((v) => v.name);
    const scheduledNames = new Set(labs.map((l) => l.vappName));
    const createdOnce =
      names.filter((n) => scheduledNames.has(n)).length === LABS && new Set(names).size === names.length;
    const warmMinutes = learned.map((d) => d.minutes).sort((x, y) => x - y);

    const lines = [
      `## Scheduled labs: a class of ${LABS} ready by one time T on two replicas (issue 18)`,
      '',
      `\`bench/scheduled-labs.ts\`, real time: two labbot replicas (own connection pools, one ${DATABASE_URL !== undefined ? 'PostgreSQL' : 'SQLite'} database) against the VCD`,
      `simulator with ${LATENCY_MS} ms added to every API call and task durations divided by **${speed}**; each replica runs its`,
      `controller pass every minute, half a minute apart. ${WARMUP} unscheduled deploys first (${warmMinutes.map((m) => fixed(m, 2)).join(', ')} min)`,
      `taught labbot the template's deploy time (p90 of recent deploys, rounded up to a minute, plus one pass: **${plannedMinutes} min**).`,
      `A trainer's \`/lab class … at T\` (ClassService.create with a ready-by time) scheduled one lab per student; deploys`,
      `were due from ${deployAt.toISOString().slice(11, 19)} UTC for T = ${readyBy.toISOString().slice(11, 19)} UTC.`,
      '',
      `| figure | value |`,
      `|---|---|`,
      `| ready at T | **${onTime} / ${LABS}** |`,
      `| spread of ready times (last − first) | **${fixed((last - first) / 1000)} s** |`,
      `| ready before T (min / p50 / max) | ${fixed(earlyS[0] ?? NaN)} / ${fixed(percentile(earlyS, 50))} / ${fixed(earlyS[earlyS.length - 1] ?? NaN)} s |`,
      `| each vApp created exactly once across the replicas | ${createdOnce ? 'yes' : '**no**'} (${names.length} vApps for ${LABS + WARMUP} labs) |`,
      '',
      `Storage bills from each lab's deploy (${fixed((readyBy.getTime() - deployAt.getTime()) / 60_000)} min before T), CPU and RAM from power-on; a lab`,
      'deployed at once when asked would have billed from the request.',
      '',
      machineLine(),
      '',
    ];
    writeSection(NAME, section(NAME, lines));
    console.log(lines.join('\n'));
    reportTargets([
      {
        issue: 18,
        target: `a class of ${LABS} scheduled for T: how many were ready at T, and the spread of their ready times`,
        met: onTime === LABS && createdOnce,
        detail: `${onTime}/${LABS} ready at T, spread ${fixed((last - first) / 1000)} s, ${createdOnce ? 'each vApp created once' : 'a vApp created twice or missing'}`,
        source: 'bench/scheduled-labs.ts',
      },
    ]);
  } finally {
    for (const timer of timers) {
      clearTimeout(timer);
      clearInterval(timer);
    }
    for (const core of cores) {
      await core.close();
    }
    await sim.close();
    await postgres?.dispose();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

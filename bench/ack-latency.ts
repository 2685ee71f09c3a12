/**
 * Ack latency of `/lab list` under concurrent signed requests (issue 6, must show 2): the real app in HTTP mode on
 * loopback with the embedded simulator, against a bare Bolt app answering the same requests with a fixed reply
 * (the floor: what Bolt, Node's HTTP server and signature checks cost on this machine). Writes its section of
 * docs/benchmarks.md and exits 1 if any ack took 3 s or more, or was not a 200.
 *
 * Run: `npm run bench` (compiles with bench/tsconfig.json, then runs from dist/bench). Not a timed test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { App, LogLevel } from '@slack/bolt';
import { loadConfig } from '../src/config/load-config';
import { startLabbot } from '../src/main';
import { createSilentLogger } from '../src/observability/logger';
import { FakeSlackApi } from '../test/helpers/fake-slack-api';
import { signSlackRequest, slashCommandBody } from '../test/helpers/slack-signing';
import { DOC, machineLine, percentile, reportTargets, section as wrap, writeSection } from './bench-doc';

const SECRET = 'bench-signing-secret';
const LEVELS = [1, 50, 200] as const;
/** Rounds per concurrency level; level 1 runs sequential requests so that its percentiles mean something. */
const ROUNDS: Record<(typeof LEVELS)[number], number> = { 1: 100, 50: 10, 200: 5 };
const WARMUP = 20;
const DEADLINE_MS = 3000;
const NAME = 'ack-latency';
/** Issue 17 target 4. */
const P99_RATIO_TARGET = 1.3;

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
  failures: number;
}

function stats(samples: number[], failures: number): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? NaN,
    failures,
  };
}

/** One signed `/lab list` POST; resolves with its latency in ms, or rejects on a non-200. */
async function ackOnce(url: string, responseUrl: string, user: string): Promise<number> {
  const body = slashCommandBody({ text: 'list', responseUrl, userId: user, channelId: 'C0BENCH' });
  const headers = signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000));
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.arrayBuffer();
  const ms = performance.now() - started;
  if (response.status !== 200) {
    throw new Error(`HTTP ${response.status}`);
  }
  return ms;
}

async function measure(url: string, responseUrl: string): Promise<Map<number, Stats>> {
  for (let i = 0; i < WARMUP; i++) {
    await ackOnce(url, responseUrl, 'U0BENCH');
  }
  const results = new Map<number, Stats>();
  for (const level of LEVELS) {
    const samples: number[] = [];
    let failures = 0;
    for (let round = 0; round < ROUNDS[level]; round++) {
      const settled = await Promise.allSettled(
        Array.from({ length: level }, () => ackOnce(url, responseUrl, 'U0BENCH')),
      );
      for (const outcome of settled) {
        if (outcome.status === 'fulfilled') {
          samples.push(outcome.value);
        } else {
          failures += 1;
        }
      }
    }
    results.set(level, stats(samples, failures));
  }
  return results;
}

/** The real labbot, with three labs of the benchmark user deployed and ready, so `list` has rows to render. */
async function measureLabbot(slack: FakeSlackApi): Promise<Map<number, Stats>> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-bench-'));
  const config = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-bench',
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    LABBOT_DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
  });
  const running = await startLabbot(
    config,
    { stdin: new PassThrough(), stdout: new PassThrough() },
    { logger: createSilentLogger(), simSpeedFactor: 500 },
  );
  try {
    const url = `http://127.0.0.1:${running.port ?? 0}/slack/events`;
    for (const template of ['esxi8', 'esxi7', 'esxi8']) {
      const body = slashCommandBody({
        text: `demo ${template}`,
        responseUrl: slack.responseUrl(),
        userId: 'U0BENCH',
        channelId: 'C0BENCH',
      });
      await fetch(url, {
        method: 'POST',
        headers: signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000)),
        body,
      });
    }
    for (let readyCount = 0; readyCount < 3;) {
      const update = await slack.waitFor('chat.update', slack.callsTo('chat.update').length + 1);
      readyCount += JSON.stringify(update.body).includes(': ready') ? 1 : 0;
    }
    return await measure(url, slack.responseUrl());
  } finally {
    await running.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Bolt alone: the same endpoint, signature check and receiver, acking with a fixed ephemeral list. */
async function measureFloor(slack: FakeSlackApi): Promise<Map<number, Stats>> {
  const app = new App({
    token: 'xoxb-bench',
    botId: 'B0BENCH',
    botUserId: 'U0BOT',
    signingSecret: SECRET,
    logLevel: LogLevel.ERROR,
    clientOptions: { slackApiUrl: slack.apiUrl },
  });
  app.command('/lab', async ({ ack }) => {
    await ack({ response_type: 'ephemeral', text: 'Your labs (3)' });
  });
  const server = await app.start({ port: 0, host: '127.0.0.1' });
  try {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return await measure(`http://127.0.0.1:${port}/slack/events`, slack.responseUrl());
  } finally {
    await app.stop();
  }
}

const ms = (value: number) => (Number.isFinite(value) ? value.toFixed(1) : 'n/a');
const ratio = (a: number, b: number) => (b > 0 ? `${(a / b).toFixed(1)}×` : 'n/a');

function section(labbot: Map<number, Stats>, floor: Map<number, Stats>, ok: boolean): string {
  const rows = LEVELS.map((level) => {
    const l = labbot.get(level)!;
    const f = floor.get(level)!;
    return `| ${level} | ${l.n} | ${ms(l.p50)} | ${ms(l.p99)} | ${ms(l.max)} | ${ms(f.p50)} | ${ms(f.p99)} | ${ms(f.max)} | ${ratio(l.p50, f.p50)} | ${ratio(l.p99, f.p99)} | ${l.failures + f.failures} |`;
  });
  return wrap(NAME, [
    '## Slack ack latency (`bench/ack-latency.ts`)',
    '',
    'Signed `/lab list` slash commands posted concurrently to `/slack/events` over loopback; latency is from',
    'sending the request to receiving the ack (HTTP 200). **labbot** is the real app in HTTP mode with the embedded',
    'simulator and three ready labs of the caller (SQLite store); **floor** is a bare Bolt app acking the same',
    'requests with a fixed reply. Level 1 is sequential requests; the others are rounds of that many at once.',
    `Slack's deadline is ${DEADLINE_MS} ms; labbot's listener acks "Working on it…" at 2.5 s at the latest.`,
    '',
    '| concurrent | samples | labbot p50 ms | labbot p99 ms | labbot max ms | floor p50 ms | floor p99 ms | floor max ms | p50 ratio | p99 ratio | failures |',
    '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
    ...rows,
    '',
    `Every ack within ${DEADLINE_MS} ms at 200 concurrent: **${ok ? 'yes' : 'NO'}**.`,
    '',
    `Issue 17 target 4, p99 ≤ ${P99_RATIO_TARGET}× the floor's at 50 and at 200 concurrent (same run): ` +
      [50, 200]
        .map((level) => {
          const r = (labbot.get(level)?.p99 ?? NaN) / (floor.get(level)?.p99 ?? NaN);
          return `${r.toFixed(2)}× at ${level}, **${r <= P99_RATIO_TARGET ? 'met' : 'NOT met'}**`;
        })
        .join('; ') +
      '.',
    '',
    'Command: `npx tsc -p bench/tsconfig.json && node dist/bench/bench/ack-latency.js`.',
    '',
    machineLine(),
  ]);
}

async function main(): Promise<void> {
  const slack = await FakeSlackApi.start();
  try {
    console.log('measuring labbot…');
    const labbot = await measureLabbot(slack);
    console.log('measuring the bare Bolt floor…');
    const floor = await measureFloor(slack);
    const worst = labbot.get(200);
    const ok = worst !== undefined && worst.failures === 0 && worst.max < DEADLINE_MS;
    const text = section(labbot, floor, ok);
    writeSection(NAME, text);
    console.log(text);
    const ratioAt = (level: number): number =>
      (labbot.get(level)?.p99 ?? NaN) / (floor.get(level)?.p99 ?? NaN);
    reportTargets([
      {
        issue: 17,
        target: `acks: p99 ≤ ${P99_RATIO_TARGET}× the bare-Bolt floor at 50 and at 200 concurrent, in the same run`,
        met: ratioAt(50) <= P99_RATIO_TARGET && ratioAt(200) <= P99_RATIO_TARGET,
        detail: `p99 ratio ${ratioAt(50).toFixed(2)}× at 50, ${ratioAt(200).toFixed(2)}× at 200`,
        source: 'bench/ack-latency.ts',
      },
      {
        issue: 6,
        target: 'every ack of 200 concurrent signed `/lab list` requests within 3 s',
        met: ok,
        detail: `p50 ${ms(worst?.p50 ?? NaN)} ms, p99 ${ms(worst?.p99 ?? NaN)} ms, max ${ms(worst?.max ?? NaN)} ms, ${worst?.failures ?? 0} failures at 200 concurrent`,
        source: 'bench/ack-latency.ts',
      },
    ]);
    console.log(`wrote ${path.relative(process.cwd(), DOC)}`);
    if (!ok) {
      process.exitCode = 1;
    }
  } finally {
    await slack.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

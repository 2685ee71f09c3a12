/**
 * Fuzz: malformed Slack requests to the real app in HTTP mode (as test/e2e/slack-http.test.ts starts it: a fake
 * Slack Web API, the embedded simulator as VCD, requests signed with the signing secret). Bodies are broken in the
 * ways the issue names and a few more: bad JSON in `payload=`, wrong content types, missing fields (no user, no
 * trigger_id, no actions, no view), wrong types, huge values (1 MB text, 10,000 actions), unknown action ids,
 * buttons for labs that do not exist, view submissions with garbage state, url_verification variants, unsigned and
 * stale-signed requests. For every request:
 * - the server answers, within a deadline, with a status Bolt's HTTP receiver gives by design: 2xx; 400 (body not
 *   parseable), 401 (signature), 404 (no listener acked within 3 s: Bolt's unhandled-request answer), 413 (over its
 *   4 MB body limit); 500 only where Bolt itself answers so, which is when a listener or Bolt's own middleware threw
 *   before the ack. A 500 is accepted only for payloads without a usable user (nobody to tell);
 * - a slash command from an identifiable person is answered with an ephemeral message that is a clear refusal or
 *   help, and a button for a lab that does not exist gets the presser an ephemeral refusal on its response_url;
 * - no unhandled rejection or uncaught exception (jest fails the test on either; see settle() in fuzz-random.ts);
 * afterwards the server still answers a good signed `/lab help`.
 * Seeded: LABBOT_FUZZ_SEED replays or varies a run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { loadConfig } from '../../src/config/load-config';
import { startLabbot, type Running } from '../../src/main';
import { FakeSlackApi, type RecordedCall } from '../helpers/fake-slack-api';
import { recordingLogger, type LogLine } from '../helpers/logger';
import {
  blockActionsBody,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionBody,
} from '../helpers/slack-signing';
import { randomCommand, INJECTIONS } from './command-strings';
import { FUZZ_SEED, FUZZ_TIMEOUT_MS, FuzzFailures, FuzzRandom, settle } from './fuzz-random';

const SECRET = 'fuzz-slack-signing-secret';
const REQUESTS = 400;
/** Requests in flight at once: those no listener acks take Bolt's 3 s, so they go in parallel. */
const BATCH = 200;
const ANSWER_DEADLINE_MS = 15_000;

/** Deploying is limited to a user group nobody here is in: random commands never start VCD work. */
const POLICY = `
admins: [U0ADMIN]
access:
  deployUserGroups: [S0NOBODY]
`;

const ACTION_IDS = [
  'lab_extend',
  'lab_suspend',
  'lab_resume',
  'lab_teardown',
  'reap_keep_2h',
  'reap_keep_tomorrow',
  'reap_in_use',
  'lab_new',
  'no_such_action',
  '',
];

/** What a case sends, and what it lets us expect. */
interface FuzzRequest {
  kind: string;
  body: string;
  headers: Record<string, string>;
  /** The answer must be an ephemeral message (slash command from a known user with text to run). */
  expectEphemeralAck?: boolean;
  /** The command text sent, when there is one (what the person typed may be echoed back). */
  text?: string;
  /** The person must get an ephemeral refusal on this response_url path. */
  expectRefusalAt?: string;
  /** A 500 is acceptable: nobody identifiable to tell, and Bolt answers 500 when a listener throws before ack. */
  mayFail?: boolean;
}

const now = (): number => Math.floor(Date.now() / 1000);

function signed(body: string, contentType?: string): Record<string, string> {
  return signSlackRequest(SECRET, body, now(), contentType);
}

/** Either a sensible value or a wrongly typed or hostile one. */
function wild(random: FuzzRandom, sensible: unknown): unknown {
  if (random.chance(0.6)) {
    return sensible;
  }
  return random.pick<unknown>([
    undefined,
    null,
    42,
    -1,
    true,
    [],
    {},
    '',
    'x'.repeat(10_000),
    { id: 'U0X' },
    [sensible],
    random.pick(INJECTIONS),
  ]);
}

function dropSome(random: FuzzRandom, record: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(record)) {
    if (!random.chance(0.15)) {
      out[key] = wild(random, value);
    }
  }
  return out;
}

function form(fields: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) {
      params.set(key, typeof value === 'string' ? value : JSON.stringify(value));
    }
  }
  return params.toString();
}

function generate(random: FuzzRandom, slack: FakeSlackApi, n: number): FuzzRequest {
  const responsePath = `fuzz/${n}`;
  const responseUrl = slack.responseUrl(responsePath);
  switch (random.int(0, 9)) {
    case 0: {
      // A slash command as Slack sends it, with random (often hostile, sometimes 1 MB) text.
      const text = random.chance(0.05) ? 'demo '.repeat(200_000) : randomCommand(random);
      const body = slashCommandBody({ text, responseUrl, userId: random.pick(['U0ALICE', 'U0ADMIN']) });
      // Empty text opens the deploy form, whose views.open the fake answers; everything else answers in the ack.
      return {
        kind: 'slash command',
        body,
        headers: signed(body),
        expectEphemeralAck: text.trim() !== '',
        text,
      };
    }
    case 1: {
      // A slash command with fields missing or of the wrong type.
      const fields = dropSome(random, {
        token: 'x',
        team_id: 'T0FAKE',
        channel_id: 'C0LABS',
        user_id: 'U0ALICE',
        command: '/lab',
        text: randomCommand(random),
        response_url: responseUrl,
        trigger_id: '1.2.abc',
        api_app_id: 'A0LABBOT',
      });
      const body = form(fields);
      return { kind: 'slash command, fields missing or wrong', body, headers: signed(body), mayFail: true };
    }
    case 2: {
      // A button press: real or unknown action ids, labs that do not exist, hostile values.
      const actionId = random.pick(ACTION_IDS);
      const value = random.pick(['demo-zzz', 'repro-nope-1', '', 'x'.repeat(2_000), random.pick(INJECTIONS)]);
      const home = random.chance(0.2);
      const body = blockActionsBody({
        actionId,
        value,
        userId: 'U0ALICE',
        container: home ? { type: 'home' } : { type: 'message', channelId: 'C0LABS', messageTs: '1.2' },
        responseUrl,
      });
      const labButton = actionId.startsWith('lab_') && actionId !== 'lab_new';
      return {
        kind: `button ${actionId}`,
        body,
        headers: signed(body),
        ...(labButton && !home ? { expectRefusalAt: `/commands/${responsePath}` } : {}),
      };
    }
    case 3: {
      // block_actions with parts missing or mistyped, or 10,000 actions.
      const payload = dropSome(random, {
        type: 'block_actions',
        team: { id: 'T0FAKE' },
        user: { id: 'U0ALICE' },
        api_app_id: 'A0LABBOT',
        trigger_id: '2.3.def',
        container: { type: 'message', message_ts: '1.2', channel_id: 'C0LABS' },
        channel: { id: 'C0LABS' },
        response_url: responseUrl,
        actions: random.chance(0.1)
          ? Array.from({ length: 10_000 }, (_, i) => ({
              action_id: 'lab_extend',
              value: `demo-${i}`,
              type: 'button',
            }))
          : [{ action_id: random.pick(ACTION_IDS), value: 'demo-zzz', type: 'button', block_id: 'b' }],
      });
      const body = form({ payload });
      return { kind: 'block_actions, fields missing or wrong', body, headers: signed(body), mayFail: true };
    }
    case 4: {
      // A deploy form submission with garbage state values and metadata.
      const values: Record<string, Record<string, unknown>> = {};
      for (const field of [
        'kind',
        'template',
        'ticket',
        'duration',
        random.pick(['x', '__proto__', 'constructor']),
      ]) {
        values[field] = {
          [field]: wild(random, {
            type: 'static_select',
            selected_option: {
              value: random.pick(['demo', 'repro', 'esxi8', '4h', random.pick(INJECTIONS)]),
            },
          }),
        };
      }
      const body = viewSubmissionBody({
        callbackId: random.pick(['lab_deploy', 'lab_deploy', 'unknown_modal']),
        userId: 'U0ALICE',
        values: random.chance(0.1) ? (random.pick([null, 'x', 1]) as unknown as typeof values) : values,
        privateMetadata: random.pick([
          '',
          '{}',
          'not json',
          '{"from":"home"}',
          '{"channel":"<!channel>"}',
          '{"channel":"C0LABS"}',
          'x'.repeat(5_000),
        ]),
      });
      return { kind: 'view_submission', body, headers: signed(body), mayFail: true };
    }
    case 5: {
      // view_submission without user or view, other interactive types, and unknown ones.
      const payload = dropSome(random, {
        type: random.pick([
          'view_submission',
          'view_closed',
          'shortcut',
          'message_action',
          'block_suggestion',
          'nope',
          7,
        ]),
        user: { id: 'U0ALICE' },
        view: { id: 'V1', callback_id: 'lab_deploy', state: { values: 'garbage' }, private_metadata: 3 },
        trigger_id: '3.4.ghi',
        callback_id: 'lab_deploy',
        team: { id: 'T0FAKE' },
      });
      const body = form({ payload });
      return { kind: 'interactive payload, odd type', body, headers: signed(body), mayFail: true };
    }
    case 6: {
      // Bad JSON in payload=, and payloads that are JSON but not objects.
      const payload = random.pick([
        '{',
        '{"type":',
        'not json',
        '[]',
        'null',
        '42',
        '"block_actions"',
        '{"type":"block_actions"}',
        '{"type":"block_actions","actions":"lab_extend"}',
        `{"type":"block_actions","user":{"id":"U0ALICE"},"actions":[null]}`,
        '\u0000',
      ]);
      const body = `payload=${encodeURIComponent(payload)}`;
      return { kind: 'payload= not a usable object', body, headers: signed(body), mayFail: true };
    }
    case 7: {
      // Events API: url_verification variants and event_callbacks with missing or odd events.
      const event = random.pick<unknown>([
        undefined,
        null,
        {},
        { type: 'app_home_opened' },
        { type: 'app_home_opened', user: 'U0ALICE', tab: 'home' },
        { type: 'app_home_opened', user: { id: 'U0ALICE' }, tab: 'home' },
        { type: 'app_home_opened', user: 'U0ALICE', tab: 'messages' },
        { type: 'message', text: '<!channel>' },
        { type: 'no_such_event' },
      ]);
      const json = random.pick<unknown>([
        { type: 'url_verification', challenge: 'abc123', token: 'x' },
        { type: 'url_verification' },
        { type: 'url_verification', challenge: { nested: true } },
        { type: 'url_verification', challenge: 'c'.repeat(100_000) },
        { type: 'event_callback', event, event_id: `Ev${n}`, team_id: 'T0FAKE', api_app_id: 'A0LABBOT' },
        { type: 'event_callback', event, event_id: `Ev${n}`, team_id: 'T0FAKE', api_app_id: 'A0LABBOT' },
        { type: 'app_rate_limited' },
        { type: 42 },
        {},
      ]);
      const body = JSON.stringify(json);
      return { kind: 'events API body', body, headers: signed(body, 'application/json'), mayFail: true };
    }
    case 8: {
      // Wrong or missing content types and bodies that are not what they claim to be.
      const body = random.pick([
        slashCommandBody({ text: 'help', responseUrl }),
        '{"type":"url_verification","challenge":"x"}',
        '<xml/>',
        '',
        'a=b&a=c&payload=%7B',
        '%%%',
      ]);
      const contentType = random.pick([
        'text/plain',
        'application/json',
        'application/x-www-form-urlencoded; charset=utf-8',
        'multipart/form-data; boundary=x',
        'application/xml',
        '',
      ]);
      return {
        kind: `content type ${JSON.stringify(contentType)}`,
        body,
        headers: signed(body, contentType),
        mayFail: true,
      };
    }
    default: {
      // Unsigned, wrongly signed, stale, future and garbled timestamps, a signature for another body.
      const body = slashCommandBody({ text: 'help', responseUrl });
      const fresh = signed(body);
      const variants: Record<string, string>[] = [
        { 'content-type': 'application/x-www-form-urlencoded' },
        { ...fresh, 'x-slack-signature': 'v0=deadbeef' },
        { ...fresh, 'x-slack-signature': '' },
        signSlackRequest(SECRET, body, now() - 600),
        signSlackRequest(SECRET, body, now() + 600),
        { ...fresh, 'x-slack-request-timestamp': 'yesterday' },
        { ...signSlackRequest(SECRET, `${body}&x=1`, now()) },
        signSlackRequest('another-secret', body, now()),
      ];
      return { kind: 'bad signature', body, headers: random.pick(variants) };
    }
  }
}

describe(`fuzz: malformed Slack requests to the HTTP app (seed ${FUZZ_SEED})`, () => {
  let slack: FakeSlackApi;
  let running: Running;
  let dataDir: string;
  let baseUrl: string;
  const logged: LogLine[] = [];

  beforeAll(async () => {
    slack = await FakeSlackApi.start();
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-fuzz-slack-'));
    const config = loadConfig(
      {
        SLACK_BOT_TOKEN: 'xoxb-fuzz',
        SLACK_SIGNING_SECRET: SECRET,
        SLACK_API_URL: slack.apiUrl,
        PORT: '0',
        LABBOT_DATA_DIR: dataDir,
      },
      { path: 'labbot.yml', text: POLICY },
    );
    running = await startLabbot(
      config,
      { stdin: new PassThrough(), stdout: new PassThrough() },
      { logger: recordingLogger(logged), simSpeedFactor: 500 },
    );
    baseUrl = `http://127.0.0.1:${running.port ?? 0}`;
  });

  afterAll(async () => {
    await running.stop();
    await slack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function send(request: Pick<FuzzRequest, 'body' | 'headers'>) {
    const response = await fetch(`${baseUrl}/slack/events`, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(ANSWER_DEADLINE_MS),
    });
    return { status: response.status, text: await response.text() };
  }

  it(
    'answers every malformed request by design, tells identifiable people why, and keeps serving',
    async () => {
      const random = new FuzzRandom(FUZZ_SEED);
      const failures = new FuzzFailures('Slack payloads');
      const statuses = new Map<number, number>();
      const expectations: { n: number; request: FuzzRequest }[] = [];

      for (let start = 0; start < REQUESTS; start += BATCH) {
        const batch = Array.from({ length: Math.min(BATCH, REQUESTS - start) }, (_, i) => {
          const n = start + i;
          return { n, request: generate(random.fork(n), slack, n) };
        });
        await Promise.all(
          batch.map(async ({ n, request }) => {
            const label = `${request.kind}: ${request.body}`;
            let answer: { status: number; text: string };
            try {
              answer = await send(request);
            } catch (error) {
              failures.add(n, label, `no answer: ${String(error)}`);
              return;
            }
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            checkAnswer(failures, n, label, request, answer);
            if (request.expectRefusalAt !== undefined) {
              expectations.push({ n, request });
            }
          }),
        );
      }

      // Refusals on response_url are sent after the ack: wait for each one.
      for (const { n, request } of expectations) {
        const posted = await responseAt(slack, request.expectRefusalAt ?? '');
        if (!posted) {
          failures.add(
            n,
            `${request.kind}: ${request.body}`,
            `no ephemeral refusal at ${request.expectRefusalAt}`,
          );
          continue;
        }
        if (posted.body.response_type !== 'ephemeral' || !/:warning:/.test(JSON.stringify(posted.body))) {
          failures.add(
            n,
            request.kind,
            `refusal not an ephemeral error: ${JSON.stringify(posted.body).slice(0, 200)}`,
          );
        }
      }
      await settle();

      // Still serving: a good signed `/lab help` is answered, the same body unsigned is still refused.
      const helpBody = slashCommandBody({ text: 'help', responseUrl: slack.responseUrl() });
      const unsigned = await send({
        body: helpBody,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      const helpAnswer = await send({ body: helpBody, headers: signed(helpBody) });

      expect(failures.report()).toEqual([]);
      expect(programmingErrors(logged)).toEqual([]);
      expect(unsigned.status).toBe(401);
      expect(helpAnswer.status).toBe(200);
      expect(helpAnswer.text).toContain('/lab status LAB');
      // The mix reached the listeners, not only the signature check.
      expect(statuses.get(200) ?? 0).toBeGreaterThan(REQUESTS / 4);
    },
    FUZZ_TIMEOUT_MS,
  );
});

/**
 * Errors labbot's own code logged that are bugs in it rather than the outside world failing: a TypeError (other than
 * Node's invalid-URL one, which a garbage response_url gives), RangeError or ReferenceError. Bolt's own log lines
 * (`Slack SDK log`) are its by-design answers to bad payloads and are left out.
 */
function programmingErrors(entries: LogLine[]): string[] {
  return entries
    .filter((e) => e.level === 'error' && e.message !== 'Slack SDK log')
    .filter((e) => {
      const err = e.fields.err;
      return (
        (err instanceof TypeError && (err as { code?: string }).code !== 'ERR_INVALID_URL') ||
        err instanceof RangeError ||
        err instanceof ReferenceError
      );
    })
    .map((e) => `${e.message}: ${String(e.fields.err)} ${JSON.stringify(e.fields).slice(0, 200)}`);
}

/**
 * The response_url post to `path`, now or when it arrives (event driven, like test/e2e's callMatching), or undefined
 * when none came within the answer deadline.
 */
async function responseAt(slack: FakeSlackApi, path: string): Promise<RecordedCall | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ANSWER_DEADLINE_MS);
  });
  const matching = (async () => {
    for (let n = 1; ; n++) {
      const call = await slack.waitFor('response_url', n);
      if (call.path === path) {
        return call;
      }
    }
  })();
  try {
    return await Promise.race([matching, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/** Statuses Bolt's HTTP receiver answers by design (see the file comment). */
const BY_DESIGN = new Set([200, 400, 401, 404, 413]);

function checkAnswer(
  failures: FuzzFailures,
  n: number,
  label: string,
  request: FuzzRequest,
  answer: { status: number; text: string },
): void {
  if (!BY_DESIGN.has(answer.status) && !(answer.status === 500 && request.mayFail === true)) {
    failures.add(n, label, `status ${answer.status}`);
    return;
  }
  if (request.expectEphemeralAck !== true) {
    return;
  }
  if (answer.status !== 200) {
    failures.add(n, label, `slash command answered ${answer.status}`);
    return;
  }
  let body: { response_type?: string; text?: string };
  try {
    body = JSON.parse(answer.text) as typeof body;
  } catch {
    failures.add(n, label, `slash command ack is not a message: ${answer.text.slice(0, 100)}`);
    return;
  }
  if (body.response_type !== 'ephemeral' || typeof body.text !== 'string' || body.text.trim() === '') {
    failures.add(n, label, `slash command ack is not an ephemeral message: ${answer.text.slice(0, 200)}`);
  } else {
    const leak = ['Something went wrong', 'undefined', '[object Object]'].find(
      (word) => body.text?.includes(word) === true && request.text?.includes(word) !== true,
    );
    if (leak !== undefined) {
      failures.add(n, label, `slash command ack is not a clear answer: ${body.text.slice(0, 200)}`);
    }
  }
}

/**
 * Fuzz: 10,000 random `/lab …` texts through the real command runner (createCommandRunner) and the real LabService
 * on the real SQLite store, as random people (a lab owner, a stranger, an admin). Every text runs the whole path,
 * not a parse-only sample: with no controller attached (the waker does nothing) a deploy is a few SQLite writes, so
 * the suite stays within seconds and no VCD work starts. Each reply is also rendered to Block Kit, as Slack would
 * get it. For each text:
 * - the runner resolves (never rejects) and nothing it started rejects unhandled;
 * - an error reply is a refusal written for people (a UserError), never the "something went wrong" of an unexpected
 *   failure, never a stack trace, `undefined`, `NaN` or `[object Object]` the person did not type;
 * - nothing the person typed reaches mrkdwn unescaped: the rendered message has no `<!…>`, link or stray `&`/`<`/`>`,
 *   and its only mentions are real user ids;
 * - metrics name the same verb the parser understood (commandVerb agrees with parseCommand).
 * Seeded: LABBOT_FUZZ_SEED replays or varies a run; the seed is in the suite name and every failure.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandVerb } from '../../src/commands/command-verb';
import { parseCommand } from '../../src/commands/parse-command';
import { type Reply } from '../../src/commands/reply';
import { isFailureReply } from '../../src/commands/report-error';
import { createCommandRunner } from '../../src/commands/run-command';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabService } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { renderReplyBlocks } from '../../src/slack/render/render-reply';
import { openDatabase } from '../../src/store/database';
import { KyselyAuditLog } from '../../src/store/kysely-audit-log';
import { KyselyLabStore } from '../../src/store/kysely-lab-store';
import { type LabbotDatabase } from '../../src/store/labbot-database';
import { migrateToLatest } from '../../src/store/migrate';
import { ManualClock } from '../helpers/clock';
import { replyText } from '../helpers/reply-text';
import { recordingLogger } from '../helpers/logger';
import { randomCommand } from './command-strings';
import { FUZZ_SEED, FUZZ_TIMEOUT_MS, FuzzFailures, FuzzRandom, settle } from './fuzz-random';

/** Replies as text, with what the buttons carry: injected text must not leak there either. */
const replyTextWithValues = (reply: Reply): string => replyText(reply, { actionValues: true });

const COMMANDS = 10_000;
const OWNER = 'U0OWNER';
const STRANGER = 'U0STRANGER';
const ADMIN = 'U0ADMIN';

/**
 * The default policy with an admin, a ticket pattern that lets any word through (so hostile tickets reach the store
 * and the replies, as in test/e2e/slack-http.test.ts) and limits high enough that deploys keep succeeding for a while.
 */
const POLICY: LabPolicy = {
  ...DEFAULT_POLICY,
  admins: [ADMIN],
  ticketPattern: '^\\S{1,40}$',
  limits: { maxLabsPerUser: 25, maxHourlySpendPerUser: 200 },
};

/** Words that betray an internal value leaking into a message, unless the person typed them. */
const LEAKS = ['undefined', '[object Object]', 'NaN', 'Infinity', 'Error:', 'TypeError', '\n    at '];

/** Every string Slack would parse as mrkdwn or show as text in the rendered message. */
function renderedStrings(value: unknown): string[] {
  if (typeof value === 'string') {
    return [value];
  }
  if (Array.isArray(value)) {
    return value.flatMap(renderedStrings);
  }
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v]) =>
      // Ids and values are data Slack hands back, not text it draws.
      key === 'action_id' || key === 'value' || key === 'block_id' || key === 'type'
        ? []
        : renderedStrings(v),
    );
  }
  return [];
}

/**
 * What is left of Slack's control characters once the escapes labbot writes and real user mentions are taken out:
 * anything left over is markup that came through unescaped.
 */
function unescapedMarkup(text: string): string | undefined {
  const rest = text.replace(/&(?:amp|lt|gt);/g, '').replace(/<@[UW][A-Z0-9]+>/g, '');
  const match = /[<>&]/.exec(rest);
  return match ? rest.slice(Math.max(0, match.index - 20), match.index + 20) : undefined;
}

describe(`fuzz: ${COMMANDS} random /lab commands through the runner (seed ${FUZZ_SEED})`, () => {
  let dataDir: string;
  let db: LabbotDatabase;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(tmpdir(), 'labbot-fuzz-commands-'));
    db = await openDatabase({ kind: 'sqlite', dataDir });
    await migrateToLatest(db);
  });

  afterAll(async () => {
    await db.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it(
    'answers every command with a reply, refusals clearly, with user text escaped, and leaks no rejection',
    async () => {
      const random = new FuzzRandom(FUZZ_SEED);
      const clock = new ManualClock();
      const store = new KyselyLabStore(db);
      const logger = recordingLogger();
      const service = new LabService({
        store,
        audit: new KyselyAuditLog(db),
        waker: { wake: () => undefined },
        clock,
        random: () => random.next(),
        policy: POLICY,
        newToken: () => `token-${random.int(0, 1e9)}`,
      });
      const runner = createCommandRunner({
        service,
        policy: POLICY,
        clock,
        random: () => random.next(),
        logger,
        simulated: true,
      });
      const failures = new FuzzFailures('commands');
      const labIds: string[] = [];
      const tones = { ok: 0, refused: 0 };

      for (let n = 0; n < COMMANDS; n++) {
        const caseRandom = random.fork(n);
        const text = randomCommand(caseRandom, { labIds });
        const user = caseRandom.pick([OWNER, OWNER, STRANGER, ADMIN]);
        const context = {
          user,
          ...(caseRandom.chance(0.8) ? { channel: 'C0LABS' } : {}),
          ...(caseRandom.chance(0.3) ? { utcOffsetMinutes: caseRandom.int(-720, 840) } : {}),
        };
        const logged = logger.lines.length;
        let reply: Reply;
        try {
          reply = await runner.run(text, context);
        } catch (error) {
          failures.add(n, text, `runner rejected: ${String(error)}`);
          continue;
        }
        clock.advance(caseRandom.int(0, 10) * 60_000);
        checkReply(failures, n, text, reply);
        for (const entry of logger.lines.slice(logged)) {
          if (entry.level === 'error') {
            failures.add(n, text, `logged an error: ${entry.message} ${JSON.stringify(entry.fields.causes)}`);
          }
        }
        checkVerb(failures, n, text);
        tones[reply.tone === 'error' ? 'refused' : 'ok'] += 1;
        const created = /\b((?:demo|repro)-[a-z0-9-]+)\b/.exec(reply.title)?.[1];
        if (created !== undefined && !labIds.includes(created)) {
          labIds.push(created);
        }
      }
      // A rejection the runner leaked fails this test through jest (see settle()).
      await settle();

      expect(failures.report()).toEqual([]);
      // The generator must reach the use cases, not only the parser's refusals.
      expect(tones.ok).toBeGreaterThan(COMMANDS / 10);
      expect(labIds.length).toBeGreaterThan(10);
    },
    FUZZ_TIMEOUT_MS,
  );
});

function checkReply(failures: FuzzFailures, n: number, text: string, reply: Reply): void {
  const said = replyTextWithValues(reply);
  if (reply.tone === 'error') {
    if (isFailureReply(reply)) {
      failures.add(n, text, `unexpected failure instead of a refusal: ${reply.title}`);
    }
    if (reply.title.trim().length < 10) {
      failures.add(n, text, `refusal without a message: ${JSON.stringify(reply.title)}`);
    }
  }
  for (const leak of LEAKS) {
    if (said.includes(leak) && !text.includes(leak.trim())) {
      failures.add(n, text, `reply shows ${JSON.stringify(leak)}: ${said.slice(0, 200)}`);
    }
  }
  let message;
  try {
    message = renderReplyBlocks(reply);
  } catch (error) {
    failures.add(n, text, `rendering threw: ${String(error)}`);
    return;
  }
  for (const rendered of renderedStrings(message)) {
    const leftover = unescapedMarkup(rendered);
    if (leftover !== undefined) {
      failures.add(n, text, `unescaped markup in rendered text: …${leftover}…`);
    }
  }
}

/** Metrics label a command by commandVerb; it must be the verb the parser understood. */
function checkVerb(failures: FuzzFailures, n: number, text: string): void {
  let verb: string;
  try {
    verb = parseCommand(text, { ticketPattern: POLICY.ticketPattern }).verb;
  } catch {
    return;
  }
  if (commandVerb(text) !== verb) {
    failures.add(n, text, `metrics would count verb ${commandVerb(text)} for a ${verb} command`);
  }
}

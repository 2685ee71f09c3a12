/**
 * Issue 14 item 4 through the real Bolt app in HTTP mode: signed requests from other workspaces, guests and Slack
 * Connect users are refused before any command runs; a replayed signed request is refused (also by a second
 * replica sharing the database), and so is a timestamp from the future.
 */
import { type CommandContext, type CommandRunner } from '../../src/commands/command-context';
import { textReply } from '../../src/commands/reply';
import { createSlackApp, type SlackApp, type SlackAppOptions } from '../../src/slack/create-slack-app';
import { LAB_ACTION } from '../../src/commands/lab-action-ids';
import { REFUSAL_TEXT } from '../../src/slack/request-trust';
import { type LabbotDatabase, openDatabase } from '../../src/store/database';
import { KyselySeenRequests } from '../../src/store/kysely-seen-requests';
import { migrateToLatest } from '../../src/store/migrate';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import {
  blockActionsBody,
  signSlackRequest,
  slashCommandBody,
  viewSubmissionBody,
} from '../helpers/slack-signing';
import { sqliteKind, type TestDatabase } from '../store/test-databases';
import { recordingLogger } from '../helpers/logger';

const SECRET = 'test-signing-secret';
/**
 * The apps' "now", fixed for the file so the test chooses every timestamp. Taken from the wall clock once, because
 * Bolt's own staleness check (older than five minutes) reads it too.
 */
const NOW_SECONDS = Math.floor(Date.now() / 1000);

describe('slack trust (HTTP mode)', () => {
  let fake: FakeSlackApi;
  const apps: SlackApp[] = [];
  const calls: { text: string; context: CommandContext }[] = [];
  let logger: ReturnType<typeof recordingLogger>;

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
  });
  afterAll(async () => {
    await fake.stop();
  });
  beforeEach(() => {
    logger = recordingLogger();
  });
  afterEach(async () => {
    for (const app of apps.splice(0)) {
      await app.stop();
    }
    fake.reset();
    calls.length = 0;
  });

  async function startApp(overrides: Partial<SlackAppOptions> = {}): Promise<SlackApp> {
    const commands: CommandRunner = {
      run: (text, context) => {
        calls.push({ text, context });
        return Promise.resolve(textReply(`ran ${text}`));
      },
    };
    const app = createSlackApp({
      botToken: 'xoxb-test-token',
      signingSecret: SECRET,
      port: 0,
      apiUrl: fake.apiUrl,
      commands,
      logger,
      readiness: () => Promise.resolve({ ready: true, detail: 'ready' }),
      retry: { retries: 0 },
      now: () => NOW_SECONDS * 1000,
      ...overrides,
    });
    await app.start();
    apps.push(app);
    return app;
  }

  async function post(
    app: SlackApp,
    body: string,
    timestamp = NOW_SECONDS,
  ): Promise<{ status: number; body: string }> {
    const response = await fetch(`http://127.0.0.1:${app.port}/slack/events`, {
      method: 'POST',
      headers: signSlackRequest(SECRET, body, timestamp),
      body,
    });
    return { status: response.status, body: await response.text() };
  }

  const command = (fields: Partial<Parameters<typeof slashCommandBody>[0]> = {}): string =>
    slashCommandBody({ text: 'help', responseUrl: fake.responseUrl(), ...fields });

  describe('workspaces and people', () => {
    it('serves the bot token’s own workspace (from auth.test) and refuses another one, saying why', async () => {
      const app = await startApp();

      const own = await post(app, command({ text: 'list' }));
      const other = await post(app, command({ text: 'demo', teamId: 'T0OTHER' }));

      expect(own.status).toBe(200);
      expect(other.status).toBe(200);
      expect(JSON.parse(other.body)).toEqual({
        response_type: 'ephemeral',
        text: `:no_entry: ${REFUSAL_TEXT.team}`,
      });
      expect(calls.map((c) => c.text)).toEqual(['list']);
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          message: 'Slack request refused by the trust policy',
          fields: expect.objectContaining({ refusal: 'team', teamId: 'T0OTHER' }) as unknown,
        }),
      );
    });

    it('serves the configured workspaces and Grid organisations instead, when a list is given', async () => {
      fake.users.U0GRID = { team_id: 'T0SISTER', enterprise_user: { enterprise_id: 'E0GRID' } };
      const app = await startApp({ trust: { teams: ['E0GRID'] } });

      const sister = await post(
        app,
        command({ text: 'list', teamId: 'T0SISTER', enterpriseId: 'E0GRID', userId: 'U0GRID' }),
      );
      const own = await post(app, command({ text: 'demo' }));

      expect(JSON.parse(sister.body)).toMatchObject({ text: expect.stringContaining('ran list') as unknown });
      expect(JSON.parse(own.body)).toMatchObject({ text: `:no_entry: ${REFUSAL_TEXT.team}` });
      expect(calls.map((c) => c.text)).toEqual(['list']);
    });

    it('refuses guests unless allowed', async () => {
      fake.users.U0GUEST = { is_restricted: true };
      fake.users.U0SINGLE = { is_ultra_restricted: true };
      const strict = await startApp();

      const guest = await post(strict, command({ text: 'demo', userId: 'U0GUEST' }));
      const single = await post(strict, command({ text: 'demo', userId: 'U0SINGLE' }));
      expect(JSON.parse(guest.body)).toMatchObject({ text: `:no_entry: ${REFUSAL_TEXT.guest}` });
      expect(JSON.parse(single.body)).toMatchObject({ text: `:no_entry: ${REFUSAL_TEXT.guest}` });
      expect(calls).toEqual([]);

      const open = await startApp({ trust: { allowGuests: true } });
      await post(open, command({ text: 'demo', userId: 'U0GUEST' }), NOW_SECONDS - 1);
      expect(calls.map((c) => c.context.user)).toEqual(['U0GUEST']);
    });

    it('refuses Slack Connect users of another organisation unless allowed', async () => {
      fake.users.U0PARTNER = { team_id: 'T0PARTNER' };
      fake.users.U0STRANGER = { team_id: 'T0FAKE', is_stranger: true };
      const strict = await startApp();

      const partner = await post(strict, command({ text: 'demo', userId: 'U0PARTNER' }));
      const stranger = await post(strict, command({ text: 'demo', userId: 'U0STRANGER' }));
      expect(JSON.parse(partner.body)).toMatchObject({ text: `:no_entry: ${REFUSAL_TEXT.external}` });
      expect(JSON.parse(stranger.body)).toMatchObject({ text: `:no_entry: ${REFUSAL_TEXT.external}` });
      expect(calls).toEqual([]);

      const open = await startApp({ trust: { allowExternal: true } });
      await post(open, command({ text: 'demo', userId: 'U0PARTNER' }), NOW_SECONDS - 1);
      expect(calls.map((c) => c.context.user)).toEqual(['U0PARTNER']);
    });

    it('tells a Slack Connect user who presses a button why, through the response_url, and runs nothing', async () => {
      const app = await startApp();
      const body = blockActionsBody({
        actionId: LAB_ACTION.extend,
        value: 'demo-4kq',
        userId: 'U0PARTNER',
        userTeamId: 'T0PARTNER',
        container: { type: 'message', channelId: 'C0LABS', messageTs: '1700000000.000001' },
        responseUrl: fake.responseUrl('T0FAKE/2/xyz'),
      });

      const response = await post(app, body);
      const told = await fake.waitFor('response_url');

      expect(response.status).toBe(200);
      expect(told.body).toMatchObject({
        text: `:no_entry: ${REFUSAL_TEXT.external}`,
        replace_original: false,
      });
      expect(calls).toEqual([]);
    });

    it('answers a guest’s form submission with a modal saying why, and runs nothing', async () => {
      fake.users.U0GUEST = { is_restricted: true };
      const app = await startApp();
      const body = viewSubmissionBody({
        callbackId: 'lab_deploy',
        userId: 'U0GUEST',
        values: { kind: { kind: { selected_option: { value: 'demo' } } } },
        privateMetadata: JSON.stringify({ from: 'command', channel: 'C0LABS' }),
      });

      const response = await post(app, body);

      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toMatchObject({
        response_action: 'update',
        view: { type: 'modal', blocks: [{ text: { text: REFUSAL_TEXT.guest } }] },
      });
      expect(calls).toEqual([]);
    });

    it('fails closed when users.info cannot say who the person is, and looks each person up once per TTL', async () => {
      fake.fail('users.info', { error: 'missing_scope' });
      const app = await startApp();

      const first = await post(app, command({ text: 'demo' }));
      expect(JSON.parse(first.body)).toMatchObject({ text: `:no_entry: ${REFUSAL_TEXT.unverified}` });
      expect(logger.lines).toContainEqual(
        expect.objectContaining({
          fields: expect.objectContaining({
            fix: 'add the users:read bot scope and reinstall the app',
          }) as unknown,
        }),
      );

      await post(app, command({ text: 'list' }), NOW_SECONDS - 1);
      await post(app, command({ text: 'list mine' }), NOW_SECONDS - 2);
      expect(calls.map((c) => c.text)).toEqual(['list', 'list mine']);
      // One failed lookup, one good one, then the cache.
      expect(fake.callsTo('users.info')).toHaveLength(2);
    });
  });

  describe('replays and timestamps', () => {
    it('serves a signed request once and refuses the same request replayed within the window', async () => {
      const app = await startApp();
      const body = command({ text: 'demo' });

      const first = await post(app, body);
      const replay = await post(app, body);

      expect(first.status).toBe(200);
      expect(replay.status).toBe(401);
      expect(calls.map((c) => c.text)).toEqual(['demo']);
      expect(logger.lines.map((e) => e.message)).toContain('Replayed Slack request refused');
    });

    it('refuses a replay sent to another replica sharing the database', async () => {
      const database: TestDatabase = await sqliteKind.create();
      const dbs: LabbotDatabase[] = [
        await openDatabase(database.target),
        await openDatabase(database.target),
      ];
      try {
        await migrateToLatest(dbs[0] as LabbotDatabase);
        const now = (): Date => new Date(NOW_SECONDS * 1000);
        const one = await startApp({ seenRequests: new KyselySeenRequests(dbs[0] as LabbotDatabase, now) });
        const two = await startApp({ seenRequests: new KyselySeenRequests(dbs[1] as LabbotDatabase, now) });
        const body = command({ text: 'demo' });

        expect((await post(one, body)).status).toBe(200);
        expect((await post(two, body)).status).toBe(401);
        expect(calls.map((c) => c.text)).toEqual(['demo']);
      } finally {
        await Promise.all(dbs.map((d) => d.close()));
        await database.dispose();
      }
    });

    it('refuses timestamps further ahead than a minute of clock skew, accepts those within it', async () => {
      const app = await startApp();

      const future = await post(app, command({ text: 'demo' }), NOW_SECONDS + 120);
      const skewed = await post(app, command({ text: 'list' }), NOW_SECONDS + 30);

      expect(future.status).toBe(401);
      expect(skewed.status).toBe(200);
      expect(calls.map((c) => c.text)).toEqual(['list']);
    });

    it('leaves badly signed requests to Bolt, which refuses them without recording anything', async () => {
      const seen: string[] = [];
      const app = await startApp({
        seenRequests: {
          firstSighting: (key) => {
            seen.push(key);
            return Promise.resolve(true);
          },
        },
      });
      const body = command({ text: 'demo' });

      const response = await fetch(`http://127.0.0.1:${app.port}/slack/events`, {
        method: 'POST',
        headers: signSlackRequest('not-the-secret', body, NOW_SECONDS),
        body,
      });

      expect(response.status).toBe(401);
      expect(seen).toEqual([]);
      expect(calls).toEqual([]);
    });

    it('refuses (503) rather than serves when the sightings cannot be checked', async () => {
      const app = await startApp({
        seenRequests: { firstSighting: () => Promise.reject(new Error('database is down')) },
      });

      const response = await post(app, command({ text: 'demo' }));

      expect(response.status).toBe(503);
      expect(calls).toEqual([]);
    });
  });
});

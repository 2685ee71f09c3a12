import { type Reply } from '../../src/commands/reply';
import { type Lab } from '../../src/labs/lab';
import { type LabEvent } from '../../src/labs/ports';
import { SlackNotifier, type SlackNotifierOptions } from '../../src/slack/slack-notifier';
import { createSlackWebClient, type SlackWebClient } from '../../src/slack/slack-web-client';
import { FakeSlackApi } from '../helpers/fake-slack-api';
import { recordingLogger } from '../helpers/logger';

function lab(overrides: Partial<Lab> = {}): Lab {
  return {
    id: 'demo-4kq',
    kind: 'demo',
    owner: 'U0ALICE',
    template: 'esxi8',
    vappName: 'lab-demo-4kq',
    desired: 'running',
    phase: 'deploying',
    channel: 'C0LABS',
    createdAt: new Date('2026-11-24T10:00:00Z'),
    expiresAt: new Date('2026-11-24T14:00:00Z'),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    ...overrides,
  };
}

/** The message says which event it is about, so tests can tell which one reached Slack. */
function describeEvent(l: Lab, event: LabEvent): Reply {
  const what = event.type === 'progress' ? event.message : event.type;
  return { visibility: 'channel', tone: 'progress', title: `Lab ${l.id}: ${what}`, sections: [] };
}

/** Hand-driven time: `advance(ms)` moves the clock and runs the timers that fall due. */
function manualTime() {
  let now = 1_000_000;
  const timers: { at: number; run: () => void; cancelled: boolean }[] = [];
  return {
    clock: () => now,
    schedule: (run: () => void, delayMs: number) => {
      const timer = { at: now + delayMs, run, cancelled: false };
      timers.push(timer);
      return () => {
        timer.cancelled = true;
      };
    },
    advance(ms: number) {
      now += ms;
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= now)) {
        timer.cancelled = true;
        timer.run();
      }
    },
    pending: () => timers.filter((t) => !t.cancelled).length,
  };
}

describe('slack/slack-notifier', () => {
  let fake: FakeSlackApi;
  let client: SlackWebClient;

  beforeAll(async () => {
    fake = await FakeSlackApi.start();
    client = createSlackWebClient({
      botToken: 'xoxb-test',
      apiUrl: fake.apiUrl,
      logger: recordingLogger(),
      // Retry at once: Retry-After 0 and no backoff, so the 429 test needs no waiting.
      retry: { retries: 2, minTimeoutMs: 0, maxTimeoutMs: 0 },
    });
  });
  afterAll(async () => {
    await fake.stop();
  });
  afterEach(() => fake.reset());

  function notifier(overrides: Partial<SlackNotifierOptions> = {}) {
    const time = manualTime();
    const logger = recordingLogger();
    const refs: [string, string, string][] = [];
    const instance = new SlackNotifier({
      client,
      logger,
      describe: describeEvent,
      saveMessageRef: (labId, channel, ts) => {
        refs.push([labId, channel, ts]);
        return Promise.resolve();
      },
      clock: time.clock,
      schedule: time.schedule,
      ...overrides,
    });
    return { notifier: instance, time, logger, refs };
  }

  const progress = (message: string): LabEvent => ({ type: 'progress', message });
  const titleOf = (call: { body: Record<string, unknown> }) => call.body.text;

  it('posts the first event to the lab channel and saves the message ref', async () => {
    const { notifier: n, refs } = notifier();

    await n.labChanged(lab(), progress('deploying'));

    const [post] = fake.callsTo('chat.postMessage');
    expect(post?.body).toMatchObject({
      channel: 'C0LABS',
      text: ':hourglass_flowing_sand: Lab demo-4kq: deploying',
    });
    expect(post?.body.blocks).toEqual([
      {
        type: 'section',
        text: { type: 'mrkdwn', text: ':hourglass_flowing_sand: *Lab demo-4kq: deploying*' },
      },
    ]);
    expect(refs).toEqual([['demo-4kq', 'C0LABS', '1700000000.000001']]);
  });

  it('updates that message at most once per interval, coalescing intermediate events into a trailing update', async () => {
    const { notifier: n, time } = notifier();
    await n.labChanged(lab(), progress('deploying'));

    time.advance(1000);
    await n.labChanged(lab(), progress('configuring networks'));
    time.advance(1000);
    await n.labChanged(lab(), progress('powering on'));

    expect(fake.callsTo('chat.update')).toHaveLength(0);
    time.advance(1000); // 3 s after the post: the trailing update carries only the newest event
    const update = await fake.waitFor('chat.update');

    expect(update.body).toMatchObject({ channel: 'C0LABS', ts: '1700000000.000001' });
    expect(titleOf(update)).toContain('powering on');
    expect(fake.callsTo('chat.update')).toHaveLength(1);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
  });

  it('updates at once when the interval has already passed', async () => {
    const { notifier: n, time } = notifier();
    await n.labChanged(lab(), progress('deploying'));

    time.advance(3000);
    await n.labChanged(lab(), progress('powering on'));

    expect(fake.callsTo('chat.update').map(titleOf)).toEqual([expect.stringContaining('powering on')]);
  });

  it('never posts twice when a second event arrives while the first post is still in flight', async () => {
    const { notifier: n, time } = notifier();

    const first = n.labChanged(lab(), progress('deploying'));
    time.advance(3000);
    const second = n.labChanged(lab(), progress('configuring'));
    await Promise.all([first, second]);

    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(fake.callsTo('chat.update').map(titleOf)).toEqual([expect.stringContaining('configuring')]);
  });

  it('delivers terminal events at once, inside the interval, and drops the coalesced update they supersede', async () => {
    const { notifier: n, time } = notifier();
    await n.labChanged(lab(), progress('deploying'));
    time.advance(500);
    await n.labChanged(lab(), progress('powering on'));

    time.advance(500);
    await n.labChanged(lab({ phase: 'ready' }), { type: 'ready' });
    time.advance(10_000);

    expect(fake.callsTo('chat.update').map(titleOf)).toEqual([expect.stringContaining(': ready')]);
    expect(time.pending()).toBe(0);
  });

  it('delivers deleted and failed even right after another update', async () => {
    const { notifier: n } = notifier();
    await n.labChanged(lab(), progress('deploying'));

    await n.labChanged(lab({ phase: 'ready' }), { type: 'ready' });
    await n.labChanged(lab({ phase: 'failed' }), { type: 'failed', reason: 'task failed' });

    expect(fake.callsTo('chat.update').map(titleOf)).toEqual([
      expect.stringContaining(': ready'),
      expect.stringContaining(': failed'),
    ]);
  });

  it('DMs the owner when the bot is not in the channel, and keeps updating the DM', async () => {
    fake.fail(
      'chat.postMessage',
      { error: 'not_in_channel' },
      { when: (body) => body.channel === 'C0PRIVATE' },
    );
    const { notifier: n, refs, time } = notifier();

    await n.labChanged(lab({ channel: 'C0PRIVATE' }), progress('deploying'));
    time.advance(3000);
    await n.labChanged(lab({ channel: 'C0PRIVATE' }), { type: 'ready' });

    expect(fake.callsTo('chat.postMessage').map((c) => c.body.channel)).toEqual(['C0PRIVATE', 'U0ALICE']);
    expect(refs).toEqual([['demo-4kq', 'D0ALICE', '1700000000.000001']]);
    expect(fake.callsTo('chat.update').map((c) => c.body.channel)).toEqual(['D0ALICE']);
  });

  it('DMs the owner when the channel is not found either', async () => {
    fake.fail('chat.postMessage', { error: 'channel_not_found' });
    const { notifier: n } = notifier();

    await n.labChanged(lab({ channel: 'G0GONE' }), progress('deploying'));

    expect(fake.callsTo('chat.postMessage').map((c) => c.body.channel)).toEqual(['G0GONE', 'U0ALICE']);
  });

  it('skips labs without a channel (local shell)', async () => {
    const { notifier: n } = notifier();

    await n.labChanged(lab({ channel: undefined, owner: 'U_LOCAL' }), progress('deploying'));
    await n.labChanged(lab({ channel: undefined, owner: 'U_LOCAL' }), { type: 'ready' });

    expect(fake.calls).toEqual([]);
  });

  it('updates the stored message of a lab after a restart instead of posting a new one', async () => {
    const { notifier: n, refs } = notifier();

    await n.labChanged(lab({ messageTs: '1690000000.000009' }), { type: 'ready' });

    expect(fake.callsTo('chat.postMessage')).toEqual([]);
    expect(fake.callsTo('chat.update')[0]?.body).toMatchObject({
      channel: 'C0LABS',
      ts: '1690000000.000009',
    });
    expect(refs).toEqual([]);
  });

  it('posts anew when the stored message was deleted', async () => {
    fake.fail('chat.update', { error: 'message_not_found' });
    const { notifier: n, refs } = notifier();

    await n.labChanged(lab({ messageTs: '1690000000.000009' }), { type: 'ready' });

    expect(fake.callsTo('chat.postMessage')).toHaveLength(1);
    expect(refs).toEqual([['demo-4kq', 'C0LABS', '1700000000.000001']]);
  });

  it('logs Web API failures and never rejects', async () => {
    fake.fail('chat.postMessage', { error: 'invalid_blocks' });
    const { notifier: n, logger } = notifier();

    await expect(n.labChanged(lab(), progress('deploying'))).resolves.toBeUndefined();

    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'Could not post lab message',
        fields: expect.objectContaining({ code: 'invalid_blocks' }),
      }),
    );
  });

  it('logs and does not reject when describe or saveMessageRef throw', async () => {
    const { notifier: broken, logger } = notifier({
      describe: () => {
        throw new Error('bad lab');
      },
    });
    const { notifier: unsaved, logger: logger2 } = notifier({
      saveMessageRef: () => Promise.reject(new Error('db down')),
    });

    await expect(broken.labChanged(lab(), progress('x'))).resolves.toBeUndefined();
    await expect(unsaved.labChanged(lab({ id: 'demo-zzz' }), progress('x'))).resolves.toBeUndefined();

    expect(logger.lines.map((e) => e.message)).toContain('Lab notification failed');
    expect(logger2.lines.map((e) => e.message)).toContain('Could not save lab message ref');
  });

  it('waits out a 429 with Retry-After and delivers (the client retries rate limits)', async () => {
    fake.fail('chat.postMessage', { status: 429, retryAfter: 0 });
    const { notifier: n, refs } = notifier();

    await n.labChanged(lab(), progress('deploying'));

    expect(fake.callsTo('chat.postMessage')).toHaveLength(2);
    expect(refs).toHaveLength(1);
  });

  it('gives up after the bounded retries and logs', async () => {
    fake.fail('chat.postMessage', { status: 503 }, { times: 10 });
    const { notifier: n, logger } = notifier();

    await n.labChanged(lab(), progress('deploying'));

    expect(fake.callsTo('chat.postMessage')).toHaveLength(3); // first try + 2 retries
    expect(logger.lines.map((e) => e.message)).toContain('Could not post lab message');
  });
  it('refreshes the lab message at once from the store, even inside the throttle interval', async () => {
    let stored = lab({ phase: 'ready' });
    const { notifier: n } = notifier({ loadLab: () => Promise.resolve(stored) });
    await n.labChanged(lab(), progress('deploying'));

    stored = lab({ phase: 'ready', expiresAt: new Date('2026-11-24T16:00:00Z') });
    await n.refresh('demo-4kq');

    const [update] = fake.callsTo('chat.update');
    expect(update?.body).toMatchObject({ channel: 'C0LABS', ts: '1700000000.000001' });
    expect(titleOf(update!)).toContain('refreshed');
  });

  it('drops a coalesced update a refresh supersedes, and does nothing without loadLab or for a lab without a channel', async () => {
    const { notifier: n, time } = notifier({ loadLab: () => Promise.resolve(lab()) });
    await n.labChanged(lab(), progress('deploying'));
    time.advance(1000);
    await n.labChanged(lab(), progress('configuring'));

    await n.refresh('demo-4kq');
    time.advance(5000);
    const { notifier: without } = notifier();
    await without.refresh('demo-4kq');
    const { notifier: shell } = notifier({ loadLab: () => Promise.resolve(lab({ channel: undefined })) });
    await shell.refresh('demo-4kq');

    expect(fake.callsTo('chat.update').map(titleOf)).toEqual([
      ':hourglass_flowing_sand: Lab demo-4kq: refreshed',
    ]);
    expect(time.pending()).toBe(0);
  });

  it('counts Web API calls that failed for good', async () => {
    fake.fail('chat.postMessage', { error: 'invalid_blocks' });
    const failures: [string, string | undefined][] = [];
    const { notifier: n } = notifier({
      metrics: {
        commandHandled: () => undefined,
        acked: () => undefined,
        slackError: (method, code) => failures.push([method, code]),
      },
    });

    await n.labChanged(lab(), progress('deploying'));

    expect(failures).toEqual([['chat.postMessage', 'invalid_blocks']]);
  });
  it('tells the owner of a late scheduled lab in a DM, escaped, and only logs for an owner with no Slack id', async () => {
    const { notifier: n, logger } = notifier();

    await n.tellOwner(lab(), 'Lab demo-4kq is running late: <!channel> & co');
    await n.tellOwner(lab({ owner: 'U_LOCAL' }), 'late');

    const posts = fake.callsTo('chat.postMessage');
    expect(posts).toHaveLength(1);
    expect(posts[0]?.body).toMatchObject({ channel: 'U0ALICE' });
    expect(JSON.stringify(posts[0]?.body.blocks)).toContain('&lt;!channel&gt; &amp; co');
    expect(logger.lines.some((e) => e.message === 'Owner notice for an owner with no Slack DM')).toBe(true);
  });
});

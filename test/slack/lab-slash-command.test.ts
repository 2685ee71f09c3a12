import { type RespondArguments, type SlashCommand } from '@slack/bolt';
import { type CommandRunner } from '../../src/commands/command-context';
import { textReply, type Reply, type ReplyFile } from '../../src/commands/reply';
import { failureMessage } from '../../src/commands/report-error';
import { createLabCommandListener, WORKING_TEXT } from '../../src/slack/listeners/commands/lab-slash-command';
import { recordingLogger } from '../helpers/logger';

function command(text: string): SlashCommand {
  return {
    token: 't',
    command: '/lab',
    text,
    response_url: 'https://hooks.slack.test/commands/1',
    trigger_id: '1.2.3',
    user_id: 'U0ALICE',
    user_name: 'alice',
    team_id: 'T0',
    team_domain: 'fake',
    channel_id: 'C0LABS',
    channel_name: 'labs',
    api_app_id: 'A0',
  };
}

function deferred<T>(): {
  promise: Promise<T>;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
} {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Runs the listener with fake ack/respond, the way Bolt calls it. */
function invoke(
  run: CommandRunner['run'],
  options: {
    sleep?: (ms: number) => Promise<void>;
    ack?: (body?: unknown) => Promise<void>;
    respond?: (body: unknown) => Promise<unknown>;
    command?: SlashCommand;
    uploadFile?: (user: string, file: ReplyFile) => Promise<void>;
  } = {},
) {
  const logger = recordingLogger();
  const acks: unknown[] = [];
  const responses: unknown[] = [];
  const listener = createLabCommandListener({
    commands: { run },
    logger,
    // By default the budget never runs out: the command always wins the race.
    sleep: options.sleep ?? (() => new Promise<void>(() => undefined)),
    newRef: () => 'ref123',
    ...(options.uploadFile ? { uploadFile: options.uploadFile } : {}),
  });
  const sent = options.command ?? command('help');
  const args = {
    command: sent,
    payload: sent,
    body: sent,
    ack: async (body?: string | RespondArguments) => {
      acks.push(body);
      await options.ack?.(body);
    },
    respond: async (body: string | RespondArguments) => {
      responses.push(body);
      return (await options.respond?.(body)) as Response;
    },
    say: () => Promise.reject(new Error('say is not used')),
    logger: undefined as never,
  };
  const done = listener(args);
  return { done, acks, responses, logger };
}

describe('slack/listeners/commands/lab-slash-command', () => {
  it('acks with the rendered reply when the command finishes within the budget', async () => {
    const { done, acks, responses } = invoke(() => Promise.resolve(textReply('Your labs', 'info', ['none'])));

    await done;

    expect(acks).toHaveLength(1);
    expect(acks[0]).toMatchObject({ response_type: 'ephemeral', text: 'Your labs: none' });
    expect(responses).toEqual([]);
  });

  it('passes the text, user and channel to the CommandRunner', async () => {
    const seen: unknown[] = [];

    const { done } = invoke((text, context) => {
      seen.push({ text, context });
      return Promise.resolve(textReply('ok'));
    });
    await done;

    expect(seen).toEqual([{ text: 'help', context: { user: 'U0ALICE', channel: 'C0LABS' } }]);
  });

  // Regression (found by test/fuzz): a body without `text` threw on `text.trim()` and got "Something went wrong".
  it('runs a command whose body has no text as `/lab` alone', async () => {
    const seen: string[] = [];
    const { text: _missing, ...withoutText } = command('help');

    const { done, acks, logger } = invoke(
      (text) => {
        seen.push(text);
        return Promise.resolve(textReply('labbot help'));
      },
      { command: withoutText as SlashCommand },
    );
    await done;

    expect(seen).toEqual(['']);
    expect(acks[0]).toMatchObject({ response_type: 'ephemeral', text: 'labbot help' });
    expect(logger.lines.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('words a runner failure as every other failure (commands/report-error.ts)', async () => {
    const { done, acks } = invoke(() => Promise.reject(new Error('boom')));

    await done;

    expect(acks).toEqual([{ response_type: 'ephemeral', text: `:warning: ${failureMessage('ref123')}` }]);
  });

  it('acks with a generic ephemeral error and a ref, and logs the cause, when the runner throws', async () => {
    const { done, acks, logger } = invoke(() => Promise.reject(new Error('boom')));

    await done;

    expect(acks).toEqual([
      { response_type: 'ephemeral', text: expect.stringContaining('Something went wrong (ref ref123)') },
    ]);
    expect(logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ ref: 'ref123', err: new Error('boom') }),
      }),
    );
  });

  it('logs a failure with the caller and the channel, and logs nothing for a command that answers', async () => {
    const failed = invoke(() => Promise.reject(new Error('boom')));
    const answered = invoke(() => Promise.resolve(textReply('ok')));

    await Promise.all([failed.done, answered.done]);

    expect(failed.logger.lines).toContainEqual(
      expect.objectContaining({
        level: 'error',
        fields: expect.objectContaining({ user: 'U0ALICE', channel: 'C0LABS', ref: 'ref123' }),
      }),
    );
    expect(answered.logger.lines).toEqual([]);
  });

  it('asks for a 2500 ms budget, acks "Working on it…" when it runs out, then responds with the reply', async () => {
    const reply = deferred<Reply>();
    const budget = deferred<void>();
    const sleeps: number[] = [];
    const { done, acks, responses } = invoke(() => reply.promise, {
      sleep: (ms) => {
        sleeps.push(ms);
        return budget.promise;
      },
    });

    budget.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(acks).toEqual([{ response_type: 'ephemeral', text: WORKING_TEXT }]);
    reply.resolve({ ...textReply('Lab requested'), visibility: 'channel' });
    await done;

    expect(sleeps).toEqual([2500]);
    expect(responses).toEqual([
      expect.objectContaining({ response_type: 'in_channel', text: 'Lab requested' }),
    ]);
  });

  it('responds with a generic error when a slow runner finally throws', async () => {
    const reply = deferred<Reply>();
    const { done, acks, responses } = invoke(() => reply.promise, { sleep: () => Promise.resolve() });

    reply.reject(new Error('late boom'));
    await done;

    expect(acks).toEqual([{ response_type: 'ephemeral', text: WORKING_TEXT }]);
    expect(responses).toEqual([{ response_type: 'ephemeral', text: expect.stringContaining('ref ref123') }]);
  });

  it('logs and does not reject when respond fails (an expired response_url)', async () => {
    const reply = deferred<Reply>();
    const { done, logger } = invoke(() => reply.promise, {
      sleep: () => Promise.resolve(),
      respond: () => Promise.reject(new Error('RespondError: 404')),
    });

    reply.resolve(textReply('late'));
    await expect(done).resolves.toBeUndefined();
    expect(logger.lines).toContainEqual(
      expect.objectContaining({ level: 'error', message: 'Slash command delivery failed' }),
    );
  });

  it('logs and does not reject when ack fails, and does not ack twice', async () => {
    const { done, acks, logger } = invoke(() => Promise.resolve(textReply('ok')), {
      ack: () => Promise.reject(new Error('ReceiverMultipleAckError')),
    });

    await expect(done).resolves.toBeUndefined();
    expect(acks).toHaveLength(1);
    expect(logger.lines.filter((e) => e.level === 'error')).toHaveLength(1);
  });

  describe('a reply with a file (the admin CSV export)', () => {
    const file: ReplyFile = {
      name: 'labbot-cost-month-2026-03-01.csv',
      title: 'cost',
      mimeType: 'text/csv',
      content: 'a\r\n',
    };
    const withFile = (): Promise<Reply> => Promise.resolve({ ...textReply('All labs: $1.00 (1 lab)'), file });

    it('acks the reply, uploads the file for the caller and says where it went', async () => {
      const uploads: [string, ReplyFile][] = [];
      const { done, acks, responses } = invoke(withFile, {
        uploadFile: (user, f) => {
          uploads.push([user, f]);
          return Promise.resolve();
        },
      });
      await done;

      expect(acks).toHaveLength(1);
      expect(uploads).toEqual([['U0ALICE', file]]);
      expect(responses).toEqual([
        expect.objectContaining({
          response_type: 'ephemeral',
          text: expect.stringContaining(`${file.name} is in your DM`) as unknown,
        }),
      ]);
    });

    it('tells the caller Slack’s reason when the upload fails', async () => {
      const { done, responses } = invoke(withFile, {
        uploadFile: () =>
          Promise.reject(Object.assign(new Error('no'), { data: { error: 'missing_scope' } })),
      });
      await done;

      expect(responses).toEqual([
        expect.objectContaining({ text: expect.stringContaining('Slack said missing_scope') as unknown }),
      ]);
    });
  });
});

describe('slack/listeners/commands/lab-slash-command time zone', () => {
  async function contextOf(text: string, timeZoneOf: (user: string) => Promise<string | undefined>) {
    const seen: unknown[] = [];
    const lookups: string[] = [];
    const listener = createLabCommandListener({
      commands: {
        run: (_text, context) => {
          seen.push(context);
          return Promise.resolve(textReply('ok'));
        },
      },
      logger: recordingLogger(),
      sleep: () => new Promise<void>(() => undefined),
      timeZoneOf: (user) => {
        lookups.push(user);
        return timeZoneOf(user);
      },
    });
    const sent = command(text);
    await listener({
      command: sent,
      payload: sent,
      body: sent,
      ack: () => Promise.resolve(),
      respond: () => Promise.resolve(undefined as never),
      say: () => Promise.reject(new Error('say is not used')),
      logger: undefined as never,
    });
    return { seen, lookups };
  }

  it('runs a scheduled deploy in the caller’s Slack time zone', async () => {
    const { seen } = await contextOf('demo at 14:00', () => Promise.resolve('Europe/Paris'));
    expect(seen).toEqual([{ user: 'U0ALICE', channel: 'C0LABS', timeZone: 'Europe/Paris' }]);
  });

  it('does not ask Slack for commands that read no time', async () => {
    const { seen, lookups } = await contextOf('status demo-4kq', () => Promise.resolve('Europe/Paris'));
    expect(lookups).toEqual([]);
    expect(seen).toEqual([{ user: 'U0ALICE', channel: 'C0LABS' }]);
  });

  it('falls back to the default zone when the lookup fails', async () => {
    const { seen } = await contextOf('list', () => Promise.reject(new Error('ratelimited')));
    expect(seen).toEqual([{ user: 'U0ALICE', channel: 'C0LABS' }]);
  });
});

import { type RespondArguments, type SlashCommand, type ViewErrorsResponseAction } from '@slack/bolt';
import { type CommandContext } from '../../src/commands/command-context';
import { deployFormChoices, deployFormCommand, deployFormRefusal } from '../../src/commands/deploy-form';
import { textReply, type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type LabPolicy } from '../../src/labs/policy';
import { createLabCommandListener } from '../../src/slack/listeners/commands/lab-slash-command';
import { createDeploySubmissionListener } from '../../src/slack/listeners/views/deploy-submission';
import { type DeployFormPort } from '../../src/slack/views/deploy-form-port';
import { recordingLogger } from '../helpers/logger';

function port(policy: LabPolicy = DEFAULT_POLICY, allowed = true): DeployFormPort {
  return {
    choices: () => Promise.resolve(deployFormChoices(policy)),
    command: (values) => Promise.resolve(deployFormCommand(values, policy)),
    refusal: (context) => deployFormRefusal(policy, context.channel, allowed),
  };
}

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** A fake Web API client recording chat and views calls; `failEphemeral` makes postEphemeral fail once. */
function fakeClient(options: { failEphemeral?: string; failOpen?: string } = {}) {
  const calls: { method: string; args: Record<string, unknown> }[] = [];
  const fail = (code: string) => Promise.reject(Object.assign(new Error(code), { data: { error: code } }));
  return {
    calls,
    client: {
      chat: {
        postMessage: (args: Record<string, unknown>) => {
          calls.push({ method: 'chat.postMessage', args });
          return Promise.resolve({ ok: true });
        },
        update: () => Promise.resolve({ ok: true }),
        postEphemeral: (args: Record<string, unknown>) => {
          calls.push({ method: 'chat.postEphemeral', args });
          return options.failEphemeral ? fail(options.failEphemeral) : Promise.resolve({ ok: true });
        },
      },
      views: {
        open: (args: Record<string, unknown>) => {
          calls.push({ method: 'views.open', args });
          return options.failOpen ? fail(options.failOpen) : Promise.resolve({ ok: true });
        },
        publish: () => Promise.resolve({ ok: true }),
      },
    },
  };
}

const values = (kind: string, extra: Record<string, string> = {}) => ({
  kind: { kind: { selected_option: { value: kind } } },
  ...Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, { [k]: { value: v } }])),
});

describe('slack/listeners/views/deploy-submission', () => {
  function setup(run: (text: string, context: CommandContext) => Promise<Reply>, client = fakeClient()) {
    const acks: (ViewErrorsResponseAction | undefined)[] = [];
    const runs: string[] = [];
    const published: { user: string; notice?: Reply }[] = [];
    const budget = deferred<void>();
    const listener = createDeploySubmissionListener({
      commands: {
        run: (text, context) => {
          runs.push(text);
          return run(text, context);
        },
      },
      form: port(),
      client: client.client,
      home: {
        publish: (user, notice) => {
          published.push({ user, ...(notice ? { notice } : {}) });
          return Promise.resolve();
        },
      },
      logger: recordingLogger(),
      sleep: () => budget.promise,
    });
    const submit = (form: Record<string, unknown>, origin = { from: 'command', channel: 'C0LABS' }) =>
      listener({
        ack: (response) => {
          acks.push(response);
          return Promise.resolve();
        },
        body: { user: { id: 'U0ALICE' } },
        view: { private_metadata: JSON.stringify(origin), state: { values: form as never } },
      });
    return { submit, acks, runs, published, calls: client.calls, budget };
  }

  const ok = textReply('Lab demo-4kq: requested', 'progress', ['Estimated ≈ $0.18/h']);

  it('shows field errors in the modal and runs nothing', async () => {
    const t = setup(() => Promise.resolve(ok));

    await t.submit(values('demo', { duration: 'soon' }));

    expect(t.acks).toEqual([
      { response_action: 'errors', errors: { duration: '"soon" is not a duration such as 90m, 4h or 2d.' } },
    ]);
    expect(t.runs).toEqual([]);
  });

  it('runs the typed command, closes the modal, and answers ephemerally in the conversation it came from', async () => {
    const t = setup(() => Promise.resolve(ok));

    await t.submit(values('demo', { duration: '2h' }));

    expect(t.runs).toEqual(['demo for 2h']);
    expect(t.acks).toEqual([undefined]);
    expect(t.calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    expect(t.calls[0]?.args).toMatchObject({ channel: 'C0LABS', user: 'U0ALICE' });
  });

  it('falls back to a DM when the bot cannot answer in the channel', async () => {
    const t = setup(() => Promise.resolve(ok), fakeClient({ failEphemeral: 'channel_not_found' }));

    await t.submit(values('demo'));

    expect(t.calls.map((c) => [c.method, c.args.channel])).toEqual([
      ['chat.postEphemeral', 'C0LABS'],
      ['chat.postMessage', 'U0ALICE'],
    ]);
  });

  it('shows a refusal of the use case (quota, permission) in the modal', async () => {
    const t = setup(() => Promise.resolve(textReply('You already have 5 live labs.', 'error')));

    await t.submit(values('demo'));

    expect(t.acks).toEqual([
      { response_action: 'errors', errors: { kind: 'You already have 5 live labs.' } },
    ]);
    expect(t.calls).toEqual([]);
  });

  it('answers a runner that throws with the one failure reply and its ref format (commands/report-error.ts)', async () => {
    const t = setup(() => Promise.reject(new Error('boom')));

    await t.submit(values('demo'));

    expect(t.acks).toEqual([undefined]);
    expect(t.calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
    expect(String(t.calls[0]?.args.text)).toMatch(
      /Something went wrong \(ref [0-9a-z]{6}\)\. Nothing was deployed; try again, or give an admin this ref\./,
    );
  });

  it('closes the modal at the ack budget when the command is slow, and delivers the answer when it comes', async () => {
    const reply = deferred<Reply>();
    const t = setup(() => reply.promise);

    const done = t.submit(values('repro', { ticket: 'SUP-12' }));
    t.budget.resolve();
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(t.acks).toEqual([undefined]);
    expect(t.calls).toEqual([]);
    reply.resolve(ok);
    await done;

    expect(t.runs).toEqual(['repro SUP-12']);
    expect(t.calls.map((c) => c.method)).toEqual(['chat.postEphemeral']);
  });

  it('answers a form sent from the Home tab by republishing the Home tab', async () => {
    const t = setup(() => Promise.resolve(ok));

    await t.submit(values('demo'), { from: 'home', channel: 'U0ALICE' });

    expect(t.published).toEqual([{ user: 'U0ALICE' }]);
    expect(t.calls).toEqual([]);
  });
});

describe('slack/listeners/commands/lab-slash-command: /lab alone', () => {
  const COMMAND_USER = 'U0ALICE';

  function command(text: string): SlashCommand {
    return {
      token: 't',
      command: '/lab',
      text,
      response_url: 'https://hooks.slack.test/commands/1',
      trigger_id: '1.2.3',
      user_id: COMMAND_USER,
      user_name: 'alice',
      team_id: 'T0',
      team_domain: 'fake',
      channel_id: 'C0LABS',
      channel_name: 'labs',
      api_app_id: 'A0',
    };
  }

  function setup(form: DeployFormPort, client = fakeClient()) {
    const acks: unknown[] = [];
    const responses: unknown[] = [];
    const runs: string[] = [];
    const listener = createLabCommandListener({
      commands: {
        run: (text) => {
          runs.push(text);
          return Promise.resolve(textReply('help'));
        },
      },
      logger: recordingLogger(),
      sleep: () => new Promise<void>(() => undefined),
      deployForm: { port: form, client: client.client },
    });
    const invoke = (text: string) =>
      listener({
        command: command(text),
        payload: command(text),
        body: command(text),
        ack: (body?: string | RespondArguments) => {
          acks.push(body);
          return Promise.resolve();
        },
        respond: (body: string | RespondArguments) => {
          responses.push(body);
          return Promise.resolve(new Response());
        },
        say: () => Promise.reject(new Error('unused')),
        logger: undefined as never,
      });
    return { invoke, acks, responses, runs, calls: client.calls };
  }

  it('acks empty, then opens the deploy form with the command’s trigger and channel', async () => {
    const t = setup(port());

    await t.invoke('  ');

    expect(t.acks).toEqual([undefined]);
    expect(t.runs).toEqual([]);
    const [open] = t.calls;
    expect(open?.method).toBe('views.open');
    expect(open?.args.trigger_id).toBe('1.2.3');
    expect(JSON.parse((open?.args.view as { private_metadata: string }).private_metadata)).toEqual({
      from: 'command',
      channel: 'C0LABS',
    });
  });

  it('offers the caller the templates they may use (captured ones are private until published)', async () => {
    const asked: string[] = [];
    const t = setup({
      ...port(),
      choices: (user) => {
        asked.push(user);
        const templates = user === COMMAND_USER ? DEFAULT_POLICY.templates : [];
        return Promise.resolve(deployFormChoices({ ...DEFAULT_POLICY, templates }));
      },
    });

    await t.invoke('');

    expect(asked).toEqual([COMMAND_USER]);
    expect(JSON.stringify(t.calls[0]?.args.view)).toContain(DEFAULT_POLICY.templates[0]?.key ?? 'none');
  });

  it('answers with the reason instead of a form when the caller may not deploy here', async () => {
    const limited: LabPolicy = {
      ...DEFAULT_POLICY,
      access: { deployChannels: ['C0OPS'], deployUserGroups: [] },
    };
    const t = setup(port(limited, false));

    await t.invoke('');

    expect(t.calls).toEqual([]);
    expect(JSON.stringify(t.acks[0])).toContain('only from the channels the labbot admins chose (C0OPS)');
  });

  it('says what to type instead when Slack will not open the form', async () => {
    const t = setup(port(), fakeClient({ failOpen: 'expired_trigger_id' }));

    await t.invoke('');

    expect(JSON.stringify(t.responses[0])).toContain(
      'Slack did not open the deploy form (expired_trigger_id)',
    );
  });

  it('still runs commands with text as before', async () => {
    const t = setup(port());

    await t.invoke('list');

    expect(t.runs).toEqual(['list']);
    expect(t.calls).toEqual([]);
  });
});

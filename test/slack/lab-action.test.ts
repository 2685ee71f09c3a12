import { type BlockAction, type ButtonAction } from '@slack/bolt';
import { type CommandContext } from '../../src/commands/command-context';
import { textReply, type Reply } from '../../src/commands/reply';
import { LAB_ACTION } from '../../src/commands/lab-action-ids';
import {
  createLabActionListener,
  type LabActionArgs,
  type LabActionDeps,
} from '../../src/slack/listeners/actions/lab-action';
import { recordingLogger } from '../helpers/logger';

// listeners/index.ts registers createLabActionListener once per action id of the command registry.
const createLabExtendListener = (deps: LabActionDeps) => createLabActionListener(LAB_ACTION.extend, deps);
const createLabResumeListener = (deps: LabActionDeps) => createLabActionListener(LAB_ACTION.resume, deps);
const createLabSuspendListener = (deps: LabActionDeps) => createLabActionListener(LAB_ACTION.suspend, deps);
const createLabTeardownListener = (deps: LabActionDeps) => createLabActionListener(LAB_ACTION.teardown, deps);

type Where = 'message' | 'ephemeral' | 'home';

function body(where: Where, user = 'U0ALICE'): BlockAction<ButtonAction> {
  return {
    type: 'block_actions',
    user: { id: user, username: 'alice' },
    team: { id: 'T0', domain: 'fake' },
    api_app_id: 'A0',
    token: 't',
    trigger_id: '1.2.3',
    response_url: 'https://hooks.slack.test/actions/1',
    container:
      where === 'home'
        ? { type: 'view', view_id: 'V0' }
        : { type: 'message', channel_id: 'C0LABS', message_ts: '1.2', is_ephemeral: where === 'ephemeral' },
    ...(where === 'home' ? {} : { channel: { id: 'C0LABS', name: 'labs' } }),
    actions: [],
  } as unknown as BlockAction<ButtonAction>;
}

function setup(reply: Reply | Error = textReply('Lab demo-4kq: ready', 'success')) {
  const order: string[] = [];
  const runs: { text: string; context: CommandContext }[] = [];
  const responses: unknown[] = [];
  const published: { user: string; notice?: Reply }[] = [];
  const refreshed: string[] = [];
  const deps = {
    commands: {
      run: (text: string, context: CommandContext) => {
        order.push('run');
        runs.push({ text, context });
        return reply instanceof Error ? Promise.reject(reply) : Promise.resolve(reply);
      },
    },
    logger: recordingLogger(),
    refreshLab: (labId: string) => {
      refreshed.push(labId);
      return Promise.resolve();
    },
    home: {
      publish: (user: string, notice?: Reply) => {
        published.push({ user, ...(notice ? { notice } : {}) });
        return Promise.resolve();
      },
    },
  };
  const args = (where: Where, user?: string, value = 'demo-4kq'): LabActionArgs => ({
    ack: () => {
      order.push('ack');
      return Promise.resolve();
    },
    body: body(where, user),
    action: { action_id: 'x', value },
    respond: (message) => {
      responses.push(message);
      return Promise.resolve(new Response());
    },
  });
  return { deps, args, order, runs, responses, published, refreshed };
}

const refusal: Reply = {
  ...textReply('Lab demo-4kq belongs to someone else; only its owner or an admin can tear it down.', 'error'),
};

describe('slack/listeners/actions (lab buttons)', () => {
  it.each([
    ['lab_extend', createLabExtendListener, 'extend demo-4kq'],
    ['lab_suspend', createLabSuspendListener, 'suspend demo-4kq'],
    ['lab_resume', createLabResumeListener, 'resume demo-4kq'],
    ['lab_teardown', createLabTeardownListener, 'teardown demo-4kq'],
  ])(
    '%s acks first, runs its command as the presser, then re-renders the lab message',
    async (_id, create, command) => {
      const t = setup();

      await create(t.deps)(t.args('message'));

      expect(t.order).toEqual(['ack', 'run']);
      expect(t.runs).toEqual([{ text: command, context: { user: 'U0ALICE', channel: 'C0LABS' } }]);
      expect(t.refreshed).toEqual(['demo-4kq']);
      expect(t.responses).toEqual([]);
    },
  );

  it('tells only the presser why a press was refused, and changes nothing', async () => {
    const t = setup(refusal);

    await createLabTeardownListener(t.deps)(t.args('message', 'U0MALLORY'));

    expect(t.runs[0]?.context.user).toBe('U0MALLORY');
    expect(t.refreshed).toEqual([]);
    expect(t.responses).toHaveLength(1);
    expect(t.responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(JSON.stringify(t.responses[0])).toContain('belongs to someone else');
  });

  it('replaces an ephemeral answer carrying the button with the new state', async () => {
    const t = setup();

    await createLabExtendListener(t.deps)(t.args('ephemeral'));

    expect(t.responses[0]).toMatchObject({ response_type: 'ephemeral', replace_original: true });
  });

  it('republishes the Home tab after a press there, with the refusal on top when refused', async () => {
    const ok = setup();
    const refused = setup(refusal);

    await createLabSuspendListener(ok.deps)(ok.args('home'));
    await createLabTeardownListener(refused.deps)(refused.args('home', 'U0MALLORY'));

    expect(ok.published).toEqual([{ user: 'U0ALICE' }]);
    expect(ok.runs[0]?.context).toEqual({ user: 'U0ALICE' });
    expect(refused.published).toEqual([{ user: 'U0MALLORY', notice: refusal }]);
    expect(refused.responses).toEqual([]);
  });

  it('passes a forged value to the parser as one word, which refuses it like a typed one', async () => {
    const t = setup();

    await createLabTeardownListener(t.deps)(t.args('message', 'U0ALICE', 'demo-4kq all  x'));

    expect(t.runs[0]?.text).toBe('teardown demo-4kq_all_x');
  });

  // Regression (found by test/fuzz): without `container` the command ran, then the listener threw reading
  // `container.type`, and the presser heard nothing.
  it('answers the presser when the payload has no container', async () => {
    const t = setup(refusal);
    const args = t.args('message', 'U0MALLORY');
    const { container: _dropped, ...withoutContainer } = args.body;

    await createLabTeardownListener(t.deps)({ ...args, body: withoutContainer as typeof args.body });

    expect(t.responses).toHaveLength(1);
    expect(JSON.stringify(t.responses[0])).toContain('belongs to someone else');
    expect(t.deps.logger.lines.filter((e) => e.level === 'error')).toEqual([]);
  });

  // Regression (found by test/fuzz): Bolt gives no `respond` to a payload without response_url; the listener threw
  // calling it and the presser heard nothing.
  it('tells the presser on their Home tab when the payload has no response_url', async () => {
    const t = setup(refusal);
    const args = t.args('message', 'U0MALLORY');

    await createLabTeardownListener(t.deps)({
      ...args,
      respond: undefined as unknown as typeof args.respond,
    });

    expect(t.published).toEqual([{ user: 'U0MALLORY', notice: refusal }]);
    expect(t.deps.logger.lines.filter((e) => e.level === 'error')).toEqual([]);
  });

  it('never rejects, logging a runner that throws', async () => {
    const t = setup(new Error('boom'));

    await expect(createLabExtendListener(t.deps)(t.args('message'))).resolves.toBeUndefined();
    expect(t.deps.logger.lines.some((e) => e.level === 'error' && e.message === 'Lab button failed')).toBe(
      true,
    );
  });
});

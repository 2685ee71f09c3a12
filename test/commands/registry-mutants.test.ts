/**
 * The small pieces around the command registry, at their edges: help for each audience word for word, verb lookup,
 * what a button runs with a forged value, the failure test, the one-line reply and plain text of spans.
 */
import { COMMAND_LIST, findCommand, helpReply, runParsed } from '../../src/commands/command-registry';
import { commandVerb } from '../../src/commands/command-verb';
import { LAB_ACTION, type LabActionId } from '../../src/commands/lab-action-ids';
import { actionUsesTimeZone, labActionCommand } from '../../src/commands/lab-actions';
import { plainText, textReply } from '../../src/commands/reply';
import { createCommandRunner } from '../../src/commands/run-command';
import { failureReply, isFailureReply } from '../../src/commands/report-error';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type LabService } from '../../src/labs/lab-service';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { labIn } from '../helpers/labs';

const usages = (reply: ReturnType<typeof helpReply>): string[] => {
  const list = reply.sections[0];
  return list?.type === 'list' ? list.items.map((item) => plainText(item)) : [];
};
const footer = (reply: ReturnType<typeof helpReply>): string => {
  const context = reply.sections[1];
  return context?.type === 'context' ? plainText(context.text) : '';
};

describe('commands/command-registry: help', () => {
  it('lists every command with its usage and purpose for an admin who may deploy', () => {
    const help = helpReply(false);
    expect(help.visibility).toBe('ephemeral');
    expect(help.tone).toBe('info');
    expect(help.title).toBe('labbot: self-service nested-ESXi labs that clean up after themselves');
    expect(usages(help)).toEqual(COMMAND_LIST.map((c) => `${c.usage}  ${c.purpose}`));
    expect(usages(help)).toContain(
      '/lab list [all]  your labs with state, cost and expiry (`all`: everyone’s, admins only)',
    );
    expect(footer(help)).toBe('DURATION: 90m, 4h, 2d. Every lab shows its cost so far and per hour.');
    expect(footer(helpReply(true))).toBe(
      'DURATION: 90m, 4h, 2d. Every lab shows its cost so far and per hour. Running against the simulated VCD.',
    );
  });

  it('hides `all` from who is not an admin, and the deploy commands from who may not deploy', () => {
    const user = usages(helpReply(false, { mayDeploy: true, isAdmin: false }));
    expect(user).toContain('/lab list  your labs with state, cost and expiry');
    expect(user.find((line) => line.startsWith('/lab cost'))).toBe(
      '/lab cost [day|week|month] [csv]  what your labs billed this day, week or month',
    );
    expect(user.filter((line) => /^\/lab (demo|repro|class) /.test(line))).toHaveLength(3);

    const bystander = helpReply(false, { mayDeploy: false, isAdmin: false });
    expect(usages(bystander).map((line) => line.split(' ')[1])).toEqual(
      COMMAND_LIST.map((c) => c.verb).filter(
        (verb) => verb !== 'demo' && verb !== 'repro' && verb !== 'class',
      ),
    );
    expect(footer(bystander)).toBe(
      'DURATION: 90m, 4h, 2d. Every lab shows its cost so far and per hour. Deploying is not open to you here; ask a labbot admin.',
    );
    // An admin who may not deploy still sees `all`.
    expect(usages(helpReply(false, { mayDeploy: false, isAdmin: true }))).toContain(
      '/lab list [all]  your labs with state, cost and expiry (`all`: everyone’s, admins only)',
    );
  });

  it('answers `help` with what the caller may run, asking the use cases', async () => {
    // Only what runHelp asks of the use cases; LabService is a class, so the literal is cast to it.
    const service = {
      mayDeploy: (user: string, channel: string | undefined, groups: string[]) =>
        user === 'U1' && channel === 'C0LABS' && groups.length === 1,
      isAdmin: (user: string) => user === 'U1',
    } as unknown as LabService;
    const runner = createCommandRunner({
      service,
      policy: DEFAULT_POLICY,
      clock: new ManualClock(),
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: true,
    });
    const admin = await runner.run('help', { user: 'U1', channel: 'C0LABS', userGroups: ['S1'] });
    expect(admin).toEqual(helpReply(true, { mayDeploy: true, isAdmin: true }));
    const other = await runner.run('-h', { user: 'U2', channel: 'C0LABS' });
    expect(other).toEqual(helpReply(true, { mayDeploy: false, isAdmin: false }));
    // A transport that knows no user groups passes none, not a made-up one.
    const noGroups = await runner.run('help', { user: 'U1', channel: 'C0LABS' });
    expect(noGroups).toEqual(helpReply(true, { mayDeploy: false, isAdmin: true }));
  });
});

describe('commands/command-registry: lookup', () => {
  it('finds a verb or an alias in any case, and nothing for other words', () => {
    expect(findCommand('LS')?.verb).toBe('list');
    expect(findCommand('Destroy')?.verb).toBe('teardown');
    expect(findCommand('constructor')).toBeUndefined();
    expect(findCommand('')).toBeUndefined();
    expect(commandVerb('  SNOOZE demo-4kq 2h ')).toBe('keep');
  });

  it('runs a parsed command with its verb’s runner', async () => {
    const service = {
      suspend: (user: string, labId: string) =>
        Promise.resolve(labIn('suspending', { id: labId, owner: user })),
    } as unknown as LabService;
    const reply = await runParsed(
      { verb: 'suspend', labId: 'demo-4kq' },
      { user: 'U_ALICE' },
      {
        deps: {
          service,
          policy: DEFAULT_POLICY,
          clock: new ManualClock(),
          random: sequenceRandom(),
          logger: createSilentLogger(),
          simulated: false,
        },
        view: () => ({
          now: new Date('2025-03-04T06:00:00Z'),
          rates: DEFAULT_POLICY.rates,
          simulated: false,
        }),
        answer: (r) => ({ ...r, title: `answered: ${r.title}` }),
      },
    );
    expect(reply.title).toBe('answered: Lab demo-4kq: suspending…');
  });
});

describe('commands/lab-actions', () => {
  it('turns any whitespace in a pressed value into one underscore, so it stays one word', () => {
    expect(labActionCommand(LAB_ACTION.teardown, 'demo-4kq')).toBe('teardown demo-4kq');
    expect(labActionCommand(LAB_ACTION.suspend, 'demo 4kq\t\nall')).toBe('suspend demo_4kq_all');
    expect(labActionCommand(LAB_ACTION.inUse, ' demo-4kq')).toBe('keep _demo-4kq 2h in-use');
  });

  it('runs help for an id the registry lacks, which needs no time zone', () => {
    const unknown = 'lab_reboot' as LabActionId;
    expect(labActionCommand(unknown, 'demo-4kq')).toBe('help');
    expect(actionUsesTimeZone(unknown)).toBe(false);
    expect(actionUsesTimeZone(LAB_ACTION.keep2h)).toBe(false);
    expect(actionUsesTimeZone(LAB_ACTION.keepTomorrow)).toBe(true);
  });
});

describe('commands/reply and report-error', () => {
  it('makes a one-line ephemeral reply, with an optional text section', () => {
    expect(textReply('Done.')).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'Done.',
      sections: [],
    });
    expect(textReply('Oops.', 'error', ['see ', { code: 'x' }])).toEqual({
      visibility: 'ephemeral',
      tone: 'error',
      title: 'Oops.',
      sections: [{ type: 'text', text: ['see ', { code: 'x' }] }],
    });
  });

  it('flattens every kind of span to its text', () => {
    expect(plainText(['a ', { user: 'U1' }, ' b ', { code: 'c' }, ' ', { bold: 'd' }])).toBe('a U1 b c d');
    expect(plainText([])).toBe('');
  });

  it('counts only an error reply with the failure sentence as a failure', () => {
    const failure = failureReply('abc123');
    expect(isFailureReply(failure)).toBe(true);
    expect(isFailureReply({ ...failure, tone: 'info' })).toBe(false);
    expect(isFailureReply({ ...failure, title: `Note: ${failure.title}` })).toBe(false);
  });

  it('answers a command the caller alone sees, even when the runner made a channel reply', async () => {
    const service = {
      resume: (user: string, labId: string) => Promise.resolve(labIn('resuming', { id: labId, owner: user })),
    } as unknown as LabService;
    const runner = createCommandRunner({
      service,
      policy: DEFAULT_POLICY,
      clock: new ManualClock(new Date('2025-03-04T06:00:00Z')),
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: true,
    });
    const reply = await runner.run('resume demo-4kq', { user: 'U_ALICE' });
    expect([reply.visibility, reply.title]).toEqual(['ephemeral', 'Lab demo-4kq: resuming…']);
    expect(plainText(reply.sections.flatMap((s) => (s.type === 'context' ? s.text : [])))).toBe(
      'lab demo-4kq · simulated VCD: nothing real was deployed',
    );
  });

  it('reads tickets with the policy’s pattern', async () => {
    const asked: unknown[] = [];
    const service = {
      deploy: (input: unknown) => {
        asked.push(input);
        return Promise.reject(new Error('not expected'));
      },
    } as unknown as LabService;
    const runner = createCommandRunner({
      service,
      policy: { ...DEFAULT_POLICY, ticketPattern: '^SUP-[0-9]+$' },
      clock: new ManualClock(),
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: false,
    });
    const reply = await runner.run('repro T-1', { user: 'U1' });
    expect([reply.tone, reply.title]).toEqual([
      'error',
      expect.stringMatching(/^"T-1" is not a ticket id \(expected something like TICKET-123\)/),
    ]);
    expect(asked).toEqual([]);
  });

  it('turns an unexpected error of a use case into the failure reply with a ref', async () => {
    const service = { resume: () => Promise.reject(new Error('store down')) } as unknown as LabService;
    const runner = createCommandRunner({
      service,
      policy: DEFAULT_POLICY,
      clock: new ManualClock(),
      random: () => 0.5,
      logger: createSilentLogger(),
      simulated: false,
    });
    expect(await runner.run('resume demo-4kq', { user: 'U1' })).toEqual(failureReply('iiiiii'));
    // The parser's refusals too go through the runner rather than escaping it.
    expect((await runner.run('resume', { user: 'U1' })).tone).toBe('error');
  });
});

/**
 * What the deploy runners hand the use case, strictly: a field the caller did not give is absent, not present as
 * undefined (the domain compiles with exactOptionalPropertyTypes, and `'channel' in input` must mean a channel);
 * the refusal of a time that names none; and a schedule without a time recorded.
 */
import { type CommandContext } from '../../src/commands/command-context';
import { type RunEnv } from '../../src/commands/command-spec';
import { runClass, runCost, runDemo, runRepro, runStatus } from '../../src/commands/run-verbs';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type ClassService } from '../../src/labs/class-service';
import { UserError } from '../../src/labs/errors';
import { type Lab } from '../../src/labs/lab';
import { type DeployResult, type LabService } from '../../src/labs/lab-service';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { labIn } from '../helpers/labs';
import { replyText } from '../helpers/reply-text';

const NOW = new Date('2026-03-04T10:00:00Z');

function env(result: DeployResult) {
  const deployed: unknown[] = [];
  // Only what these runners call; LabService is a class, so the literal is cast to it.
  const service = {
    deploy: (input: unknown) => {
      deployed.push(input);
      return Promise.resolve(result);
    },
    status: (labId: string) => Promise.resolve(lab({ id: labId, owner: 'U2' })),
    isAdmin: () => false,
  } as unknown as LabService;
  const run: RunEnv = {
    deps: {
      service,
      policy: DEFAULT_POLICY,
      clock: new ManualClock(NOW),
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: false,
    },
    view: () => ({ now: NOW, rates: DEFAULT_POLICY.rates, simulated: false }),
    answer: (reply) => reply,
  };
  return { run, deployed };
}

const lab = (overrides: Partial<Lab> = {}): Lab =>
  labIn('requested', { id: 'demo-4kq', owner: 'U1', ...overrides });
const caller: CommandContext = { user: 'U1' };

describe('run-verbs: what the use case is given', () => {
  it('leaves out of a demo what the caller did not give', async () => {
    const { run, deployed } = env({ lab: lab(), existing: false });
    await runDemo({ verb: 'demo' }, caller, run);
    expect(deployed).toStrictEqual([{ user: 'U1', kind: 'demo' }]);
  });

  it('leaves out of a repro what the caller did not give', async () => {
    const { run, deployed } = env({ lab: lab({ ticket: 'SUP-1' }), existing: false });
    await runRepro({ verb: 'repro', ticket: 'SUP-1' }, caller, run);
    expect(deployed).toStrictEqual([{ user: 'U1', kind: 'repro', ticket: 'SUP-1' }]);
  });

  it('passes on everything the caller gave', async () => {
    const { run, deployed } = env({ lab: lab(), existing: false });
    const context: CommandContext = { user: 'U1', channel: 'C0LABS', userGroups: ['S1'], timeZone: 'UTC' };
    await runRepro(
      { verb: 'repro', ticket: 'SUP-1', template: 'esxi7', lifetimeMinutes: 60, readyBy: ['12:00'] },
      context,
      run,
    );
    expect(deployed).toStrictEqual([
      {
        user: 'U1',
        channel: 'C0LABS',
        userGroups: ['S1'],
        kind: 'repro',
        ticket: 'SUP-1',
        template: 'esxi7',
        lifetimeMinutes: 60,
        readyBy: new Date('2026-03-04T12:00:00Z'),
      },
    ]);
  });

  it('refuses a time that names none as a usage error, before asking for anything', async () => {
    const { run, deployed } = env({ lab: lab(), existing: false });
    const refusal = runDemo({ verb: 'demo', readyBy: ['9:00'] }, { user: 'U1', timeZone: 'UTC' }, run);
    await expect(refusal).rejects.toBeInstanceOf(UserError);
    await expect(refusal).rejects.toMatchObject({
      code: 'usage',
      message: expect.stringMatching(/^Cannot schedule the lab: /),
    });
    expect(deployed).toEqual([]);
  });
});

describe('run-verbs: edges of the replies', () => {
  it('says nothing of a ready-by or deploy time the scheduled lab does not carry', async () => {
    const expected = { minutes: 20, source: 'default (0 recent deploys)' };
    const calm = env({
      lab: lab({ phase: 'scheduled' }),
      existing: false,
      schedule: { expected, tight: false },
    });
    const reply = await runDemo({ verb: 'demo' }, caller, calm.run);
    expect(replyText(reply)).toContain(
      'Scheduled: ready by . The deploy starts at  (expected deploy time 20m (default (0 recent deploys))); it bills from then and its lifetime counts from . `/lab cancel demo-4kq` cancels it.',
    );
    const tight = env({
      lab: lab({ phase: 'scheduled' }),
      existing: false,
      schedule: { expected, tight: true },
    });
    expect(replyText(await runDemo({ verb: 'demo' }, caller, tight.run))).toContain(
      'Scheduled for , but deploying this template is expected to take 20m',
    );
  });
});

describe('run-verbs: classes and refusals', () => {
  it('leaves out of a new class what the trainer did not give', async () => {
    const created: unknown[] = [];
    const classroom = {
      name: 'c1',
      trainer: 'U1',
      template: 'esxi8',
      startsAt: NOW,
      endsAt: NOW,
      createdAt: NOW,
    };
    // Only what runClass calls on create; ClassService is a class, so the literal is cast to it.
    const classes = {
      create: (input: unknown) => {
        created.push(input);
        return Promise.resolve({ classroom, labs: [], skipped: [] });
      },
    } as unknown as ClassService;
    const { run } = env({ lab: lab(), existing: false });
    await runClass({ verb: 'class', action: { kind: 'create', students: [{ user: 'U0A' }] } }, caller, {
      ...run,
      deps: { ...run.deps, classes },
    });
    expect(created).toStrictEqual([{ trainer: 'U1', students: [{ user: 'U0A' }] }]);
  });

  it('refuses with the code of each refusal: not an admin, a CSV of one’s own, classes not enabled, another’s scripts', async () => {
    const { run } = env({ lab: lab(), existing: false });
    await expect(runCost({ verb: 'cost', scope: 'all' }, caller, run)).rejects.toMatchObject({
      code: 'not_owner',
    });
    await expect(runCost({ verb: 'cost', scope: 'me', csv: true }, caller, run)).rejects.toMatchObject({
      code: 'usage',
    });
    await expect(
      runClass({ verb: 'class', action: { kind: 'list', all: false } }, caller, run),
    ).rejects.toMatchObject({ code: 'invalid_state' });
    await expect(
      runStatus({ verb: 'status', labId: 'demo-4kq', script: true }, caller, run),
    ).rejects.toMatchObject({ code: 'not_owner' });
  });
});

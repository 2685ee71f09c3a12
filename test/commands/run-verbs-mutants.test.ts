/**
 * The verb runners (commands/run-verbs.ts) through the command runner: what each typed command asks of the use
 * cases, and the exact reply it makes of the answer. The use cases are a recording double here (their own rules
 * are tested in test/labs/lab-service.test.ts), so every answer the runners handle can be given: a scheduled or
 * tight deploy, an existing repro lab, private templates, bills in a period.
 */
import { createCommandRunner } from '../../src/commands/run-command';
import { type CommandContext } from '../../src/commands/command-context';
import { type Reply, type Section } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type BillingInterval, type BillingPeriod } from '../../src/labs/billing';
import { type ClassService } from '../../src/labs/class-service';
import { UserError } from '../../src/labs/errors';
import { type Lab } from '../../src/labs/lab';
import { type DeployResult, type LabService } from '../../src/labs/lab-service';
import { type LabPolicy, type TemplatePolicy } from '../../src/labs/policy';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { labIn } from '../helpers/labs';
import { replyText } from '../helpers/reply-text';

const NOW = new Date('2026-03-04T10:00:00Z');

/** 8 vCPU, 32 GB and 730 GB at the default rates: $0.42/h running, $0.08/h suspended. */
function lab(phase: Lab['phase'], overrides: Partial<Lab> = {}): Lab {
  return labIn(phase, {
    id: 'demo-4kq',
    owner: 'U1',
    spec: { vcpus: 8, memoryGb: 32, storageGb: 730 },
    createdAt: NOW,
    expiresAt: new Date(NOW.getTime() + 4 * 3600_000),
    ...overrides,
  });
}

interface Call {
  method: string;
  args: unknown[];
}

/** What the runners may ask of LabService, answering with `answers` and recording every call. */
interface Answers {
  deploy?: DeployResult;
  labs?: Lab[];
  lab?: Lab;
  admins?: string[];
  templates?: Awaited<ReturnType<LabService['templates']>>;
  billing?: { labs: Lab[]; intervals: BillingInterval[] };
}

function setup(
  answers: Answers = {},
  options: { policy?: LabPolicy; publicUrl?: string; classes?: ClassService } = {},
) {
  const calls: Call[] = [];
  const record =
    <T>(method: string, result: T) =>
    (...args: unknown[]): Promise<T> => {
      calls.push({ method, args });
      return Promise.resolve(result);
    };
  const theLab = answers.lab ?? lab('ready');
  const admins = answers.admins ?? [];
  // A double of the use cases: only the methods the runners call, each recording its arguments. LabService is a
  // class, so the object literal is cast to it.
  const service = {
    deploy: record('deploy', answers.deploy ?? { lab: theLab, existing: false }),
    list: record('list', answers.labs ?? []),
    status: record('status', theLab),
    touch: record('touch', undefined),
    extend: record('extend', theLab),
    keep: record('keep', theLab),
    suspend: record('suspend', theLab),
    resume: record('resume', theLab),
    handoff: record('handoff', theLab),
    teardown: record('teardown', theLab),
    cancel: record('cancel', theLab),
    capture: record('capture', theLab),
    templates: record('templates', answers.templates ?? []),
    publishTemplate: record('publishTemplate', undefined),
    removeTemplate: record('removeTemplate', { catalog: 'labs', catalogItem: 'labbot-capture-mytpl' }),
    billing: record('billing', answers.billing ?? { labs: [], intervals: [] }),
    isAdmin: (user: string) => admins.includes(user),
    mayAccess: (user: string, l: Pick<Lab, 'owner'>) => l.owner === user || admins.includes(user),
    mayDeploy: () => true,
  } as unknown as LabService;
  const policy = options.policy ?? DEFAULT_POLICY;
  const runner = createCommandRunner({
    service,
    policy,
    clock: new ManualClock(NOW),
    random: sequenceRandom(),
    logger: createSilentLogger(),
    simulated: false,
    ...(options.publicUrl !== undefined ? { publicUrl: options.publicUrl } : {}),
    ...(options.classes !== undefined ? { classes: options.classes } : {}),
  });
  const run = (text: string, context: Partial<CommandContext> = {}): Promise<Reply> =>
    runner.run(text, { user: 'U1', ...context });
  const argsOf = (method: string): unknown[][] => calls.filter((c) => c.method === method).map((c) => c.args);
  return { run, calls, argsOf };
}

const texts = (sections: Section[]): string[] =>
  sections.flatMap((s) =>
    s.type === 'text' || s.type === 'context'
      ? [replyText({ visibility: 'ephemeral', tone: 'info', title: '', sections: [s] }).slice(1)]
      : [],
  );

describe('run-verbs: deploys', () => {
  it('asks for a demo with what was typed and where, and answers the caller alone with the estimate first', async () => {
    const { run, argsOf } = setup();
    const reply = await run('demo esxi8 for 3h', { channel: 'C0LABS', userGroups: ['S1'] });

    expect(argsOf('deploy')).toEqual([
      [
        {
          user: 'U1',
          channel: 'C0LABS',
          userGroups: ['S1'],
          kind: 'demo',
          template: 'esxi8',
          lifetimeMinutes: 180,
        },
      ],
    ]);
    expect(reply.visibility).toBe('ephemeral');
    expect(reply.title).toBe('Lab demo-4kq: ready');
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: ['Estimated ≈ $0.42/h while running, $0.08/h while suspended. Progress follows here.'],
    });
    expect(reply.sections[1]?.type).toBe('fields');
  });

  it('asks for a bare demo with nothing the caller did not give', async () => {
    const { run, argsOf } = setup();
    await run('demo');
    expect(argsOf('deploy')).toEqual([[{ user: 'U1', kind: 'demo' }]]);
  });

  it('schedules a demo in the caller’s time zone and says when it deploys, or that it may be late', async () => {
    const readyBy = new Date('2026-03-04T13:00:00Z');
    const scheduled = lab('scheduled', { readyBy, deployAt: new Date('2026-03-04T12:30:00Z') });
    const calm = setup({
      deploy: {
        lab: scheduled,
        existing: false,
        schedule: { expected: { minutes: 20, source: 'p90 of 20 deploys' }, tight: false },
      },
    });
    const reply = await calm.run('demo at 14:00', { timeZone: 'Europe/Paris' });

    expect(calm.argsOf('deploy')).toEqual([[{ user: 'U1', kind: 'demo', readyBy }]]);
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [
        'Estimated ≈ $0.42/h while running, $0.08/h while suspended. Scheduled: ready by Wed 4 Mar 14:00 CET. The deploy starts at Wed 4 Mar 13:30 CET (expected deploy time 20m (p90 of 20 deploys)); it bills from then and its lifetime counts from Wed 4 Mar 14:00 CET. `/lab cancel demo-4kq` cancels it.',
      ],
    });

    const tight = setup({
      deploy: {
        lab: scheduled,
        existing: false,
        schedule: { expected: { minutes: 240, source: 'default (0 recent deploys)' }, tight: true },
      },
    });
    const late = await tight.run('demo at 14:00', { timeZone: 'Europe/Paris' });
    expect(late.sections[0]).toEqual({
      type: 'text',
      text: [
        'Estimated ≈ $0.42/h while running, $0.08/h while suspended. Scheduled for Wed 4 Mar 14:00 CET, but deploying this template is expected to take 4h (default (0 recent deploys)): it starts now and may be a little late. You will be told if it is.',
      ],
    });
  });

  it('reads `at TIME` in the configured zone when the caller has none, and refuses a time already past', async () => {
    const { run, argsOf } = setup();
    await run('demo at 14:00');
    const zone = DEFAULT_POLICY.schedule?.defaultTimeZone ?? 'UTC';
    expect(zone).toBe('UTC');
    expect(argsOf('deploy')).toEqual([
      [{ user: 'U1', kind: 'demo', readyBy: new Date('2026-03-04T14:00:00Z') }],
    ]);

    const past = await run('demo at 9:00');
    expect(past.tone).toBe('error');
    expect(past.title).toMatch(/^Cannot schedule the lab: /);
    expect(argsOf('deploy')).toHaveLength(1);
  });

  it('asks for a repro with its ticket, and names the lab a ticket already has', async () => {
    const repro = lab('ready', { id: 'repro-sup-12', ticket: 'SUP-12' });
    const fresh = setup({ deploy: { lab: repro, existing: false } });
    const reply = await fresh.run('repro SUP-12 esxi7 for 2d', { channel: 'C0LABS' });
    expect(fresh.argsOf('deploy')).toEqual([
      [
        {
          user: 'U1',
          channel: 'C0LABS',
          kind: 'repro',
          ticket: 'SUP-12',
          template: 'esxi7',
          lifetimeMinutes: 2880,
        },
      ],
    ]);
    expect(reply.title).toBe('Lab repro-sup-12: ready');
    expect(reply.sections[0]?.type).toBe('fields');

    const again = setup({ deploy: { lab: { ...repro, phase: 'deploying' }, existing: true } });
    expect((await again.run('repro SUP-12')).title).toBe(
      'Ticket SUP-12 already has lab repro-sup-12: deploying…',
    );
    expect(again.argsOf('deploy')).toEqual([[{ user: 'U1', kind: 'repro', ticket: 'SUP-12' }]]);
  });

  it('puts a scheduled repro’s schedule first', async () => {
    const readyBy = new Date('2026-03-04T13:00:00Z');
    const scheduled = lab('scheduled', {
      id: 'repro-sup-12',
      ticket: 'SUP-12',
      readyBy,
      deployAt: new Date('2026-03-04T12:30:00Z'),
    });
    const { run, argsOf } = setup({
      deploy: {
        lab: scheduled,
        existing: false,
        schedule: { expected: { minutes: 20, source: 'default (0 recent deploys)' }, tight: false },
      },
    });
    const reply = await run('repro SUP-12 at 13:00', { timeZone: 'UTC' });
    expect(argsOf('deploy')).toEqual([[{ user: 'U1', kind: 'repro', ticket: 'SUP-12', readyBy }]]);
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [
        'Scheduled: ready by Wed 4 Mar 13:00 UTC. The deploy starts at Wed 4 Mar 12:30 UTC (expected deploy time 20m (default (0 recent deploys))); it bills from then and its lifetime counts from Wed 4 Mar 13:00 UTC. `/lab cancel repro-sup-12` cancels it.',
      ],
    });
  });
});

describe('run-verbs: one lab', () => {
  it('lists the caller’s live labs, or says how to deploy one', async () => {
    const mine = setup({
      labs: [lab('ready'), lab('deleted', { id: 'demo-old' }), lab('failed', { id: 'demo-bad' })],
    });
    const reply = await mine.run('list');
    expect(mine.argsOf('list')).toEqual([['U1', false]]);
    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'Your labs (1)',
      sections: [{ type: 'list', items: [['demo-4kq  ready  esxi8-basic  $0.00 so far, $0.42/h  in 4h']] }],
    });
    expect(await setup().run('list')).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'You have no live labs. `/lab demo` deploys one.',
      sections: [],
    });
  });

  it('lists everyone’s labs with their owners for an admin, counted in the singular or plural', async () => {
    const two = setup({ labs: [lab('ready'), lab('ready', { id: 'demo-b', owner: 'U2' })], admins: ['U1'] });
    const reply = await two.run('list all');
    expect(two.argsOf('list')).toEqual([['U1', true]]);
    expect(reply.title).toBe('2 live labs');
    expect(reply.sections).toEqual([
      {
        type: 'list',
        items: [
          ['demo-4kq  ready  esxi8-basic  $0.00 so far, $0.42/h  in 4h', '  owner ', { user: 'U1' }],
          ['demo-b  ready  esxi8-basic  $0.00 so far, $0.42/h  in 4h', '  owner ', { user: 'U2' }],
        ],
      },
    ]);
    expect((await setup({ labs: [lab('ready')] }).run('list all')).title).toBe('1 live lab');
    expect((await setup({ labs: [] }).run('list all')).title).toBe('No live labs.');
  });

  it('shows a scheduled lab’s ready-by time in the caller’s zone in the list', async () => {
    const scheduled = lab('scheduled', { readyBy: new Date('2026-03-04T13:00:00Z') });
    const reply = await setup({ labs: [scheduled] }).run('list', { timeZone: 'Europe/Paris' });
    expect(replyText(reply)).toContain('demo-4kq  scheduled, ready by Wed 4 Mar 14:00 CET  esxi8-basic');
  });

  it('touches the lab its owner looks at, not one someone else looks at', async () => {
    const owner = setup();
    await owner.run('status demo-4kq');
    expect(owner.argsOf('status')).toEqual([['demo-4kq']]);
    expect(owner.argsOf('touch')).toEqual([['demo-4kq']]);

    const other = setup();
    const reply = await other.run('status demo-4kq', { user: 'U2' });
    expect(other.argsOf('touch')).toEqual([]);
    expect(reply.visibility).toBe('ephemeral');
    expect(replyText(reply)).toContain('shown to its owner and labbot admins only');
  });

  it('gives its owner the keep-alive URL of labbot’s public address', async () => {
    const withUrl = setup(
      { lab: lab('ready', { keepaliveToken: 'tok-1' }) },
      { publicUrl: 'https://labbot.example.com' },
    );
    expect(replyText(await withUrl.run('status demo-4kq'))).toContain(
      "curl -fsS 'https://labbot.example.com/labs/demo-4kq/keepalive?token=tok-1'",
    );
    const without = setup({ lab: lab('ready', { keepaliveToken: 'tok-1' }) });
    expect(replyText(await without.run('status demo-4kq'))).not.toContain('keepalive');
  });

  it('shows the host scripts to the owner and to an admin, and refuses anyone else', async () => {
    expect((await setup().run('status demo-4kq script')).title).toBe('Lab demo-4kq: no host script');
    const admin = setup({ admins: ['U9'] });
    const asAdmin = await admin.run('status demo-4kq script', { user: 'U9' });
    expect(asAdmin.title).toBe('Lab demo-4kq: no host script');
    expect(asAdmin.visibility).toBe('ephemeral');
    expect(admin.argsOf('touch')).toEqual([]);
    const refused = await setup().run('status demo-4kq script', { user: 'U2' });
    expect(refused.title).toBe(
      'Lab demo-4kq belongs to someone else; only its owner or an admin can see its host scripts.',
    );
  });

  it('passes each lab command on with who asked, and answers with the lab, to the caller alone', async () => {
    const { run, argsOf } = setup();
    for (const text of [
      'extend demo-4kq 90m',
      'extend demo-4kq',
      'suspend demo-4kq',
      'resume demo-4kq',
      'teardown demo-4kq',
    ]) {
      const reply = await run(text);
      expect([reply.visibility, reply.title]).toEqual(['ephemeral', 'Lab demo-4kq: ready']);
    }
    expect(argsOf('extend')).toEqual([
      ['U1', 'demo-4kq', 90],
      ['U1', 'demo-4kq', undefined],
    ]);
    expect(argsOf('suspend')).toEqual([['U1', 'demo-4kq']]);
    expect(argsOf('resume')).toEqual([['U1', 'demo-4kq']]);
    expect(argsOf('teardown')).toEqual([['U1', 'demo-4kq']]);
  });

  it('keeps a lab two hours by default, for a duration, or until 9:00 tomorrow, and thanks for a false alarm', async () => {
    const { run, argsOf } = setup();
    expect((await run('keep demo-4kq')).title).toBe('Kept lab demo-4kq until 2026-03-04 12:00 UTC.');
    expect((await run('keep demo-4kq 30m')).title).toBe('Kept lab demo-4kq until 2026-03-04 10:30 UTC.');
    expect((await run('keep demo-4kq tomorrow')).title).toBe('Kept lab demo-4kq until 2026-03-05 09:00 UTC.');
    const inUse = await run('keep demo-4kq 2h in-use');
    expect(inUse.title).toBe(
      'Kept lab demo-4kq until 2026-03-04 12:00 UTC; thanks, the false alarm is recorded.',
    );
    expect(inUse.visibility).toBe('ephemeral');
    expect(argsOf('keep')).toEqual([
      ['U1', 'demo-4kq', new Date('2026-03-04T12:00:00Z'), false],
      ['U1', 'demo-4kq', new Date('2026-03-04T10:30:00Z'), false],
      ['U1', 'demo-4kq', new Date('2026-03-05T09:00:00Z'), false],
      ['U1', 'demo-4kq', new Date('2026-03-04T12:00:00Z'), true],
    ]);
  });

  it('hands a lab off, captures it, and cancels a scheduled one, each saying so', async () => {
    const { run, argsOf } = setup();
    const handoff = await run('handoff demo-4kq <@U0BOB>');
    expect([handoff.visibility, handoff.title]).toEqual(['ephemeral', 'Lab demo-4kq now belongs to U0BOB.']);
    expect(argsOf('handoff')).toEqual([['U1', 'demo-4kq', 'U0BOB']]);

    const capture = await run('capture demo-4kq mytpl');
    expect(capture.title).toBe(
      'Capturing lab demo-4kq as template mytpl: it powers off, is saved to the catalog and comes back. You will be told when `/lab demo mytpl` can deploy it.',
    );
    expect(capture.visibility).toBe('ephemeral');
    expect(capture.sections[0]?.type).toBe('fields');
    expect(argsOf('capture')).toEqual([['U1', 'demo-4kq', 'mytpl']]);

    const cancel = await run('cancel demo-4kq');
    expect([cancel.visibility, cancel.title]).toEqual([
      'ephemeral',
      'Lab demo-4kq is cancelled: nothing had been deployed, so nothing was billed.',
    ]);
    expect(argsOf('cancel')).toEqual([['U1', 'demo-4kq']]);
  });

  it('shows a cancelled lab’s ready-by time in the caller’s zone', async () => {
    const scheduled = lab('scheduled', { readyBy: new Date('2026-03-04T13:00:00Z') });
    const reply = await setup({ lab: scheduled }).run('cancel demo-4kq', { timeZone: 'Europe/Paris' });
    expect(replyText(reply)).toContain('Ready by: Wed 4 Mar 14:00 CET');
  });
});

describe('run-verbs: templates', () => {
  const template = (key: string, description: string): TemplatePolicy => ({
    ...(DEFAULT_POLICY.templates[0] as TemplatePolicy),
    key,
    description,
    vcpus: 8,
    memoryGb: 32,
    storageGb: 730,
  });
  const rate = { compute: 0.344, storage: 0.08, total: 0.424 };

  it('lists the templates with size and rate, and the defaults of each kind', async () => {
    const { run, argsOf } = setup({
      templates: [{ template: template('esxi8', 'One host'), rate, private: false }],
    });
    const reply = await run('templates');
    expect(argsOf('templates')).toEqual([['U1']]);
    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'Templates',
      sections: [
        {
          type: 'table',
          columns: ['template', 'what', 'size', 'rate'],
          rows: [['esxi8', 'One host', '8 vCPU, 32 GB RAM, 730 GB disk', '$0.42/h']],
        },
        {
          type: 'context',
          text: [
            'Defaults per kind: demo: vsphere8, 4h (max 12h); repro: esxi8, 3d (max 14d); class: esxi8, 8h (max 1d); dev: esxi8, 1d (max 7d)',
          ],
        },
      ],
    });
  });

  it('says whose a private capture is and how to publish or remove one', async () => {
    const { run } = setup({
      templates: [
        { template: template('mine', 'Mine'), rate, private: true, capturedBy: 'U1' },
        { template: template('theirs', 'Theirs'), rate, private: true, capturedBy: 'U2' },
        { template: template('lost', 'Lost'), rate, private: true },
        { template: template('shared', 'Shared'), rate, private: false, capturedBy: 'U2' },
      ],
    });
    const reply = await run('templates');
    const [table, context] = reply.sections;
    expect(table?.type === 'table' ? table.rows.map((r) => r[1]) : []).toEqual([
      'Mine (private to you until an admin publishes it)',
      'Theirs (private to U2 until an admin publishes it)',
      'Lost (private to its owner until an admin publishes it)',
      'Shared',
    ]);
    expect(context?.type === 'context' ? context.text[0] : '').toMatch(
      /\(max 7d\)\. Captured templates are private to whoever captured them until an admin publishes them \(`\/lab templates publish NAME`\); `\/lab templates remove NAME` removes one of yours\.$/,
    );
  });

  it('publishes and removes a template, saying what is left in VCD', async () => {
    const { run, argsOf } = setup();
    expect(await run('templates publish mytpl')).toEqual({
      visibility: 'ephemeral',
      tone: 'success',
      title: 'Template mytpl is published: everyone can deploy it now (`/lab demo mytpl`).',
      sections: [],
    });
    expect(argsOf('publishTemplate')).toEqual([['U1', 'mytpl']]);
    expect(await run('templates remove mytpl')).toEqual({
      visibility: 'ephemeral',
      tone: 'success',
      title: 'Template mytpl is removed from labbot; nobody can deploy it any more.',
      sections: [
        {
          type: 'context',
          text: [
            'Its catalog item ',
            { code: 'labbot-capture-mytpl' },
            ' is still in VCD catalog labs: labbot never deletes catalog content; a VCD administrator deletes it there once nobody needs it.',
          ],
        },
      ],
    });
    expect(argsOf('removeTemplate')).toEqual([['U1', 'mytpl']]);
    expect(argsOf('templates')).toEqual([]);
  });
});

describe('run-verbs: cost', () => {
  /** Two labs that ran the whole of 4 March 2026 up to 10:00: $4.24 and $0.80 (the second suspended). */
  const billed = {
    labs: [
      lab('ready', {
        id: 'repro-1',
        kind: 'repro',
        ticket: 'SUP-1',
        owner: 'U1',
        createdAt: new Date('2026-03-01T00:00:00Z'),
      }),
      lab('suspended', {
        id: 'demo-2',
        kind: 'demo',
        owner: 'U2',
        createdAt: new Date('2026-03-01T00:00:00Z'),
      }),
    ],
    intervals: [
      { labId: 'repro-1', state: 'running', startedAt: new Date('2026-03-04T00:00:00Z') },
      { labId: 'demo-2', state: 'suspended', startedAt: new Date('2026-03-04T00:00:00Z') },
    ] as BillingInterval[],
  };

  it('bills the caller’s labs for the day, by kind and ticket', async () => {
    const { run, argsOf } = setup({ billing: billed });
    const reply = await run('cost day');
    expect(argsOf('billing')).toEqual([[{ from: new Date('2026-03-04T00:00:00Z'), to: NOW }, 'U1']]);
    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'Your labs: $5.04 (2 labs)',
      sections: [
        {
          type: 'table',
          columns: ['kind', 'labs', 'cost'],
          rows: [
            ['repro', '1', '$4.24'],
            ['demo', '1', '$0.80'],
          ],
        },
        { type: 'table', columns: ['ticket', 'labs', 'cost'], rows: [['SUP-1', '1', '$4.24']] },
        {
          type: 'context',
          text: [
            'What ran this day (since 2026-03-04 00:00 UTC): CPU and RAM while powered on, storage while the lab existed.',
          ],
        },
      ],
    });
  });

  it('starts the period at the caller’s midnight: a button’s offset first, else their time zone, else UTC', async () => {
    const offset = setup({ billing: billed });
    await offset.run('cost day', { utcOffsetMinutes: 60, timeZone: 'America/New_York' });
    expect((offset.argsOf('billing')[0]?.[0] as BillingPeriod).from).toEqual(
      new Date('2026-03-03T23:00:00Z'),
    );
    const zone = setup({ billing: billed });
    await zone.run('cost day', { timeZone: 'America/New_York' });
    expect((zone.argsOf('billing')[0]?.[0] as BillingPeriod).from).toEqual(new Date('2026-03-04T05:00:00Z'));
    const unknown = setup({ billing: billed });
    await unknown.run('cost day', { timeZone: 'Mars/Olympus' });
    expect((unknown.argsOf('billing')[0]?.[0] as BillingPeriod).from).toEqual(
      new Date('2026-03-04T00:00:00Z'),
    );
  });

  it('bills everything since the first lab for an admin, per owner too, in one lab or several', async () => {
    const { run, argsOf } = setup({ billing: billed, admins: ['U1'] });
    const reply = await run('cost all');
    expect(argsOf('billing')).toEqual([[{ from: new Date(0), to: NOW }, undefined]]);
    expect(reply.title).toBe('All labs: $5.04 (2 labs)');
    expect(reply.sections.slice(2)).toEqual([
      {
        type: 'table',
        columns: ['owner', 'labs', 'cost'],
        rows: [
          ['U1', '1', '$4.24'],
          ['U2', '1', '$0.80'],
        ],
      },
      {
        type: 'context',
        text: ['What ran since the first lab: CPU and RAM while powered on, storage while the lab existed.'],
      },
    ]);
    const one = setup({ billing: { labs: billed.labs.slice(1), intervals: billed.intervals.slice(1) } });
    const single = await one.run('cost');
    expect(single.title).toBe('Your labs: $0.80 (1 lab)');
    // No ticket billed: no ticket table.
    expect(single.sections.map((s) => s.type)).toEqual(['table', 'context']);
  });

  it('words the bill of a caller with no user id as plain labs', async () => {
    expect((await setup({ billing: billed }).run('cost', { user: '' })).title).toBe('Labs: $5.04 (2 labs)');
  });

  it('exports everything as CSV for an admin, naming the file after the period', async () => {
    const { run } = setup({ billing: billed, admins: ['U1'] });
    const allTime = await run('cost all csv');
    expect(allTime.file).toEqual({
      name: 'labbot-cost-all-time-1970-01-01.csv',
      title: 'labbot cost, since the first lab',
      mimeType: 'text/csv',
      content: [
        'period_start,period_end,owner,kind,ticket,template,labs,running_hours,storage_hours,cost_usd',
        '1970-01-01T00:00:00.000Z,2026-03-04T10:00:00.000Z,U1,repro,SUP-1,esxi8-basic,1,10.00,0.00,4.24',
        '1970-01-01T00:00:00.000Z,2026-03-04T10:00:00.000Z,U2,demo,,esxi8-basic,1,0.00,10.00,0.80',
        '',
      ].join('\r\n'),
    });
    expect(texts(allTime.sections)).toContain(
      'What ran since the first lab: CPU and RAM while powered on, storage while the lab existed. The CSV has a row per owner, kind, ticket and template.',
    );
    const week = await run('cost all week csv');
    expect(week.file?.name).toBe('labbot-cost-week-2026-03-02.csv');
    expect(week.file?.title).toBe('labbot cost, this week (since 2026-03-02 00:00 UTC)');
    expect((await run('cost all week')).file).toBeUndefined();
  });

  it('refuses everyone’s costs and the CSV to whom they are not for', async () => {
    const { run, argsOf } = setup({ billing: billed });
    expect((await run('cost all')).title).toBe(
      'Only labbot admins can see everyone’s costs. `/lab cost` shows yours.',
    );
    const admin = setup({ billing: billed, admins: ['U1'] });
    expect((await admin.run('cost csv')).title).toBe(
      'The CSV export is everyone’s costs, for admins: `/lab cost all month csv`.',
    );
    expect([...argsOf('billing'), ...admin.argsOf('billing')]).toEqual([]);
  });
});

describe('run-verbs: class', () => {
  const classroom = {
    name: 'vsphere-101',
    trainer: 'U1',
    template: 'esxi8',
    startsAt: new Date('2026-03-04T10:00:00Z'),
    endsAt: new Date('2026-03-04T18:00:00Z'),
    createdAt: NOW,
  };

  function classes() {
    const calls: Call[] = [];
    const record =
      <T>(method: string, result: T) =>
      (...args: unknown[]): Promise<T> => {
        calls.push({ method, args });
        return Promise.resolve(result);
      };
    const done = { classroom, done: [lab('ready')], skipped: [] };
    // A double of ClassService: only what runClass calls (the service is tested in test/e2e/class-two-replicas).
    const service = {
      create: record('create', { classroom, labs: [lab('requested')], skipped: [] }),
      add: record('add', { classroom, labs: [lab('requested')], skipped: [] }),
      list: record('list', [classroom]),
      show: record('show', { classroom, seats: [], labs: [] }),
      forAll: record('forAll', done),
    } as unknown as ClassService;
    return { service, calls };
  }

  it('creates a class for the students typed, where it was asked, and answers the trainer', async () => {
    const double = classes();
    const { run } = setup({}, { classes: double.service });
    const reply = await run('class esxi8 for <@U0A> <@U0B> for 3h name vsphere-101', {
      channel: 'C0LABS',
      userGroups: ['S1'],
    });
    expect(double.calls).toEqual([
      {
        method: 'create',
        args: [
          {
            trainer: 'U1',
            channel: 'C0LABS',
            userGroups: ['S1'],
            template: 'esxi8',
            students: [{ user: 'U0A' }, { user: 'U0B' }],
            lifetimeMinutes: 180,
            name: 'vsphere-101',
          },
        ],
      },
    ]);
    expect(reply.title).toBe('Class vsphere-101: 1 lab of esxi8 requested, until 18:00 UTC');
    expect(reply.sections[0]?.type).toBe('list');
  });

  it('schedules a class and says so first', async () => {
    const double = classes();
    const { run } = setup({}, { classes: double.service });
    const reply = await run('class for <@U0A> at 14:00', { timeZone: 'Europe/Paris' });
    expect(double.calls).toEqual([
      {
        method: 'create',
        args: [{ trainer: 'U1', students: [{ user: 'U0A' }], readyBy: new Date('2026-03-04T13:00:00Z') }],
      },
    ]);
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [
        "Scheduled: every lab ready by Wed 4 Mar 14:00 CET; the class's hours and the labs' lifetimes count from then. Deploys start early enough, learned from this template's recent deploys.",
      ],
    });
  });

  it('adds, lists, shows and acts on a whole class', async () => {
    const double = classes();
    const { run } = setup({}, { classes: double.service });
    expect((await run('class add vsphere-101 <@U0C>')).title).toBe('Class vsphere-101: 1 more lab requested');
    expect((await run('class list all')).title).toBe('Classes (1)');
    const shown = await run('class show vsphere-101');
    expect([shown.visibility, shown.title]).toEqual([
      'ephemeral',
      'Class vsphere-101: 0 of 0 labs ready, $0.00 so far',
    ]);
    expect((await run('class extend vsphere-101 1h')).title).toBe('Class vsphere-101: 1 lab extended');
    expect((await run('class suspend vsphere-101')).title).toBe('Class vsphere-101: 1 lab being suspended');
    expect((await run('class resume vsphere-101')).title).toBe('Class vsphere-101: 1 lab being resumed');
    expect((await run('class teardown vsphere-101')).title).toBe('Class vsphere-101: 1 lab being torn down');
    expect(double.calls.map((c) => [c.method, ...c.args])).toEqual([
      ['add', 'U1', 'vsphere-101', [{ user: 'U0C' }]],
      ['list', 'U1', true],
      ['show', 'vsphere-101'],
      ['forAll', 'U1', 'vsphere-101', 'extend', 60],
      ['forAll', 'U1', 'vsphere-101', 'suspend'],
      ['forAll', 'U1', 'vsphere-101', 'resume'],
      ['forAll', 'U1', 'vsphere-101', 'teardown'],
    ]);
  });

  it('passes a use case’s refusal through verbatim', async () => {
    const service = {
      list: () => Promise.reject(new UserError('not_owner', 'Only trainers list classes.')),
    } as unknown as ClassService;
    const reply = await setup({}, { classes: service }).run('class list');
    expect([reply.tone, reply.title]).toEqual(['error', 'Only trainers list classes.']);
  });
});

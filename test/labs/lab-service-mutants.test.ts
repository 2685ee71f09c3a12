import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { DuplicateLabError, UserError } from '../../src/labs/errors';
import { type Lab } from '../../src/labs/lab';
import { LabService, type LabServiceDeps } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { type CapturedTemplate, type DeployDuration } from '../../src/labs/ports';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { EVERYONE } from '../helpers/directory';
import { minimalLab } from '../helpers/labs';
import { MemoryCapturedTemplates } from '../helpers/memory-captured-templates';
import { MemoryAudit, MemorySignals } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

/**
 * The use cases' exact words, audit entries and edges (issue 16: the survivors of StrykerJS over
 * src/labs/lab-service.ts). DEFAULT_POLICY: demo labs default to vsphere8 for 4 h, at most 12 h, 3 extensions of
 * 2 h; the clock starts at 2026-11-24T09:00:00Z.
 */

const HOUR = 3_600_000;
const MINUTE = 60_000;

function setup(policy: LabPolicy = DEFAULT_POLICY, extra: Partial<LabServiceDeps> = {}) {
  const store = new MemoryLabStore();
  const audit = new MemoryAudit();
  const woken: string[] = [];
  const clock = new ManualClock();
  const service = new LabService({
    store,
    waker: { wake: (id) => woken.push(id) },
    clock,
    random: sequenceRandom([0]),
    policy,
    audit,
    directory: EVERYONE,
    ...extra,
  });
  const t0 = clock.now().getTime();
  return { store, audit, woken, clock, service, t0 };
}

/** The audit entries, without their time, in the order they were written. */
function entries(audit: MemoryAudit) {
  return audit.entries.map(({ at: _at, ...rest }) => rest);
}

async function refusal(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UserError) {
      return { code: error.code, message: error.message };
    }
    throw error;
  }
  throw new Error('expected a UserError');
}

const ADMIN_POLICY: LabPolicy = { ...DEFAULT_POLICY, admins: ['UADMIN'] };

describe('LabService.deploy (mutants)', () => {
  it('records exactly what was asked, with no channel or ticket when none was given, and audits it', async () => {
    const { service, audit, woken, t0 } = setup(DEFAULT_POLICY, { newToken: () => 'tok-1' });

    const result = await service.deploy({ user: 'U1', kind: 'demo' });

    // Strict: no `ticket`, `channel`, `readyBy` or `deployAt` key, not even an undefined one.
    expect(result).toStrictEqual({
      existing: false,
      lab: {
        id: 'demo-aaa',
        kind: 'demo',
        owner: 'U1',
        template: 'vsphere8',
        vappName: 'lab-demo-aaa',
        desired: 'running',
        phase: 'requested',
        createdAt: new Date(t0),
        expiresAt: new Date(t0 + 4 * HOUR),
        vms: [],
        spec: { vcpus: 12, memoryGb: 50, storageGb: 440 },
        extensions: 0,
        poweredOnMs: 0,
        lastActivityAt: new Date(t0),
        keepaliveToken: 'tok-1',
      },
    });
    expect(entries(audit)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'deploy', detail: 'demo vsphere8 for 4h', result: 'ok' },
    ]);
    expect(woken).toEqual(['demo-aaa']);
  });

  it('keeps the ticket and channel it was given', async () => {
    const { service } = setup();

    const { lab } = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'TKT-7', channel: 'C9' });

    expect(lab).toMatchObject({ id: 'repro-tkt-7', ticket: 'TKT-7', channel: 'C9', template: 'esxi8' });
    expect(lab.expiresAt.getTime() - lab.createdAt.getTime()).toBe(72 * HOUR);
  });

  it('audits a refusal from the allow lists without a lab id, as not_owner', async () => {
    const { service, audit } = setup({
      ...DEFAULT_POLICY,
      access: { deployChannels: ['C0LABS'], deployUserGroups: [] },
    });

    const denied = await refusal(service.deploy({ user: 'U1', channel: 'C0X', kind: 'demo' }));

    const words =
      'Labs can be deployed only from the channels the labbot admins chose (C0LABS), not from this one.';
    expect(denied).toEqual({ code: 'not_owner', message: words });
    expect(entries(audit)).toEqual([{ actor: 'U1', action: 'deploy', detail: words, result: 'denied' }]);
    expect(service.mayDeploy('U1', 'C0LABS', [])).toBe(true);
  });

  it('lets anyone deploy anywhere when the allow lists are empty, and a member of one allowed group', () => {
    const { service } = setup({
      ...DEFAULT_POLICY,
      access: { deployChannels: [], deployUserGroups: ['S1', 'S2'] },
    });

    expect(service.mayDeploy('U1', undefined, ['S0', 'S2'])).toBe(true);
    expect(service.mayDeploy('U1', undefined, ['S0'])).toBe(false);
    expect(setup().service.mayDeploy('U1', undefined, [])).toBe(true);
  });

  it('names an unknown kind', async () => {
    const { service } = setup();

    expect(await refusal(service.deploy({ user: 'U1', kind: 'nope' }))).toEqual({
      code: 'usage',
      message: 'There is no lab kind "nope".',
    });
  });

  it('names an unknown template with the list of known ones, as unknown_template', async () => {
    const { service } = setup();

    expect(await refusal(service.deploy({ user: 'U1', kind: 'demo', template: 'x' }))).toEqual({
      code: 'unknown_template',
      message: 'There is no template "x". Templates: esxi8, esxi7, vsphere8 (see `/lab templates`).',
    });
  });

  it('accepts a lifetime of exactly the kind’s maximum and refuses a minute more, in exact words', async () => {
    const { service, t0 } = setup();

    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', lifetimeMinutes: 12 * 60 });
    expect(lab.expiresAt.getTime()).toBe(t0 + 12 * HOUR);
    expect(await refusal(service.deploy({ user: 'U2', kind: 'demo', lifetimeMinutes: 12 * 60 + 1 }))).toEqual(
      {
        code: 'usage',
        message: 'A demo lab can live at most 12h; you asked for 12h 1m.',
      },
    );
  });

  it('lets a captured template through a kind’s allow list by its base', async () => {
    const captured = new MemoryCapturedTemplates();
    captured.templates.push(capture({ key: 'mine', baseTemplate: 'esxi8', publishedAt: new Date(0) }));
    const { service } = setup(
      {
        ...DEFAULT_POLICY,
        kinds: DEFAULT_POLICY.kinds.map((k) => (k.name === 'class' ? { ...k, templates: ['esxi8'] } : k)),
      },
      { captured },
    );

    const { lab } = await service.deploy({ user: 'U1', kind: 'class', template: 'mine' });

    expect(lab.template).toBe('mine');
    expect(lab.spec).toEqual({ vcpus: 4, memoryGb: 16, storageGb: 100 });
  });

  it('audits a limit refusal with its detail, as quota', async () => {
    const { service, audit } = setup({
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 },
    });
    await service.deploy({ user: 'U1', kind: 'class' });

    const denied = await refusal(service.deploy({ user: 'U1', kind: 'class' }));

    expect(denied.code).toBe('quota');
    expect(entries(audit)[1]).toEqual({
      actor: 'U1',
      action: 'deploy',
      detail: 'lab count limit 1',
      result: 'denied',
    });
  });

  it('counts the new lab’s own hourly rate against the spend limit', async () => {
    // esxi8: 4 vCPU, 16 GB, 100 GB = 0.1 + 0.072 + 0.010958… = 0.18296/h.
    const { service } = setup({
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 0.18 },
    });

    expect(await refusal(service.deploy({ user: 'U1', kind: 'class' }))).toEqual({
      code: 'quota',
      message:
        'That would bring your labs to $0.18/h, over the $0.18/h limit per person. Suspend or tear down a lab first.',
    });
  });

  it('tries a five-letter id after three clashes, and gives up after five', async () => {
    const { service, store } = setup();
    await store.insert(labAt('demo-aaa'));

    expect((await service.deploy({ user: 'U1', kind: 'demo' })).lab.id).toBe('demo-aaaaa');
    await expect(service.deploy({ user: 'U1', kind: 'demo' })).rejects.toThrow(
      new Error('could not find a free lab id for kind demo after 5 attempts'),
    );
  });

  it('numbers a ticket’s later labs -2 and -3, then -4 and -5 with a random part', async () => {
    const { service, store } = setup();
    for (const id of ['repro-t-9', 'repro-t-9-2', 'repro-t-9-3']) {
      await store.insert(labAt(id, { phase: 'deleted', ticket: 'T-9' }));
    }

    const fourth = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-9' });
    expect(fourth.lab.id).toBe('repro-t-9-4-aaa');
    await store.update({ ...fourth.lab, phase: 'deleted' });
    expect((await service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-9' })).lab.id).toBe(
      'repro-t-9-5-aaa',
    );
  });

  it('throws the store’s ticket conflict when the winning lab is gone again', async () => {
    const { service, store } = setup();
    const conflict = Object.assign(store, {
      findLiveByTicket: () => Promise.resolve(undefined),
    });
    await conflict.insert(labAt('repro-other', { ticket: 'T-1' }));

    await expect(service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-1' })).rejects.toThrow(/ticket/i);
  });
});

describe('LabService.deploy: tickets, ids and allow lists (mutants)', () => {
  it('refuses a template the kind does not allow, as usage, listing every allowed one', async () => {
    const { service } = setup({
      ...DEFAULT_POLICY,
      kinds: DEFAULT_POLICY.kinds.map((k) =>
        k.name === 'class' ? { ...k, templates: ['esxi8', 'esxi7'] } : k,
      ),
    });

    expect(await refusal(service.deploy({ user: 'U1', kind: 'class', template: 'vsphere8' }))).toEqual({
      code: 'usage',
      message: 'A class lab cannot use template "vsphere8". Allowed: esxi8, esxi7.',
    });
  });

  it('returns a ticket’s live lab even to someone at their limits, and deploys an unticketed lab beside it', async () => {
    const { service, store } = setup({
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 },
    });
    const first = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-1' });
    await service.deploy({ user: 'U2', kind: 'class' });

    expect(await service.deploy({ user: 'U2', kind: 'repro', ticket: 'T-1' })).toEqual({
      lab: first.lab,
      existing: true,
    });
    const plain = await service.deploy({ user: 'U3', kind: 'class' });
    expect(plain.existing).toBe(false);
    expect(store.labs.size).toBe(3);
  });

  it('tries five ids in all before giving up', async () => {
    const { service, store } = setup();
    const tried: string[] = [];
    Object.assign(store, {
      insertWithinLimits: (lab: Lab) => {
        tried.push(lab.id);
        return Promise.reject(new DuplicateLabError(lab.id));
      },
    });

    await expect(service.deploy({ user: 'U1', kind: 'demo' })).rejects.toThrow(
      'could not find a free lab id for kind demo after 5 attempts',
    );
    expect(tried).toEqual(['demo-aaa', 'demo-aaa', 'demo-aaa', 'demo-aaaaa', 'demo-aaaaa']);
  });

  it('reports a store failure on insert, even when a lab of the ticket appeared meanwhile', async () => {
    const { service, store } = setup();
    const appeared = labAt('repro-t-1', { ticket: 'T-1' });
    let lookups = 0;
    Object.assign(store, {
      findLiveByTicket: () => Promise.resolve(lookups++ === 0 ? undefined : appeared),
      insertWithinLimits: () => Promise.reject(new Error('database is down')),
    });

    await expect(service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-1' })).rejects.toThrow(
      'database is down',
    );
  });
});

describe('LabService: only the owner, an admin or the trainer acts on a lab (mutants)', () => {
  it.each<[string, (s: LabService, id: string) => Promise<unknown>, string, string]>([
    ['teardown', (s, id) => s.teardown('U2', id), 'tear it down', 'teardown'],
    ['cancel', (s, id) => s.cancel('U2', id), 'cancel it', 'cancel'],
    ['extend', (s, id) => s.extend('U2', id), 'extend it', 'extend'],
    ['suspend', (s, id) => s.suspend('U2', id), 'suspend it', 'suspend'],
    ['resume', (s, id) => s.resume('U2', id), 'resume it', 'resume'],
    ['handoff', (s, id) => s.handoff('U2', id, 'U3'), 'hand it off', 'handoff'],
    ['keep', (s, id) => s.keep('U2', id, new Date()), 'keep it', 'keep'],
    ['capture', (s, id) => s.capture('U2', id, 'tpl'), 'capture it', 'capture'],
  ])('%s: refuses someone else in words and audits it', async (_verb, act, what, action) => {
    const { service, audit } = setup(DEFAULT_POLICY, { captured: new MemoryCapturedTemplates() });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(await refusal(act(service, lab.id))).toEqual({
      code: 'not_owner',
      message: `Lab demo-aaa belongs to someone else; only its owner or an admin can ${what}.`,
    });
    expect(entries(audit).slice(1)).toEqual([
      { actor: 'U2', labId: 'demo-aaa', action, detail: 'not owner', result: 'denied' },
    ]);
  });
});

describe('LabService audit entries (mutants)', () => {
  it('writes no lab id key for a refusal about no lab, and no detail key when there is none', async () => {
    const { service, audit, t0 } = setup();
    await refusal(service.list('U1', true));
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await service.teardown('U1', lab.id);

    expect(audit.entries[0]).toStrictEqual({
      at: new Date(t0),
      actor: 'U1',
      action: 'list-all',
      result: 'denied',
    });
    expect(audit.entries[2]).toStrictEqual({
      at: new Date(t0),
      actor: 'U1',
      labId: 'demo-aaa',
      action: 'teardown',
      result: 'ok',
    });
  });

  it('lists every allowed channel in the refusal', async () => {
    const { service } = setup({
      ...DEFAULT_POLICY,
      access: { deployChannels: ['C0LABS', 'C0DEMO'], deployUserGroups: [] },
    });

    expect((await refusal(service.deploy({ user: 'U1', channel: 'C0X', kind: 'demo' }))).message).toBe(
      'Labs can be deployed only from the channels the labbot admins chose (C0LABS, C0DEMO), not from this one.',
    );
  });
});

describe('LabService scheduling (mutants)', () => {
  function history(minutes: number[]) {
    const calls: [string, number][] = [];
    return {
      calls,
      deployHistory: {
        recentDeploys: (template: string, limit: number): Promise<DeployDuration[]> => {
          calls.push([template, limit]);
          return Promise.resolve(minutes.map((m, i) => ({ labId: `l${i}`, minutes: m })));
        },
      },
    };
  }

  it('records a scheduled lab with its plan, lifetime from the ready-by time, and audits it as schedule', async () => {
    const { deployHistory, calls } = history([10, 12, 14, 16, 30]);
    const { service, audit, t0 } = setup(DEFAULT_POLICY, { deployHistory });
    const readyBy = new Date(t0 + 5 * HOUR);

    const result = await service.deploy({ user: 'U1', kind: 'demo', readyBy });

    const deployAt = new Date(readyBy.getTime() - 31 * MINUTE);
    expect(calls).toEqual([['vsphere8', 20]]);
    expect(result.schedule).toEqual({
      expected: { minutes: 30, source: 'p90 of 5 recent deploys' },
      tight: false,
    });
    expect(result.lab).toMatchObject({ phase: 'scheduled', readyBy, deployAt });
    expect(result.lab.expiresAt).toEqual(new Date(readyBy.getTime() + 4 * HOUR));
    expect(entries(audit)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'schedule',
        detail:
          'demo vsphere8 for 4h, ready by 2026-11-24T14:00:00.000Z, deploy at 2026-11-24T13:29:00.000Z (expected 30m: p90 of 5 recent deploys)',
        result: 'ok',
      },
    ]);
  });

  it('uses the configured deploy time without a history, and says when it is tight already', async () => {
    const { service, t0 } = setup({
      ...DEFAULT_POLICY,
      schedule: {
        expectedDeployMinutes: 45,
        maxDaysAhead: 2,
        lateWarningMinutes: 10,
        defaultTimeZone: 'UTC',
      },
    });

    const plan = await service.planReadyBy('esxi8', new Date(t0 + 30 * MINUTE));

    expect(plan).toEqual({
      readyBy: new Date(t0 + 30 * MINUTE),
      deployAt: new Date(t0),
      expected: { minutes: 45, source: 'default (0 recent deploys)' },
      tight: true,
    });
  });

  it('accepts a ready-by time exactly the most days ahead and refuses a millisecond more or the present', async () => {
    const { service, t0 } = setup();
    const limit = t0 + 14 * 24 * HOUR;

    await expect(service.planReadyBy('esxi8', new Date(limit))).resolves.toMatchObject({ tight: false });
    expect(await refusal(service.planReadyBy('esxi8', new Date(limit + 1)))).toEqual({
      code: 'usage',
      message: 'Labs can be scheduled at most 14 days ahead; pick an earlier ready-by time.',
    });
    const passed = {
      code: 'usage',
      message: 'The ready-by time has already passed; give a time in the future.',
    };
    expect(await refusal(service.planReadyBy('esxi8', new Date(t0)))).toEqual(passed);
    expect(await refusal(service.planReadyBy('esxi8', new Date(Number.NaN)))).toEqual(passed);
    expect(await refusal(service.deploy({ user: 'U1', kind: 'demo', readyBy: new Date(t0 - 1) }))).toEqual(
      passed,
    );
  });

  it('has no schedule in the result of an unscheduled deploy', async () => {
    const { service } = setup();

    const result = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(Object.keys(result).sort()).toEqual(['existing', 'lab']);
    expect(result.lab.readyBy).toBeUndefined();
    expect(result.lab.deployAt).toBeUndefined();
  });
});

describe('LabService reads (mutants)', () => {
  it('refuses everyone’s labs to a non-admin in exact words and audits it', async () => {
    const { service, audit } = setup();

    expect(await refusal(service.list('U1', true))).toEqual({
      code: 'not_owner',
      message: 'Only labbot admins can list everyone’s labs. `/lab list` shows yours.',
    });
    expect(entries(audit)).toEqual([{ actor: 'U1', action: 'list-all', result: 'denied' }]);
  });

  it('reads the history of live and ended labs, narrowed to one owner, and the billing of the period', async () => {
    const { service, store, t0 } = setup(DEFAULT_POLICY);
    const withLedger = new LabService({
      store,
      waker: { wake: () => undefined },
      clock: new ManualClock(),
      random: sequenceRandom([0.5]),
      policy: DEFAULT_POLICY,
      ledger: store,
    });
    const mine = (await service.deploy({ user: 'U1', kind: 'demo' })).lab;
    const theirs = (await withLedger.deploy({ user: 'U2', kind: 'demo' })).lab;
    await store.update({ ...mine, phase: 'deleted', endedAt: new Date(t0 + HOUR) });

    expect((await service.history('U1')).map((l) => l.id)).toEqual([mine.id]);
    expect((await service.history()).map((l) => l.id).sort()).toEqual([mine.id, theirs.id].sort());
    expect(await refusal(service.billing({ from: new Date(0), to: new Date(t0 + HOUR) }))).toEqual({
      code: 'invalid_state',
      message: 'Cost reports are not available here: labbot has no billing ledger.',
    });
    const billed = await withLedger.billing({ from: new Date(0), to: new Date(t0 + 2 * HOUR) }, 'U2');
    expect(billed.labs.map((l) => l.id)).toEqual([theirs.id]);
    expect(billed.intervals.map((i) => i.labId)).toEqual([theirs.id]);
  });

  it('lists the templates with their rate, marking a capture private until published and naming who took it', async () => {
    const captured = new MemoryCapturedTemplates();
    captured.templates.push(capture({ key: 'priv', capturedBy: 'U1' }));
    captured.templates.push(capture({ key: 'pub', capturedBy: 'U2', publishedAt: new Date(0) }));
    const { service } = setup(DEFAULT_POLICY, { captured });

    const listed = await service.templates('U1');

    expect(listed.map((t) => [t.template.key, t.private, t.capturedBy])).toEqual([
      ['esxi8', false, undefined],
      ['esxi7', false, undefined],
      ['vsphere8', false, undefined],
      ['priv', true, 'U1'],
      ['pub', false, 'U2'],
    ]);
    expect('capturedBy' in (listed[0] ?? {})).toBe(false);
    expect(listed[0]?.rate.total).toBeCloseTo(4 * 0.025 + 16 * 0.0045 + (100 * 0.08) / 730, 10);
  });

  it('estimates a named template, and refuses an unknown kind', () => {
    const { service } = setup();

    expect(service.estimate('demo', 'esxi7')).toMatchObject({
      template: { key: 'esxi7' },
      lifetimeHours: 4,
    });
    expect(() => service.estimate('nope')).toThrow('There is no lab kind "nope".');
  });

  it('says there is no such lab', async () => {
    const { service } = setup();

    expect(await refusal(service.status('demo-zzz'))).toEqual({
      code: 'not_found',
      message: 'There is no lab demo-zzz. `/lab list` shows your labs.',
    });
  });
});

describe('LabService teardown and cancel (mutants)', () => {
  it('audits a refusal to someone else’s lab and lets its class’s trainer act as its owner', async () => {
    const { service, audit } = setup(DEFAULT_POLICY, {
      isTrainerOf: (user, labId) => Promise.resolve(user === 'UTRAINER' && labId === 'demo-aaa'),
    });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(await refusal(service.teardown('U2', lab.id))).toEqual({
      code: 'not_owner',
      message: 'Lab demo-aaa belongs to someone else; only its owner or an admin can tear it down.',
    });
    expect(entries(audit)[1]).toEqual({
      actor: 'U2',
      labId: 'demo-aaa',
      action: 'teardown',
      detail: 'not owner',
      result: 'denied',
    });
    expect((await service.teardown('UTRAINER', lab.id)).desired).toBe('deleted');
  });

  it('records a teardown once: a second request returns the lab without a new audit entry or wake', async () => {
    const { service, store, audit, woken, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    clock.advance(MINUTE);

    const first = await service.teardown('U1', lab.id);
    const again = await service.teardown('U1', lab.id);

    expect(first).toEqual({ ...lab, desired: 'deleted', lastActivityAt: new Date(t0 + MINUTE) });
    expect((await store.get(lab.id))?.lastActivityAt).toEqual(new Date(t0 + MINUTE));
    expect(again.desired).toBe('deleted');
    expect(entries(audit).slice(1)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'teardown', result: 'ok' },
    ]);
    expect(woken).toEqual(['demo-aaa', 'demo-aaa']);
  });

  it('cancels a scheduled lab (a teardown of one is audited as cancel too), and refuses a deploying one', async () => {
    const { service, audit, t0 } = setup();
    const scheduled = (await service.deploy({ user: 'U1', kind: 'demo', readyBy: new Date(t0 + 3 * HOUR) }))
      .lab;
    const other = (await service.deploy({ user: 'U1', kind: 'class', readyBy: new Date(t0 + 3 * HOUR) })).lab;
    const running = (await service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-1' })).lab;

    expect((await service.cancel('U1', scheduled.id)).desired).toBe('deleted');
    expect((await service.cancel('U1', scheduled.id)).desired).toBe('deleted');
    await service.teardown('U1', other.id);
    expect(await refusal(service.cancel('U1', running.id))).toEqual({
      code: 'invalid_state',
      message:
        'Lab repro-t-1 is not waiting to deploy (it is requested); `/lab teardown repro-t-1` deletes it.',
    });
    expect(audit.actions().slice(3)).toEqual(['U1 cancel demo-aaa ok', `U1 cancel ${other.id} ok`]);
  });

  it('refuses an ended lab by its phase', async () => {
    const { service, store } = setup();
    await store.insert(labAt('demo-old', { phase: 'failed', owner: 'U1' }));

    expect(await refusal(service.cancel('U1', 'demo-old'))).toEqual({
      code: 'invalid_state',
      message: 'Lab demo-old has already ended (failed).',
    });
  });
});

describe('LabService.extend (mutants)', () => {
  it('refuses a lab being torn down', async () => {
    const { service } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await service.teardown('U1', lab.id);

    expect(await refusal(service.extend('U1', lab.id))).toEqual({
      code: 'invalid_state',
      message: 'Lab demo-aaa is being torn down; it cannot be extended.',
    });
  });

  it('allows the last extension, then refuses in exact words and audits the cap', async () => {
    const { service, audit } = setup({
      ...DEFAULT_POLICY,
      kinds: DEFAULT_POLICY.kinds.map((k) => ({ ...k, maxExtensions: 2, maxLifetimeHours: 100 })),
    });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await service.extend('U1', lab.id, 10);
    await service.extend('U1', lab.id, 10);

    expect(await refusal(service.extend('U1', lab.id, 10))).toEqual({
      code: 'quota',
      message:
        'Lab demo-aaa has used all 2 extensions a demo lab gets. Deploy a new one if you still need it.',
    });
    expect(entries(audit).slice(-1)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'extend', detail: 'cap of 2 reached', result: 'denied' },
    ]);
  });

  it('extends by the minutes given, from the expiry, and audits the new expiry', async () => {
    const { service, store, audit, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    const extended = await service.extend('U1', lab.id, 30);

    expect(extended.expiresAt).toEqual(new Date(t0 + 4 * HOUR + 30 * MINUTE));
    expect(extended.extensions).toBe(1);
    expect((await store.get(lab.id))?.expiresAt).toEqual(new Date(t0 + 4 * HOUR + 30 * MINUTE));
    expect(entries(audit).slice(-1)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'extend',
        detail: 'to 2026-11-24T13:30:00.000Z',
        result: 'ok',
      },
    ]);
  });

  it('extends an expired lab from now', async () => {
    const { service, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    clock.advance(5 * HOUR);

    expect((await service.extend('U1', lab.id, 60)).expiresAt).toEqual(new Date(t0 + 6 * HOUR));
  });

  it('counts the maximum lifetime of a scheduled lab from its ready-by time, and audits the refusal at it', async () => {
    const { service, audit, t0 } = setup();
    const readyBy = new Date(t0 + 2 * HOUR);
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', readyBy });

    const extended = await service.extend('U1', lab.id, 100 * 60);

    expect(extended.expiresAt).toEqual(new Date(readyBy.getTime() + 12 * HOUR));
    expect(await refusal(service.extend('U1', lab.id, 1))).toEqual({
      code: 'quota',
      message: 'Lab demo-aaa already runs to its maximum lifetime of 12h for a demo lab.',
    });
    expect(entries(audit).slice(-1)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'extend', detail: 'at maximum lifetime', result: 'denied' },
    ]);
  });
});

describe('LabService suspend and resume (mutants)', () => {
  it('refuses to suspend a lab being torn down, in exact words', async () => {
    const { service } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await service.teardown('U1', lab.id);

    expect(await refusal(service.suspend('U1', lab.id))).toEqual({
      code: 'invalid_state',
      message: 'Lab demo-aaa is being torn down.',
    });
    expect(await refusal(service.resume('U1', lab.id))).toEqual({
      code: 'invalid_state',
      message: 'Lab demo-aaa is not suspended.',
    });
  });

  it('audits a suspend and a plain resume without detail', async () => {
    const { service, audit } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect((await service.suspend('U1', lab.id)).desired).toBe('suspended');
    expect((await service.resume('U1', lab.id)).desired).toBe('running');
    expect(entries(audit).slice(1)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'suspend', result: 'ok' },
      { actor: 'U1', labId: 'demo-aaa', action: 'resume', result: 'ok' },
    ]);
  });

  it('brings a lab back from the restore window: never past its maximum lifetime from creation, audited', async () => {
    const { service, store, audit, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.applyRequest(lab.id, {
      desired: 'suspended',
      expiresAt: new Date(t0 + 10 * HOUR),
      restoreUntil: new Date(t0 + 20 * HOUR),
    });
    clock.advance(11 * HOUR);

    const back = await service.resume('U1', lab.id);

    // demo: extendHours 2 from now would be 13 h after creation; the maximum is 12 h.
    expect(back.expiresAt).toEqual(new Date(t0 + 12 * HOUR));
    expect(back).toMatchObject({ desired: 'running', restoreUntil: undefined });
    expect(entries(audit).slice(-1)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'resume',
        detail: 'brought back from its restore window (would have been deleted at 2026-11-25T05:00:00.000Z)',
        result: 'ok',
      },
    ]);
  });

  it('counts the maximum lifetime of a scheduled lab brought back from its ready-by time, as extend does', async () => {
    const { service, store, clock, t0 } = setup();
    const readyBy = new Date(t0 + 24 * HOUR);
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo', readyBy });
    await store.applyRequest(lab.id, {
      desired: 'suspended',
      expiresAt: new Date(t0 + 28 * HOUR),
      restoreUntil: new Date(t0 + 40 * HOUR),
    });
    // 5 h after its ready-by time: 29 h after the request, past 12 h from creation but not from ready-by.
    clock.advance(29 * HOUR);

    const back = await service.resume('U1', lab.id);

    // demo: 2 h from now, within the 12 h that start at ready-by (t0 + 36 h).
    expect(back.expiresAt).toEqual(new Date(t0 + 31 * HOUR));
  });

  it('keeps an expiry already past the maximum lifetime when bringing a lab back (never shortens it)', async () => {
    const { service, store, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.applyRequest(lab.id, {
      desired: 'suspended',
      expiresAt: new Date(t0 + 13 * HOUR),
      restoreUntil: new Date(t0 + 20 * HOUR),
    });
    clock.advance(14 * HOUR);

    expect((await service.resume('U1', lab.id)).expiresAt).toEqual(new Date(t0 + 13 * HOUR));
  });

  it('treats an expiry exactly now as expired when bringing a lab back', async () => {
    const { service, store, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.applyRequest(lab.id, {
      desired: 'suspended',
      expiresAt: new Date(t0 + HOUR),
      restoreUntil: new Date(t0 + 20 * HOUR),
    });
    clock.advance(HOUR);

    expect((await service.resume('U1', lab.id)).expiresAt).toEqual(new Date(t0 + 3 * HOUR));
  });
});

describe('LabService.handoff (mutants)', () => {
  it('refuses a hand-off to the owner in exact words', async () => {
    const { service } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(await refusal(service.handoff('U1', lab.id, 'U1'))).toEqual({
      code: 'usage',
      message: 'Lab demo-aaa already belongs to that user.',
    });
    expect(
      await refusal(setup(DEFAULT_POLICY, { directory: undefined }).service.handoff('U1', 'x', 'U2')),
    ).toEqual({
      code: 'not_found',
      message: 'There is no lab x. `/lab list` shows your labs.',
    });
  });

  it('says the hand-off is not enabled without a directory, as invalid_state', async () => {
    const { service } = setup(DEFAULT_POLICY, { directory: undefined });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(await refusal(service.handoff('U1', lab.id, 'U2'))).toEqual({
      code: 'invalid_state',
      message: 'Handing labs off is not enabled in this labbot.',
    });
  });

  it('moves the lab, clears the keep-alive token without a generator, audits and wakes the controller', async () => {
    const { service, store, audit, woken, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.applyRequest(lab.id, { keepaliveToken: 'old' });
    clock.advance(MINUTE);

    const moved = await service.handoff('U1', lab.id, 'U2');

    expect(moved).toEqual({ ...lab, owner: 'U2', lastActivityAt: new Date(t0 + MINUTE) });
    expect('keepaliveToken' in moved).toBe(false);
    const stored = await store.get(lab.id);
    expect(stored?.owner).toBe('U2');
    expect(stored?.keepaliveToken).toBeUndefined();
    expect(stored?.lastActivityAt).toEqual(new Date(t0 + MINUTE));
    expect(entries(audit).slice(-1)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'handoff', detail: 'from U1 to U2', result: 'ok' },
    ]);
    expect(woken).toEqual(['demo-aaa', 'demo-aaa']);
  });

  it('audits a receiver over the limits with the limit’s detail, as quota', async () => {
    const { service, audit } = setup({
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 },
    });
    await service.deploy({ user: 'U2', kind: 'class' });
    const { lab } = await service.deploy({ user: 'U1', kind: 'class' });

    expect(await refusal(service.handoff('U1', lab.id, 'U2'))).toEqual({
      code: 'quota',
      message:
        'The new owner already has 1 live labs, the most one person may have; they must tear one down first.',
    });
    expect(entries(audit).slice(-1)).toEqual([
      { actor: 'U1', labId: lab.id, action: 'handoff', detail: 'to U2: lab count limit 1', result: 'denied' },
    ]);
  });

  it('counts the lab at its committed rate against the receiver’s spend', async () => {
    // esxi8 at 0.18296/h: the receiver's own esxi8 lab and this one come to $0.37/h.
    const { service } = setup({
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 0.3 },
    });
    await service.deploy({ user: 'U2', kind: 'class' });
    const { lab } = await service.deploy({ user: 'U1', kind: 'class' });

    expect((await refusal(service.handoff('U1', lab.id, 'U2'))).message).toBe(
      'That would bring their labs to $0.37/h, over the $0.30/h limit per person. They must suspend or tear down a lab first.',
    );
  });

  it('audits a receiver the directory refuses, with the reason', async () => {
    const { service, audit } = setup(DEFAULT_POLICY, {
      directory: { lookup: () => Promise.resolve(undefined) },
    });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    const denied = await refusal(service.handoff('U1', lab.id, 'U2'));

    expect(denied.code).toBe('usage');
    expect(entries(audit).slice(-1)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'handoff',
        detail: `to U2: ${denied.message}`,
        result: 'denied',
      },
    ]);
  });

  it('says when the lab changed hands meanwhile', async () => {
    const { service, store } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    Object.assign(store, {
      transferWithinLimits: () => Promise.resolve({ status: 'stale' }),
    });

    expect(await refusal(service.handoff('U1', lab.id, 'U2'))).toEqual({
      code: 'invalid_state',
      message: 'Lab demo-aaa changed hands or ended meanwhile; `/lab status demo-aaa` shows where it is now.',
    });
  });
});

describe('LabService.keep (mutants)', () => {
  it('refuses a lab being torn down, as extend does, without using an extension', async () => {
    const { service, store } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await service.teardown('U1', lab.id);

    expect(await refusal(service.keep('U1', lab.id, new Date()))).toEqual({
      code: 'invalid_state',
      message: 'Lab demo-aaa is being torn down; it cannot be kept.',
    });
    expect(await store.get(lab.id)).toMatchObject({ desired: 'deleted', extensions: 0 });
  });

  it('refuses once the extensions are used up, in exact words, and audits it', async () => {
    const { service, store, audit } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.applyRequest(lab.id, { extensions: 3 });

    expect(await refusal(service.keep('U1', lab.id, new Date()))).toEqual({
      code: 'quota',
      message: 'Lab demo-aaa has used all 3 extensions a demo lab gets, so it cannot be kept longer.',
    });
    expect(entries(audit).slice(-1)).toEqual([
      { actor: 'U1', labId: 'demo-aaa', action: 'keep', detail: 'cap of 3 reached', result: 'denied' },
    ]);
  });

  it('keeps at most to the maximum lifetime, leaves a later expiry alone, and audits without a false positive', async () => {
    const { service, store, audit, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    const kept = await service.keep('U1', lab.id, new Date(t0 + 20 * HOUR));
    expect(kept.snoozedUntil).toEqual(new Date(t0 + 12 * HOUR));
    expect(kept.expiresAt).toEqual(new Date(t0 + 12 * HOUR));

    const shorter = await service.keep('U1', lab.id, new Date(t0 + HOUR));
    expect(shorter.snoozedUntil).toEqual(new Date(t0 + HOUR));
    expect((await store.get(lab.id))?.expiresAt).toEqual(new Date(t0 + 12 * HOUR));
    expect(shorter.extensions).toBe(2);
    expect(entries(audit).slice(1)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'keep',
        detail: 'until 2026-11-24T21:00:00.000Z',
        result: 'ok',
      },
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'keep',
        detail: 'until 2026-11-24T10:00:00.000Z',
        result: 'ok',
      },
    ]);
  });

  it('keeps exactly to the maximum lifetime when asked for it', async () => {
    const { service, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect((await service.keep('U1', lab.id, new Date(t0 + 12 * HOUR))).snoozedUntil).toEqual(
      new Date(t0 + 12 * HOUR),
    );
  });

  it('writes the false positive with its words before the keep', async () => {
    const { service, audit, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    await service.keep('U1', lab.id, new Date(t0 + HOUR), true);

    expect(entries(audit).slice(1, 2)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-aaa',
        action: 'false-positive',
        detail: 'owner says the lab was in use when the reaper warned',
        result: 'ok',
      },
    ]);
  });
});

describe('LabService.keepalive (mutants)', () => {
  function withToken(token: string) {
    const signals = new MemorySignals();
    const env = setup(DEFAULT_POLICY, { signals, newToken: () => token });
    return { ...env, signals };
  }

  it('refuses a token that is only the start or an extension of the lab’s, or differs in one character', async () => {
    const { service } = withToken('abcdef');
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    for (const wrong of ['abc', 'abcdefabcdef', 'abcdeg', 'bbcdef', 'ABCDEF']) {
      expect(await service.keepalive(lab.id, wrong)).toBe(false);
    }
    expect(await service.keepalive(lab.id, 'abcdef')).toBe(true);
  });

  it('refuses an ended lab and a lab without a token, and records nothing for them', async () => {
    const { service, store, signals } = withToken('tok');
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.insert(labAt('demo-bare', { owner: 'U1' }));
    await store.update({ ...(await store.get(lab.id))!, phase: 'failed' });

    expect(await service.keepalive(lab.id, 'tok')).toBe(false);
    expect(await service.keepalive('demo-bare', '')).toBe(false);
    expect(signals.signals).toEqual([]);
  });

  it('answers true without a signal store', async () => {
    const { service } = setup(DEFAULT_POLICY, { newToken: () => 'tok' });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(await service.keepalive(lab.id, 'tok')).toBe(true);
  });
});

describe('LabService.ticketChanged and touch (mutants)', () => {
  it('marks a live lab’s ticket closed, then open again, whatever its case, and audits both in words', async () => {
    const { service, store, audit, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'TKT-5' });
    clock.advance(MINUTE);

    expect(await service.ticketChanged('jira', 'tkt-5', true)).toEqual({ outcome: 'closed', labId: lab.id });
    expect((await store.get(lab.id))?.ticketClosedAt).toEqual(new Date(t0 + MINUTE));
    expect(await service.ticketChanged('jira', 'TKT-5', true)).toEqual({
      outcome: 'unchanged',
      labId: lab.id,
    });
    expect(await service.ticketChanged('zendesk', 'TKT-5', false)).toEqual({
      outcome: 'reopened',
      labId: lab.id,
    });
    expect((await store.get(lab.id))?.ticketClosedAt).toBeUndefined();
    expect(await service.ticketChanged('zendesk', 'TKT-5', false)).toEqual({
      outcome: 'unchanged',
      labId: lab.id,
    });
    expect(await service.ticketChanged('jira', 'TKT-6', true)).toEqual({ outcome: 'unknown' });
    expect(entries(audit).slice(1)).toEqual([
      {
        actor: 'jira',
        labId: lab.id,
        action: 'ticket-closed',
        detail:
          'jira says ticket tkt-5 is resolved or closed: the lab is reaped after the grace period unless kept',
        result: 'ok',
      },
      {
        actor: 'zendesk',
        labId: lab.id,
        action: 'ticket-reopened',
        detail: 'zendesk says ticket TKT-5 is open again',
        result: 'ok',
      },
    ]);
  });

  it('records a touch as the lab’s last activity', async () => {
    const { service, store, clock, t0 } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    clock.advance(7 * MINUTE);

    await service.touch(lab.id);

    expect((await store.get(lab.id))?.lastActivityAt).toEqual(new Date(t0 + 7 * MINUTE));
  });
});

describe('LabService captured templates (mutants)', () => {
  function withCaptures(...templates: CapturedTemplate[]) {
    const captured = new MemoryCapturedTemplates();
    captured.templates.push(...templates);
    return { ...setup(ADMIN_POLICY, { captured }), captured };
  }

  it('publishes for an admin and audits it; an unknown key or no store is no captured template', async () => {
    const { service, audit, captured, t0 } = withCaptures(capture({ key: 'tpl' }));

    await service.publishTemplate('UADMIN', 'tpl');

    expect(captured.templates[0]?.publishedAt).toEqual(new Date(t0));
    expect(entries(audit)).toEqual([
      { actor: 'UADMIN', action: 'template-publish', detail: 'tpl', result: 'ok' },
    ]);
    const none = {
      code: 'unknown_template',
      message:
        'There is no captured template "x" of yours. `/lab templates` lists the templates you can use.',
    };
    expect(await refusal(service.publishTemplate('UADMIN', 'x'))).toEqual(none);
    expect(await refusal(setup(ADMIN_POLICY).service.publishTemplate('UADMIN', 'x'))).toEqual(none);
    expect(await refusal(setup(ADMIN_POLICY).service.removeTemplate('UADMIN', 'x'))).toEqual(none);
  });

  it('refuses publishing to a non-admin in exact words and audits it', async () => {
    const { service, audit } = withCaptures(capture({ key: 'tpl' }));

    expect(await refusal(service.publishTemplate('U1', 'tpl'))).toEqual({
      code: 'not_owner',
      message: 'Only labbot admins can publish a captured template to everyone. Ask one to look at it.',
    });
    expect(entries(audit)).toEqual([
      { actor: 'U1', action: 'template-publish', detail: 'tpl', result: 'denied' },
    ]);
  });

  it('refuses removing someone else’s published template, and audits it', async () => {
    const { service, audit } = withCaptures(
      capture({ key: 'tpl', capturedBy: 'U1', publishedAt: new Date(0) }),
    );

    expect(await refusal(service.removeTemplate('U2', 'tpl'))).toEqual({
      code: 'not_owner',
      message: 'Template "tpl" was captured by someone else; only they or an admin can remove it.',
    });
    expect(entries(audit)).toEqual([
      { actor: 'U2', action: 'template-remove', detail: 'tpl', result: 'denied' },
    ]);
  });

  it('names every live lab that uses the template, and audits the refusal', async () => {
    const { service, store, audit } = withCaptures(capture({ key: 'tpl', capturedBy: 'U1' }));
    await store.insert(labAt('demo-one', { template: 'tpl' }));

    expect((await refusal(service.removeTemplate('U1', 'tpl'))).message).toBe(
      'Template "tpl" is still used by live lab demo-one; remove it once they are torn down.',
    );
    await store.insert(labAt('demo-two', { template: 'tpl' }));
    await store.insert(labAt('demo-gone', { template: 'tpl', phase: 'deleted' }));
    await store.insert(labAt('demo-else', { template: 'esxi8' }));
    expect(await refusal(service.removeTemplate('UADMIN', 'tpl'))).toEqual({
      code: 'invalid_state',
      message:
        'Template "tpl" is still used by live labs demo-one, demo-two; remove it once they are torn down.',
    });
    expect(entries(audit)[0]).toEqual({
      actor: 'U1',
      action: 'template-remove',
      detail: 'tpl: used by live labs',
      result: 'denied',
    });
  });

  it('removes its own template for the one who captured it, keeping the catalog item, and audits it', async () => {
    const { service, audit, captured } = withCaptures(capture({ key: 'tpl', capturedBy: 'U1' }));

    expect(await service.removeTemplate('U1', 'tpl')).toEqual({
      catalog: 'captures',
      catalogItem: 'labbot-capture-tpl',
    });
    expect(captured.templates).toEqual([]);
    expect(entries(audit)).toEqual([
      {
        actor: 'U1',
        action: 'template-remove',
        detail: 'tpl (catalog item labbot-capture-tpl kept)',
        result: 'ok',
      },
    ]);
  });
});

describe('LabService.capture (mutants)', () => {
  async function withLab(
    lab: Partial<Lab>,
    captured: MemoryCapturedTemplates | 'none' = new MemoryCapturedTemplates(),
  ) {
    const env = setup(ADMIN_POLICY, captured === 'none' ? {} : { captured });
    await env.store.insert(labAt('demo-cap', { owner: 'U1', template: 'esxi8', ...lab }));
    return env;
  }

  it('says capturing is not enabled without a captured-template store', async () => {
    const { service } = await withLab({ phase: 'ready' }, 'none');

    expect(await refusal(service.capture('U1', 'demo-cap', 'tpl'))).toEqual({
      code: 'invalid_state',
      message: 'Capturing labs is not enabled in this labbot.',
    });
  });

  it('refuses a malformed name, clipped to 40 characters', async () => {
    const { service } = await withLab({ phase: 'ready' });

    expect(await refusal(service.capture('U1', 'demo-cap', `Bad${'x'.repeat(50)}`))).toEqual({
      code: 'usage',
      message: `"Bad${'x'.repeat(37)}" is not a template name: use up to 32 lowercase letters, digits and dashes.`,
    });
  });

  it.each<[string, Partial<Lab>, string]>([
    [
      'being torn down',
      { phase: 'ready', desired: 'deleted' },
      'Lab demo-cap is being torn down; it cannot be captured.',
    ],
    ['deleting', { phase: 'deleting' }, 'Lab demo-cap is being torn down; it cannot be captured.'],
    [
      'captured already, by name only',
      { phase: 'ready', captureName: 'labbot-capture-x' },
      'Lab demo-cap is already being captured; one capture at a time.',
    ],
    [
      'captured already, as a key',
      { phase: 'ready', captureAs: 'other' },
      'Lab demo-cap is already being captured as other; one capture at a time.',
    ],
    [
      'requested',
      { phase: 'requested' },
      'Lab demo-cap is still deploying; capture it once it is ready or suspended.',
    ],
    [
      'configuring',
      { phase: 'configuring' },
      'Lab demo-cap is still deploying; capture it once it is ready or suspended.',
    ],
    [
      'starting',
      { phase: 'starting' },
      'Lab demo-cap is still powering on; capture it once it is ready or suspended.',
    ],
    [
      'suspending',
      { phase: 'suspending' },
      'Lab demo-cap is being suspended; capture it once it is ready or suspended.',
    ],
    [
      'resuming',
      { phase: 'resuming' },
      'Lab demo-cap is being resumed; capture it once it is ready or suspended.',
    ],
    [
      'capturing',
      { phase: 'capturing' },
      'Lab demo-cap is already being captured; capture it once it is ready or suspended.',
    ],
    [
      'ready but asked to suspend',
      { phase: 'ready', desired: 'suspended' },
      'Lab demo-cap is being suspended; capture it once it is ready or suspended.',
    ],
    [
      'suspended but asked to run',
      { phase: 'suspended', desired: 'running' },
      'Lab demo-cap is being resumed; capture it once it is ready or suspended.',
    ],
    [
      'networking',
      { phase: 'networking', desired: 'running' },
      'Lab demo-cap is being resumed; capture it once it is ready or suspended.',
    ],
    [
      'networking and asked to suspend',
      { phase: 'networking', desired: 'suspended' },
      'Lab demo-cap is being suspended; capture it once it is ready or suspended.',
    ],
  ])('refuses a lab %s, in exact words, and audits it', async (_what, lab, message) => {
    const { service, audit } = await withLab(lab);

    expect(await refusal(service.capture('U1', 'demo-cap', 'tpl'))).toEqual({
      code: 'invalid_state',
      message,
    });
    expect(entries(audit)).toEqual([
      { actor: 'U1', labId: 'demo-cap', action: 'capture-requested', detail: message, result: 'denied' },
    ]);
  });

  it.each<[string, Partial<Lab>]>([
    ['ready and running', { phase: 'ready', desired: 'running' }],
    ['suspended and staying so', { phase: 'suspended', desired: 'suspended' }],
  ])('captures a lab %s, and audits the base it inherits from', async (_what, lab) => {
    const { service, store, audit } = await withLab(lab);

    const asked = await service.capture('U1', 'demo-cap', 'tpl');

    expect(asked.captureAs).toBe('tpl');
    expect((await store.get('demo-cap'))?.captureAs).toBe('tpl');
    expect(entries(audit)).toEqual([
      {
        actor: 'U1',
        labId: 'demo-cap',
        action: 'capture-requested',
        detail: 'as tpl (base esxi8)',
        result: 'ok',
      },
    ]);
  });

  it('names the base of a lab deployed from a capture, and refuses a lab whose template is gone', async () => {
    const captured = new MemoryCapturedTemplates();
    captured.templates.push(capture({ key: 'mine', capturedBy: 'U1', baseTemplate: 'esxi7' }));
    const { service, store, audit } = await withLab({ phase: 'ready', template: 'mine' }, captured);
    await store.insert(labAt('demo-lost', { owner: 'U1', phase: 'ready', template: 'gone' }));

    await service.capture('U1', 'demo-cap', 'tpl');
    expect(entries(audit)[0]?.detail).toBe('as tpl (base esxi7)');
    expect(await refusal(service.capture('U1', 'demo-lost', 'tpl2'))).toEqual({
      code: 'invalid_state',
      message:
        'Lab demo-lost has no configured template (gone) to inherit size and rules from, so it cannot be captured.',
    });
  });

  it('refuses a name that is taken, in exact words', async () => {
    const captured = new MemoryCapturedTemplates();
    captured.templates.push(capture({ key: 'taken' }));
    const { service, store } = await withLab({ phase: 'ready' }, captured);
    await store.insert(labAt('demo-busy', { owner: 'U2', phase: 'ready', captureAs: 'wanted' }));

    expect(await refusal(service.capture('U1', 'demo-cap', 'esxi8'))).toEqual({
      code: 'usage',
      message:
        '"esxi8" is already a configured template; pick another name (`/lab templates` lists the taken ones).',
    });
    expect(await refusal(service.capture('U1', 'demo-cap', 'taken'))).toEqual({
      code: 'usage',
      message:
        'There is already a captured template "taken"; pick another name (`/lab templates` lists the taken ones).',
    });
    expect(await refusal(service.capture('U1', 'demo-cap', 'wanted'))).toEqual({
      code: 'usage',
      message: 'Lab demo-busy is being captured as "wanted" right now; pick another name.',
    });
  });
});

function capture(overrides: Partial<CapturedTemplate> = {}): CapturedTemplate {
  const key = overrides.key ?? 'tpl';
  return {
    key,
    catalogItem: `labbot-capture-${key}`,
    catalog: 'captures',
    baseTemplate: 'esxi8',
    sourceLabId: 'demo-src',
    capturedBy: 'U1',
    capturedAt: new Date('2026-11-20T10:00:00Z'),
    ...overrides,
  };
}

/** A lab already in the store, created at the test clock's start. */
function labAt(id: string, overrides: Partial<Lab> = {}): Lab {
  const createdAt = new Date('2026-11-24T09:00:00Z');
  return minimalLab({
    id,
    owner: 'U9',
    template: 'esxi8',
    vappName: `lab-${id}`,
    phase: 'ready',
    createdAt,
    expiresAt: new Date(createdAt.getTime() + 4 * HOUR),
    ...overrides,
  });
}

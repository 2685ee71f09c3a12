import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { UserError } from '../../src/labs/errors';
import { LabService } from '../../src/labs/lab-service';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { directoryOf, EVERYONE, person } from '../helpers/directory';
import { MemoryAudit, MemorySignals } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

function setup(policy = DEFAULT_POLICY) {
  const store = new MemoryLabStore();
  const woken: string[] = [];
  const clock = new ManualClock();
  const service = new LabService({
    store,
    waker: { wake: (id) => woken.push(id) },
    clock,
    random: sequenceRandom([0, 0, 0, 0.5, 0.5, 0.5]),
    policy,
    directory: EVERYONE,
  });
  return { store, woken, clock, service };
}

describe('labs/lab-service', () => {
  it('records a demo lab with the kind defaults and wakes the controller', async () => {
    const { service, woken, clock } = setup();

    const { lab, existing } = await service.deploy({ user: 'U1', channel: 'C1', kind: 'demo' });

    expect(existing).toBe(false);
    expect(lab).toMatchObject({
      id: 'demo-aaa',
      kind: 'demo',
      owner: 'U1',
      channel: 'C1',
      template: 'vsphere8',
      vappName: 'lab-demo-aaa',
      desired: 'running',
      phase: 'requested',
    });
    expect(lab.expiresAt.getTime() - clock.now().getTime()).toBe(4 * 3600_000);
    expect(lab.spec).toEqual({ vcpus: 12, memoryGb: 50, storageGb: 440 });
    expect(woken).toEqual(['demo-aaa']);
  });

  it('picks another id when the first is taken', async () => {
    const { service } = setup();

    await service.deploy({ user: 'U1', kind: 'demo' });
    const second = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(second.lab.id).toBe('demo-sss');
  });

  it('returns the live lab of a ticket instead of deploying a second one', async () => {
    const { service, woken } = setup();

    const first = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'TICKET-123' });
    const again = await service.deploy({ user: 'U2', kind: 'repro', ticket: 'TICKET-123' });

    expect(first.lab.id).toBe('repro-ticket-123');
    expect(again).toEqual({ lab: first.lab, existing: true });
    expect(woken).toEqual(['repro-ticket-123']);
  });

  it('gives a ticket a new lab id once its earlier lab has ended', async () => {
    const { service, store } = setup();
    const first = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-9' });
    await store.update({ ...first.lab, phase: 'deleted' });

    const second = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'T-9' });

    expect(second.lab.id).toBe('repro-t-9-2');
  });

  it('refuses unknown templates and lifetimes beyond the kind maximum', async () => {
    const { service } = setup();

    await expect(service.deploy({ user: 'U1', kind: 'demo', template: 'nope' })).rejects.toThrow(
      /There is no template "nope". Templates: esxi8, esxi7, vsphere8/,
    );
    await expect(service.deploy({ user: 'U1', kind: 'demo', lifetimeMinutes: 13 * 60 })).rejects.toThrow(
      /at most 12h; you asked for 13h/,
    );
  });

  it('lets only the owner or an admin tear a lab down', async () => {
    const { service } = setup({ ...DEFAULT_POLICY, admins: ['UADMIN'] });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    await expect(service.teardown('U2', lab.id)).rejects.toThrow(UserError);
    await expect(service.teardown('U2', lab.id)).rejects.toThrow(/belongs to someone else/);
    expect((await service.teardown('UADMIN', lab.id)).desired).toBe('deleted');
  });

  it('says clearly when a lab does not exist or has ended', async () => {
    const { service, store } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    await store.update({ ...lab, phase: 'deleted' });

    await expect(service.teardown('U1', 'demo-zzz')).rejects.toThrow(
      'There is no lab demo-zzz. `/lab list` shows your labs.',
    );
    await expect(service.teardown('U1', lab.id)).rejects.toThrow(
      `Lab ${lab.id} has already ended (deleted).`,
    );
  });

  it('lists everyone’s labs for admins only', async () => {
    const { service } = setup({ ...DEFAULT_POLICY, admins: ['UADMIN'] });
    await service.deploy({ user: 'U1', kind: 'demo' });
    await service.deploy({ user: 'U2', kind: 'demo' });

    expect(await service.list('U1', false)).toHaveLength(1);
    expect(await service.list('UADMIN', true)).toHaveLength(2);
    await expect(service.list('U1', true)).rejects.toThrow(/Only labbot admins/);
  });

  describe('extend', () => {
    it('adds the kind’s default extension and counts it', async () => {
      const { service, store, clock } = setup();
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

      const extended = await service.extend('U1', lab.id);

      expect(extended.expiresAt.getTime() - clock.now().getTime()).toBe((4 + 2) * 3_600_000);
      expect((await store.get(lab.id))?.extensions).toBe(1);
    });

    it('never goes past the kind’s maximum lifetime counted from creation', async () => {
      const { service } = setup();
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

      const extended = await service.extend('U1', lab.id, 100 * 60);

      expect(extended.expiresAt.getTime() - lab.createdAt.getTime()).toBe(12 * 3_600_000);
      await expect(service.extend('U1', lab.id)).rejects.toThrow(
        /already runs to its maximum lifetime of 12h/,
      );
    });

    it('refuses once the kind’s extensions are used up', async () => {
      const { service } = setup({
        ...DEFAULT_POLICY,
        kinds: DEFAULT_POLICY.kinds.map((k) => ({ ...k, maxExtensions: 1, maxLifetimeHours: 100 })),
      });
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
      await service.extend('U1', lab.id);

      await expect(service.extend('U1', lab.id)).rejects.toThrow(/has used all 1 extensions a demo lab gets/);
    });
  });

  it('suspends a running lab and resumes a suspended one, refusing the other way round', async () => {
    const { service, store } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    await expect(service.resume('U1', lab.id)).rejects.toThrow('is not suspended');
    await service.suspend('U1', lab.id);
    expect((await store.get(lab.id))?.desired).toBe('suspended');
    await expect(service.suspend('U1', lab.id)).rejects.toThrow('already suspended');
    await service.resume('U1', lab.id);
    expect((await store.get(lab.id))?.desired).toBe('running');
  });

  it.each([
    ['an unexpired lab keeps its expiry', 60, 60],
    // demo: extendHours 2, so an expired lab gets 2 h from the resume.
    ['an expired lab gets its kind’s extension from now', -30, 120],
  ])('brings a lab back from the reaper’s restore window: %s', async (_what, expiresIn, expectedIn) => {
    const { service, store, clock } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
    const now = clock.now().getTime();
    await store.applyRequest(lab.id, {
      desired: 'suspended',
      expiresAt: new Date(now + expiresIn * 60_000),
      restoreUntil: new Date(now + 3_600_000),
    });

    await service.resume('U1', lab.id);

    const back = await store.get(lab.id);
    expect(back).toMatchObject({ desired: 'running', restoreUntil: undefined });
    expect(back?.expiresAt.getTime()).toBe(now + expectedIn * 60_000);
  });

  it('hands a lab off to another user', async () => {
    const { service, store } = setup();
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    await service.handoff('U1', lab.id, 'U2');

    expect((await store.get(lab.id))?.owner).toBe('U2');
    await expect(service.teardown('U1', lab.id)).rejects.toThrow(/belongs to someone else/);
  });

  describe('limits', () => {
    it('caps the number of live labs per user', async () => {
      const { service } = setup({
        ...DEFAULT_POLICY,
        limits: { maxLabsPerUser: 2, maxHourlySpendPerUser: 100 },
      });
      await service.deploy({ user: 'U1', kind: 'class' });
      await service.deploy({ user: 'U1', kind: 'class' });

      await expect(service.deploy({ user: 'U1', kind: 'class' })).rejects.toThrow(
        /already have 2 live labs, the most one person may have/,
      );
      await expect(service.deploy({ user: 'U2', kind: 'class' })).resolves.toBeDefined();
    });

    it('caps the hourly spend per user, counting suspended labs at their storage rate', async () => {
      const { service } = setup({
        ...DEFAULT_POLICY,
        limits: { maxLabsPerUser: 10, maxHourlySpendPerUser: 1 },
      });
      await service.deploy({ user: 'U1', kind: 'demo', template: 'vsphere8' });

      await expect(service.deploy({ user: 'U1', kind: 'demo', template: 'vsphere8' })).rejects.toThrow(
        /That would bring your labs to \$\d+\.\d\d\/h, over the \$1\.00\/h limit per person/,
      );
    });

    it('lets admins past the per-user limits', async () => {
      const { service } = setup({
        ...DEFAULT_POLICY,
        admins: ['UADMIN'],
        limits: { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 },
      });
      await service.deploy({ user: 'UADMIN', kind: 'class' });

      await expect(service.deploy({ user: 'UADMIN', kind: 'class' })).resolves.toBeDefined();
    });

    it('refuses a template the kind does not allow', async () => {
      const { service } = setup({
        ...DEFAULT_POLICY,
        kinds: DEFAULT_POLICY.kinds.map((k) => (k.name === 'class' ? { ...k, templates: ['esxi8'] } : k)),
      });

      await expect(service.deploy({ user: 'U1', kind: 'class', template: 'vsphere8' })).rejects.toThrow(
        'A class lab cannot use template "vsphere8". Allowed: esxi8.',
      );
    });
  });

  it('gives two simultaneous requests for one ticket one lab', async () => {
    const { service, store } = setup();

    const [a, b] = await Promise.all([
      service.deploy({ user: 'U1', kind: 'repro', ticket: 'TICKET-1' }),
      service.deploy({ user: 'U2', kind: 'repro', ticket: 'TICKET-1' }),
    ]);

    expect(a.lab.id).toBe(b.lab.id);
    expect([a.existing, b.existing].sort()).toEqual([false, true]);
    expect([...store.labs.values()].filter((l) => l.ticket === 'TICKET-1')).toHaveLength(1);
  });

  it('estimates the hourly rate before deploying', () => {
    const { service } = setup();

    const estimate = service.estimate('demo');

    expect(estimate.template.key).toBe('vsphere8');
    expect(estimate.rate.total).toBeCloseTo(12 * 0.025 + 50 * 0.0045 + (440 * 0.08) / 730, 10);
  });

  describe('deploy allow lists', () => {
    const restricted = {
      ...DEFAULT_POLICY,
      admins: ['UADMIN'],
      access: { deployChannels: ['C0LABS'], deployUserGroups: ['S0SALES'] },
    };

    it('lets members of an allowed group deploy in an allowed channel', async () => {
      const { service } = setup(restricted);

      await expect(
        service.deploy({ user: 'U1', channel: 'C0LABS', userGroups: ['S0SALES'], kind: 'demo' }),
      ).resolves.toBeDefined();
    });

    it('refuses other channels and non-members, saying why', async () => {
      const { service } = setup(restricted);

      await expect(
        service.deploy({ user: 'U1', channel: 'C0RANDOM', userGroups: ['S0SALES'], kind: 'demo' }),
      ).rejects.toThrow(
        'Labs can be deployed only from the channels the labbot admins chose (C0LABS), not from this one.',
      );
      await expect(
        service.deploy({ user: 'U1', channel: 'C0LABS', userGroups: [], kind: 'demo' }),
      ).rejects.toThrow(/not in one. Ask an admin to add you/);
      expect(service.mayDeploy('UADMIN', 'C0RANDOM', [])).toBe(true);
    });

    it('fails closed when the request names no channel (a modal without metadata, a command without one)', async () => {
      const { service } = setup({
        ...restricted,
        access: { deployChannels: ['C0LABS'], deployUserGroups: [] },
      });

      await expect(service.deploy({ user: 'U1', kind: 'demo' })).rejects.toThrow(
        /Labs can be deployed only from the channels the labbot admins chose \(C0LABS\)/,
      );
      expect(service.mayDeploy('U1', undefined, [])).toBe(false);
      expect(service.mayDeploy('UADMIN', undefined, [])).toBe(true);
    });
  });

  it('records a keep-alive call only with the lab’s own token', async () => {
    const store = new MemoryLabStore();
    const signals = new MemorySignals();
    const clock = new ManualClock();
    const service = new LabService({
      store,
      waker: { wake: () => undefined },
      clock,
      random: sequenceRandom(),
      policy: DEFAULT_POLICY,
      signals,
      newToken: () => 'secret-token-1',
    });
    const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

    expect(await service.keepalive(lab.id, 'secret-token-1')).toBe(true);
    expect(await service.keepalive(lab.id, 'secret-token-2')).toBe(false);
    expect(await service.keepalive(lab.id, '')).toBe(false);
    expect(await service.keepalive('demo-nope', 'secret-token-1')).toBe(false);
    expect(signals.signals).toEqual([{ labId: lab.id, at: clock.now(), kind: 'keepalive' }]);
  });

  it('keeps a lab from a reaper warning, counting it as an extension and recording a false positive', async () => {
    const { store, clock } = setup();
    const audit = new MemoryAudit();
    const withAudit = new LabService({
      store,
      waker: { wake: () => undefined },
      clock,
      random: sequenceRandom(),
      policy: DEFAULT_POLICY,
      audit,
    });
    const { lab } = await withAudit.deploy({ user: 'U1', kind: 'demo' });
    await store.applyRequest(lab.id, { reapWarnedAt: clock.now() });

    const until = new Date(clock.now().getTime() + 6 * 3_600_000);
    const kept = await withAudit.keep('U1', lab.id, until, true);

    const stored = await store.get(lab.id);
    expect(stored?.snoozedUntil).toEqual(until);
    expect(stored?.expiresAt).toEqual(until);
    expect(stored?.reapWarnedAt).toBeUndefined();
    expect(stored?.extensions).toBe(1);
    expect(kept.snoozedUntil).toEqual(until);
    expect(audit.actions()).toContain(`U1 false-positive ${lab.id} ok`);
  });

  describe('issue 14', () => {
    it('coalesces keep-alive calls to one signal per lab per minute', async () => {
      const store = new MemoryLabStore();
      const signals = new MemorySignals();
      const clock = new ManualClock();
      const service = new LabService({
        store,
        waker: { wake: () => undefined },
        clock,
        random: sequenceRandom(),
        policy: DEFAULT_POLICY,
        signals,
        newToken: () => 'tok',
      });
      const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });
      const start = clock.now();

      for (let i = 0; i < 50; i++) {
        expect(await service.keepalive(lab.id, 'tok')).toBe(true);
        clock.advance(1_000);
      }
      clock.advance(15_000);
      expect(await service.keepalive(lab.id, 'tok')).toBe(true);

      expect(signals.signals.map((s) => s.at)).toEqual([start, new Date(start.getTime() + 65_000)]);
    });

    describe('hand-off', () => {
      function withDirectory(directory = EVERYONE, policy = DEFAULT_POLICY) {
        const store = new MemoryLabStore();
        const audit = new MemoryAudit();
        let n = 0;
        const service = new LabService({
          store,
          waker: { wake: () => undefined },
          clock: new ManualClock(),
          random: sequenceRandom([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]),
          policy,
          audit,
          directory,
          newToken: () => `token-${++n}`,
        });
        return { store, audit, service };
      }

      it.each([
        ['an unknown id', directoryOf([]), /There is no Slack user <@U2>/],
        ['a deactivated account', directoryOf([person('U2', { deleted: true })]), /deactivated/],
        ['a bot', directoryOf([person('U2', { bot: true })]), /a bot or app/],
        ['a guest', directoryOf([person('U2', { guest: true })]), /a guest/],
        [
          'an external user',
          directoryOf([person('U2', { inTeam: false })]),
          /not a member of this workspace/,
        ],
      ])('refuses %s and keeps the lab with its owner', async (_what, directory, message) => {
        const { store, audit, service } = withDirectory(directory);
        const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

        await expect(service.handoff('U1', lab.id, 'U2')).rejects.toThrow(message);

        expect((await store.get(lab.id))?.owner).toBe('U1');
        expect(audit.actions()).toContain(`U1 handoff ${lab.id} denied`);
      });

      it('refuses when there is no directory to ask', async () => {
        const bare = new LabService({
          store: new MemoryLabStore(),
          waker: { wake: () => undefined },
          clock: new ManualClock(),
          random: sequenceRandom(),
          policy: DEFAULT_POLICY,
        });
        const { lab } = await bare.deploy({ user: 'U1', kind: 'demo' });

        await expect(bare.handoff('U1', lab.id, 'U2')).rejects.toThrow('not enabled');
      });

      it('counts the lab against an admin receiver too (no bypass through a hand-off)', async () => {
        const { service } = withDirectory(EVERYONE, {
          ...DEFAULT_POLICY,
          admins: ['UADMIN'],
          limits: { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 },
        });
        await service.deploy({ user: 'UADMIN', kind: 'class' });
        const { lab } = await service.deploy({ user: 'U1', kind: 'class' });

        await expect(service.handoff('U1', lab.id, 'UADMIN')).rejects.toThrow(
          'The new owner already has 1 live labs',
        );
      });

      it('rotates the keep-alive token: the old owner’s URL stops working', async () => {
        const { service } = withDirectory();
        const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

        const handed = await service.handoff('U1', lab.id, 'U2');

        expect(lab.keepaliveToken).toBe('token-1');
        expect(handed.keepaliveToken).toBe('token-2');
        await expect(service.keepalive(lab.id, 'token-1')).resolves.toBe(false);
        await expect(service.keepalive(lab.id, 'token-2')).resolves.toBe(true);
      });

      it('records an unverified receiver as such in the audit log', async () => {
        const { service, audit } = withDirectory({
          lookup: (id) => Promise.resolve(person(id, { verified: false })),
        });
        const { lab } = await service.deploy({ user: 'U1', kind: 'demo' });

        await service.handoff('U1', lab.id, 'U2');

        const entry = (await audit.list({ labId: lab.id, limit: 10 })).find((e) => e.action === 'handoff');
        expect(entry?.detail).toBe('from U1 to U2 (receiver not checked: no user directory)');
      });
    });

    it('compares tickets whatever their case: TKT-2 and tkt-2 are one lab, shown as first typed', async () => {
      const { service, store } = setup();

      const first = await service.deploy({ user: 'U1', kind: 'repro', ticket: 'tkt-2' });
      const again = await service.deploy({ user: 'U2', kind: 'repro', ticket: 'TKT-2' });

      expect(first.lab.ticket).toBe('tkt-2');
      expect(again).toEqual({ lab: first.lab, existing: true });
      expect(store.labs.size).toBe(1);
    });

    it('lets the owner and admins see access details, nobody else', () => {
      const { service } = setup({ ...DEFAULT_POLICY, admins: ['UADMIN'] });

      expect(service.mayAccess('U1', { owner: 'U1' })).toBe(true);
      expect(service.mayAccess('UADMIN', { owner: 'U1' })).toBe(true);
      expect(service.mayAccess('U2', { owner: 'U1' })).toBe(false);
    });
  });
});

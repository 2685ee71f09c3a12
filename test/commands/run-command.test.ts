import { createCommandRunner } from '../../src/commands/run-command';
import { tomorrowAt } from '../../src/commands/run-verbs';
import { type Reply } from '../../src/commands/reply';
import { replyText } from '../helpers/reply-text';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type ClassService } from '../../src/labs/class-service';
import { UserError } from '../../src/labs/errors';
import { formatUsd, hourlyRate } from '../../src/labs/cost';
import { type Lab } from '../../src/labs/lab';
import { LabService } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { EVERYONE } from '../helpers/directory';
import { MemoryLabStore } from '../helpers/memory-lab-store';

function setup(policy: LabPolicy = DEFAULT_POLICY) {
  const store = new MemoryLabStore();
  const clock = new ManualClock();
  const service = new LabService({
    store,
    waker: { wake: () => undefined },
    clock,
    random: sequenceRandom(),
    policy,
    directory: EVERYONE,
    ledger: store,
  });
  const runner = createCommandRunner({
    service,
    policy,
    clock,
    random: sequenceRandom(),
    logger: createSilentLogger(),
    simulated: true,
  });
  return { store, clock, runner };
}

const text = (reply: Reply): string => replyText(reply);

describe('commands/run-command', () => {
  it('lists in help only what the caller may run', async () => {
    const { runner } = setup({
      ...DEFAULT_POLICY,
      admins: ['UADMIN'],
      access: { deployChannels: ['C0LABS'], deployUserGroups: [] },
    });

    const elsewhere = text(await runner.run('help', { user: 'U1', channel: 'C0RANDOM' }));
    const admin = text(await runner.run('help', { user: 'UADMIN', channel: 'C0RANDOM' }));

    expect(elsewhere).not.toContain('/lab demo');
    expect(elsewhere).not.toContain('[all]');
    expect(elsewhere).toContain('Deploying is not open to you here');
    expect(admin).toContain('/lab demo');
    expect(admin).toContain('/lab list [all]');
  });

  it('answers `status LAB script` with each ESXi host’s 1:1 MAC script, to its owner and admins only', async () => {
    const { runner, store } = setup({ ...DEFAULT_POLICY, admins: ['UADMIN'] });
    await runner.run('demo esxi8', { user: 'U1' });
    const [deployed] = await store.list({});
    const lab = deployed as NonNullable<typeof deployed>;
    const nic = (index: number, mac: string) => ({
      index,
      network: index === 0 ? 'Management' : 'VM Network',
      mac,
      connected: true,
      adapterType: index === 0 ? 'VMXNET3' : 'E1000',
    });
    await store.update({
      ...lab,
      phase: 'ready',
      vms: [
        {
          name: 'esxi-01',
          href: 'https://vcd/api/vApp/vm-1',
          powerState: 'powered_on',
          cpus: 4,
          memoryMb: 16384,
          nics: [nic(0, '00:50:56:01:00:0a'), nic(1, '00:50:56:01:00:0b'), nic(2, '00:50:56:01:00:0c')],
        },
      ],
      network: {
        edge: 'edge-01',
        esxiVms: ['esxi-01'],
        nicsConfigured: true,
        rulesApplied: true,
        access: [],
        released: false,
      },
    });

    const owner = await runner.run(`status ${lab.id} SCRIPT`, { user: 'U1' });
    const admin = await runner.run(`status ${lab.id} script`, { user: 'UADMIN' });
    const other = await runner.run(`status ${lab.id} script`, { user: 'U2' });
    const status = text(await runner.run(`status ${lab.id}`, { user: 'U1' }));

    expect(owner.visibility).toBe('ephemeral');
    const code = owner.sections.find((s) => s.type === 'code');
    expect(code?.type === 'code' ? code.text : '').toContain(
      'policy failover set --portgroup-name=labbot-vmnic2 --active-uplinks=vmnic2',
    );
    expect(text(owner)).toContain("labbot_set_mac VMID '00:50:56:01:00:0b' labbot-vmnic1");
    expect(text(admin)).toBe(text(owner));
    expect(other.tone).toBe('error');
    expect(text(other)).toContain('only its owner or an admin can see its host scripts');
    expect(text(other)).not.toContain('00:50:56');
    // The status reply names each vmnic's adapter type and points at the script.
    expect(status).toMatch(/vmnic1 \| 00:50:56:01:00:0b \| VM Network \| {2}\| E1000/);
    expect(status).toContain(`/lab status ${lab.id} script`);
    expect(text(await runner.run(`status ${lab.id} scripts`, { user: 'U1' }))).toContain(
      'Unexpected "scripts"',
    );
  });

  it('answers deploys with an estimate before anything bills', async () => {
    const { runner } = setup();

    const reply = text(await runner.run('demo esxi8', { user: 'U1' }));

    expect(reply).toContain('Estimated ≈ $0.18/h while running, $0.01/h while suspended.');
  });

  it('extends, suspends, resumes and hands off through commands', async () => {
    const { runner, store } = setup();
    await runner.run('demo esxi8', { user: 'U1' });
    const id = [...store.labs.keys()][0] ?? '';

    expect(text(await runner.run(`extend ${id} 1h`, { user: 'U1' }))).toContain('Expires: in 5h');
    expect((await store.get(id))?.extensions).toBe(1);
    await runner.run(`suspend ${id}`, { user: 'U1' });
    expect((await store.get(id))?.desired).toBe('suspended');
    await runner.run(`resume ${id}`, { user: 'U1' });
    expect((await store.get(id))?.desired).toBe('running');
    expect((await runner.run(`handoff ${id} <@U0BOB|bob>`, { user: 'U1' })).title).toBe(
      `Lab ${id} now belongs to U0BOB.`,
    );
    expect((await store.get(id))?.owner).toBe('U0BOB');
  });

  it('reports cost per kind and ticket, and per person for admins only', async () => {
    const { runner, clock } = setup({ ...DEFAULT_POLICY, admins: ['UADMIN'] });
    await runner.run('demo esxi8', { user: 'U1' });
    await runner.run('repro T-1', { user: 'U1' });
    clock.advance(60 * 60_000);

    const mine = text(await runner.run('cost week', { user: 'U1' }));
    const denied = await runner.run('cost all', { user: 'U1' });
    const all = text(await runner.run('cost all', { user: 'UADMIN' }));

    expect(mine).toMatch(/^Your labs: \$0\.0\d \(2 labs\)/);
    expect(mine).toContain('T-1 | 1 |');
    expect(denied.title).toBe('Only labbot admins can see everyone’s costs. `/lab cost` shows yours.');
    expect(all).toContain('U1 | 2 |');
  });

  it('bills what ran in the calendar month, not the labs created in it, and exports a CSV for admins', async () => {
    const { runner, clock, store } = setup({ ...DEFAULT_POLICY, admins: ['UADMIN'] });
    clock.advance(new Date('2026-03-31T23:00:00Z').getTime() - clock.now().getTime());
    await runner.run('repro T-1', { user: 'U1' });
    const id = [...store.labs.keys()][0] ?? '';
    const lab = (await store.get(id)) as Lab;
    await store.update({ ...lab, phase: 'ready', poweredOnSince: new Date('2026-03-31T23:00:00Z') });
    clock.advance(3 * 3_600_000); // 1 April 02:00 UTC

    const month = await runner.run('cost month', { user: 'U1' });
    const march = await runner.run('cost month', { user: 'U1', utcOffsetMinutes: -300 });
    // From Slack: the caller's time zone, 31 March 22:00 in New York (EDT, UTC-4).
    const marchInNewYork = await runner.run('cost month', { user: 'U1', timeZone: 'America/New_York' });
    const csvDenied = await runner.run('cost all month csv', { user: 'U1' });
    const csvMine = await runner.run('cost month csv', { user: 'UADMIN' });
    const csv = await runner.run('cost all month csv', { user: 'UADMIN' });

    const rate = hourlyRate(lab.spec, DEFAULT_POLICY.rates).total;
    // April, UTC: 2 of the 3 hours. In UTC-5 it is still 31 March 21:00, and March holds all 3.
    expect(month.title).toBe(`Your labs: ${formatUsd(2 * rate)} (1 lab)`);
    expect(march.title).toBe(`Your labs: ${formatUsd(3 * rate)} (1 lab)`);
    expect(marchInNewYork.title).toBe(`Your labs: ${formatUsd(3 * rate)} (1 lab)`);
    expect(csvDenied.title).toBe('Only labbot admins can see everyone’s costs. `/lab cost` shows yours.');
    expect(csvMine.title).toBe('The CSV export is everyone’s costs, for admins: `/lab cost all month csv`.');
    expect(csv.file?.name).toBe('labbot-cost-month-2026-04-01.csv');
    expect(csv.file?.content.split('\r\n')[1]).toBe(
      `2026-04-01T00:00:00.000Z,2026-04-01T02:00:00.000Z,U1,repro,T-1,${lab.template},1,2.00,0.00,${(2 * rate).toFixed(2)}`,
    );
  });

  it('shows the keep-alive URL to the owner only', async () => {
    const store = new MemoryLabStore();
    const clock = new ManualClock();
    const service = new LabService({
      store,
      waker: { wake: () => undefined },
      clock,
      random: sequenceRandom(),
      policy: DEFAULT_POLICY,
      newToken: () => 'tok123',
    });
    const runner = createCommandRunner({
      service,
      policy: DEFAULT_POLICY,
      clock,
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: true,
      publicUrl: 'https://labbot.example.com',
    });
    await runner.run('demo', { user: 'U1' });
    const id = [...store.labs.keys()][0] ?? '';

    const owner = text(await runner.run(`status ${id}`, { user: 'U1' }));
    const other = text(await runner.run(`status ${id}`, { user: 'U2' }));

    expect(owner).toContain(`curl -fsS 'https://labbot.example.com/labs/${id}/keepalive?token=tok123'`);
    expect(other).not.toContain('tok123');
  });

  describe('visibility (issue 14)', () => {
    async function networkedLab(policy: LabPolicy) {
      const ctx = setup(policy);
      await ctx.runner.run('demo esxi8', { user: 'U1' });
      const id = [...ctx.store.labs.keys()][0] ?? '';
      const lab = ctx.store.labs.get(id);
      if (!lab) {
        throw new Error('no lab');
      }
      Object.assign(lab, {
        phase: 'ready',
        keepaliveToken: 'tok-secret',
        vms: [
          {
            name: 'esxi-01',
            href: 'https://vcd.example.com/api/vApp/vm-1',
            powerState: 'powered_on',
            cpus: 4,
            memoryMb: 16384,
            nics: [
              {
                index: 0,
                network: 'Management',
                mac: '00:50:56:aa:bb:cc',
                ipAddress: '10.0.0.11',
                connected: true,
              },
            ],
          },
        ],
        network: {
          edge: 'edge-1',
          esxiVms: ['esxi-01'],
          nicsConfigured: true,
          publicIp: '203.0.113.10',
          rulesApplied: true,
          access: [
            {
              name: 'ui',
              vm: 'esxi-01',
              protocol: 'tcp',
              publicPort: 443,
              port: 443,
              url: 'https://203.0.113.10:443',
              allow: ['0.0.0.0/0'],
            },
          ],
          released: false,
        },
      });
      return { ...ctx, id };
    }

    it('shows someone else’s lab without its access details; the owner and admins see them', async () => {
      const { runner, id } = await networkedLab({ ...DEFAULT_POLICY, admins: ['UADMIN'] });

      const other = text(await runner.run(`status ${id}`, { user: 'U2' }));
      const owner = text(await runner.run(`status ${id}`, { user: 'U1' }));
      const admin = text(await runner.run(`status ${id}`, { user: 'UADMIN' }));

      for (const secret of ['203.0.113.10', '00:50:56:aa:bb:cc', '10.0.0.11', 'tok-secret']) {
        expect(other).not.toContain(secret);
      }
      expect(other).toContain('esxi-01');
      expect(other).toContain('shown to its owner and labbot admins only');
      expect(owner).toContain('203.0.113.10');
      expect(owner).toContain('00:50:56:aa:bb:cc');
      expect(admin).toContain('203.0.113.10');
      expect(admin).toContain('00:50:56:aa:bb:cc');
    });
  });

  it('keeps a lab from a reaper warning until tomorrow 9:00 in the user’s time zone', async () => {
    const { runner, store } = setup();
    await runner.run('demo esxi8', { user: 'U1' });
    const id = [...store.labs.keys()][0] ?? '';

    const reply = await runner.run(`keep ${id} tomorrow`, { user: 'U1', utcOffsetMinutes: 60 });

    expect(reply.title).toBe(`Kept lab ${id} until 2026-11-25 08:00 UTC.`);
    expect(tomorrowAt(new Date('2026-11-24T23:30:00Z'), 9, 60)).toEqual(new Date('2026-11-26T08:00:00Z'));
    expect(tomorrowAt(new Date('2026-11-24T23:30:00Z'), 9, -300)).toEqual(new Date('2026-11-25T14:00:00Z'));
  });
});

describe('commands/run-command: class', () => {
  it('says classes are not enabled when the runner has none', async () => {
    const { runner } = setup();
    const reply = await runner.run('class esxi8 for <@U0ALICE>', { user: 'U1' });
    expect([reply.tone, reply.title]).toEqual(['error', 'Classes are not enabled in this labbot.']);
  });

  it('schedules a class `at TIME` in the trainer’s time zone, and refuses a time that has passed', async () => {
    const store = new MemoryLabStore();
    const clock = new ManualClock(new Date('2026-11-24T09:00:00Z'));
    const service = new LabService({
      store,
      waker: { wake: () => undefined },
      clock,
      random: sequenceRandom(),
      policy: DEFAULT_POLICY,
    });
    const asked: { readyBy?: Date }[] = [];
    // Only what runClass calls on create: the use case is tested with the store (test/e2e/class-two-replicas).
    const classes = {
      create: (input: { readyBy?: Date }) => {
        asked.push(input);
        return Promise.reject(new UserError('usage', 'stop here'));
      },
    } as unknown as ClassService;
    const runner = createCommandRunner({
      service,
      policy: DEFAULT_POLICY,
      clock,
      random: sequenceRandom(),
      logger: createSilentLogger(),
      simulated: true,
      classes,
    });

    await runner.run('class esxi8 for <@U0ALICE> at 14:00', { user: 'U1', timeZone: 'Europe/Paris' });
    expect(asked.map((input) => input.readyBy)).toEqual([new Date('2026-11-24T13:00:00Z')]);

    const past = await runner.run('class esxi8 for <@U0ALICE> at 8:00', { user: 'U1', timeZone: 'UTC' });
    expect(past.tone).toBe('error');
    expect(asked).toHaveLength(1);
    expect(await store.list({})).toEqual([]);
  });
});

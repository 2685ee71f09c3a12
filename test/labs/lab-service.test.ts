import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { UserError } from '../../src/labs/errors';
import { LabService } from '../../src/labs/lab-service';
import { ManualClock, sequenceRandom } from '../helpers/clock';
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
});

/**
 * The networking steps (controller/steps/network.ts) through the controller on fakes: one VM's NICs per step, the
 * address asked of the edge and the pool, the audit words, and the failures a missing configuration gives.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { InProcessPublicIps } from '../../src/controller/in-process-public-ips';
import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { wireCore } from '../helpers/core';
import { FakeCloud } from '../helpers/fake-cloud';
import { labIn } from '../helpers/labs';
import { recordingLogger } from '../helpers/logger';

function setup(policy: LabPolicy = DEFAULT_POLICY) {
  const cloud = new FakeCloud();
  const publicIps = new InProcessPublicIps();
  const core = wireCore({ cloud, policy, controller: { publicIps } });
  const drive = async (lab: Lab): Promise<Lab | undefined> => {
    await core.store.insert(lab);
    core.controller.wake(lab.id);
    await core.controller.idle();
    return core.store.get(lab.id);
  };
  return { ...core, cloud, publicIps, drive };
}

const calls = (core: ReturnType<typeof setup>, op: string): string[] =>
  core.cloud.calls.filter((c) => c.startsWith(`${op} `));

describe('networking steps', () => {
  it('configures one VM per step when each change is a task, then records the VMs as VCD reads them', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'vsphere8' });
    await core.controller.idle();

    const ready = await core.store.get(lab.id);
    expect(ready?.phase).toBe('ready');
    // One change (a task, waited for) per step; each step looks at every ESXi host again, in order.
    expect(calls(core, 'configureNics').map((c) => c.replace(/.*\//, ''))).toEqual([
      'vm-1',
      'vm-1',
      'vm-2',
      'vm-1',
      'vm-2',
    ]);
    const nicSaves = core.store.history.filter((l) => l.phase === 'networking' && l.taskHref !== undefined);
    expect(nicSaves).toHaveLength(2);
    expect(ready?.network).toMatchObject({ nicsConfigured: true, rulesApplied: true, released: false });
  });

  it('asks the edge for the addresses in use by others, takes one from the pool and claims it on the edge', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();

    expect(calls(core, 'edgeAddressesInUse')).toEqual([`edgeAddressesInUse edge-01 ${lab.id}`]);
    expect(calls(core, 'claimPublicIp')).toEqual([`claimPublicIp edge-01 ${lab.id} 203.0.113.10`]);
    expect(await core.publicIps.list()).toEqual([{ labId: lab.id, ip: '203.0.113.10' }]);
    expect((await core.store.get(lab.id))?.network?.publicIp).toBe('203.0.113.10');
    expect(core.audit.entries.find((e) => e.action === 'edge-rules')).toMatchObject({
      labId: lab.id,
      detail: 'public IP 203.0.113.10 on edge-01',
      result: 'ok',
    });
  });

  it('on teardown removes the rules, returns the address and says so', async () => {
    const core = setup();
    const { lab } = await core.service.deploy({ user: 'U1', kind: 'demo', template: 'esxi8' });
    await core.controller.idle();
    await core.service.teardown('U1', lab.id);
    await core.controller.idle();

    expect(calls(core, 'setLabEdgeRules').at(-1)).toBe(`setLabEdgeRules edge-01 ${lab.id} 0`);
    expect(calls(core, 'releasePublicIp')).toEqual([`releasePublicIp edge-01 ${lab.id} 203.0.113.10`]);
    expect(await core.publicIps.list()).toEqual([]);
    expect(core.audit.entries.find((e) => e.action === 'release-network')?.detail).toBe(
      'edge rules removed, public IP 203.0.113.10 returned',
    );
    const ended = await core.store.get(lab.id);
    expect(ended?.network).toMatchObject({ released: true, rulesApplied: false });
    expect(ended?.network?.publicIp).toBeUndefined();
  });

  it('releases an address a crash left unrecorded on the lab, found by its lab id, without touching rules', async () => {
    const core = setup();
    await core.publicIps.allocate('net-1', DEFAULT_POLICY.edge!.publicIps);
    await core.publicIps.allocate('other-1', DEFAULT_POLICY.edge!.publicIps);
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    await core.drive(
      labIn('networking', {
        id: 'net-1',
        template: 'esxi8',
        vappHref: vapp.href,
        desired: 'deleted',
        network: {
          edge: 'edge-01',
          esxiVms: ['esxi-01'],
          nicsConfigured: true,
          rulesApplied: false,
          access: [],
          released: false,
        },
      }),
    );

    expect(calls(core, 'setLabEdgeRules')).toEqual([]);
    expect(calls(core, 'releasePublicIp')).toEqual(['releasePublicIp edge-01 net-1 203.0.113.10']);
    expect(await core.publicIps.list()).toEqual([{ labId: 'other-1', ip: '203.0.113.11' }]);
    expect(core.audit.entries.find((e) => e.action === 'release-network')?.detail).toBe(
      'nothing on the edge',
    );
  });

  it('removes rules recorded as applied even without an address', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    await core.drive(
      labIn('networking', {
        id: 'net-1',
        template: 'esxi8',
        vappHref: vapp.href,
        desired: 'deleted',
        network: {
          edge: 'edge-old',
          esxiVms: ['esxi-01'],
          nicsConfigured: true,
          rulesApplied: true,
          access: [],
          released: false,
        },
      }),
    );

    // On the edge the lab recorded, not the configured one.
    expect(calls(core, 'setLabEdgeRules')).toEqual(['setLabEdgeRules edge-old net-1 0']);
    expect(calls(core, 'releasePublicIp')).toEqual(['releasePublicIp edge-old net-1 -']);
  });

  it('fails the deploy in words when the template lost its network block', async () => {
    const policy: LabPolicy = {
      ...DEFAULT_POLICY,
      templates: DEFAULT_POLICY.templates.map(({ network: _n, ...t }) => t),
    };
    const core = setup(policy);
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    const lab = await core.drive(
      labIn('networking', { id: 'net-1', template: 'esxi8', vappHref: vapp.href }),
    );

    expect(lab?.failureReason).toMatch(
      /^Deploy failed while configuring the ESXi NICs: template esxi8 no longer has a network block in the configuration\. Cleaned up: /,
    );
  });

  it('fails the deploy in words when no edge is configured any more', async () => {
    const { edge: _edge, ...policy } = DEFAULT_POLICY;
    const core = setup(policy);
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    const lab = await core.drive(
      labIn('networking', { id: 'net-1', template: 'esxi8', vappHref: vapp.href }),
    );

    expect(lab?.failureReason).toMatch(
      /^Deploy failed while configuring the ESXi NICs: no edge gateway is configured \(edge in labbot\.yml\)\. Cleaned up: /,
    );
  });

  it('fails the deploy when the vApp is gone before its NICs', async () => {
    const core = setup();

    const lab = await core.drive(
      labIn('networking', { id: 'net-1', template: 'esxi8', vappHref: 'https://vcd/api/vApp/vapp-404' }),
    );

    expect(lab?.failureReason).toMatch(/^Deploy failed while configuring the ESXi NICs: internal error\. /);
  });

  it('removes rules a crash left on the edge after the address was recorded but before the rules were', async () => {
    const core = setup();
    await core.publicIps.allocate('net-1', DEFAULT_POLICY.edge!.publicIps);
    await core.cloud.setLabEdgeRules('edge-01', 'net-1', {
      nat: [
        {
          name: 'ssh',
          type: 'DNAT',
          originalIp: '203.0.113.10',
          originalPort: '22',
          translatedIp: '10.0.0.5',
          translatedPort: '22',
          protocol: 'tcp',
        },
      ],
      firewall: [],
    });
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    await core.drive(
      labIn('networking', {
        id: 'net-1',
        template: 'esxi8',
        vappHref: vapp.href,
        desired: 'deleted',
        network: {
          edge: 'edge-01',
          esxiVms: ['esxi-01'],
          nicsConfigured: true,
          publicIp: '203.0.113.10',
          rulesApplied: false,
          access: [],
          released: false,
        },
      }),
    );

    expect(core.cloud.edgeRules.get('edge-01')?.has('net-1')).toBe(false);
    expect(calls(core, 'releasePublicIp')).toEqual(['releasePublicIp edge-01 net-1 203.0.113.10']);
  });

  it("returns this lab's unrecorded address, never another lab's listed before it", async () => {
    const core = setup();
    await core.publicIps.allocate('other-1', DEFAULT_POLICY.edge!.publicIps);
    await core.publicIps.allocate('net-1', DEFAULT_POLICY.edge!.publicIps);
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    await core.drive(
      labIn('networking', {
        id: 'net-1',
        template: 'esxi8',
        vappHref: vapp.href,
        desired: 'deleted',
        network: {
          edge: 'edge-01',
          esxiVms: ['esxi-01'],
          nicsConfigured: true,
          rulesApplied: false,
          access: [],
          released: false,
        },
      }),
    );

    expect(calls(core, 'releasePublicIp')).toEqual(['releasePublicIp edge-01 net-1 203.0.113.11']);
    expect(await core.publicIps.list()).toEqual([{ labId: 'other-1', ip: '203.0.113.10' }]);
  });

  it('fails the deploy in words when the template itself is no longer configured', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-4kq', undefined, 'powered_off');

    const lab = await core.drive(
      labIn('networking', { id: 'net-1', template: 'retired', vappHref: vapp.href }),
    );

    expect(lab?.failureReason).toMatch(
      /^Deploy failed while configuring the ESXi NICs: template retired no longer has a network block in the configuration\. Cleaned up: /,
    );
  });

  it('logs for admins which vApp disappeared before its NICs were configured', async () => {
    const logger = recordingLogger();
    const cloud = new FakeCloud();
    const core = wireCore({ cloud, controller: { publicIps: new InProcessPublicIps(), logger } });
    await core.store.insert(
      labIn('networking', { id: 'net-1', template: 'esxi8', vappHref: 'https://vcd/api/vApp/vapp-404' }),
    );

    core.controller.wake('net-1');
    await core.controller.idle();

    const failed = logger.lines.find((l) => l.message === 'lab step failed');
    expect(failed?.fields).toMatchObject({
      labId: 'net-1',
      step: 'configure-nics',
      causes: ['Error: vApp lab-demo-4kq disappeared before its NICs were configured'],
    });
  });
});

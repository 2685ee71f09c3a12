/**
 * What every Cloud must do for the controller, as cases any implementation runs: the FakeCloud the controller's
 * tests use and the real VcdCloud against the simulator over HTTP. The fake is only worth its speed if the
 * controller cannot tell it from the real client on these.
 */
import { type Cloud } from '../../src/labs/ports';

export interface CloudSubject {
  name: string;
  /** A cloud with an empty VDC and a catalog holding `template`. */
  open(): Promise<{ cloud: Cloud; template: string; dispose(): Promise<void> }>;
}

export function describeCloudContract(subject: CloudSubject): void {
  describe(`Cloud contract: ${subject.name}`, () => {
    let cloud: Cloud;
    let template: string;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      ({ cloud, template, dispose } = await subject.open());
    });

    afterEach(() => dispose());

    async function deployed(name: string): Promise<string> {
      const { vappHref, task } = await cloud.startDeploy({
        vappName: name,
        description: `lab ${name}`,
        templateName: template,
        runtimeLeaseSeconds: 4 * 3600,
      });
      await cloud.waitForTask(task);
      return vappHref;
    }

    async function done(task: Promise<{ href: string } | undefined>): Promise<void> {
      const started = await task;
      if (started) {
        await cloud.waitForTask(started);
      }
    }

    it('lists the catalog’s template', async () => {
      expect((await cloud.listTemplates()).map((t) => t.name)).toContain(template);
    });

    it('deploys a vApp powered off and undeployed, with its VMs, found by href and by name', async () => {
      const href = await deployed('lab-contract-1');

      const vapp = await cloud.getVApp(href);
      expect(vapp).toMatchObject({
        href,
        name: 'lab-contract-1',
        powerState: 'powered_off',
        deployed: false,
      });
      expect(vapp?.vms.length).toBeGreaterThan(0);
      expect(vapp?.vms.every((vm) => vm.powerState === 'powered_off')).toBe(true);
      expect(vapp?.pendingTask).toBeUndefined();
      expect((await cloud.findVAppByName('lab-contract-1'))?.href).toBe(href);
      expect(await cloud.findVAppByName('lab-contract-none')).toBeUndefined();
      expect(await cloud.isVAppGone({ href, name: 'lab-contract-1' })).toBe(false);
    });

    it('lists as managed only the vApps carrying labbot.id, with their labbot metadata', async () => {
      const tagged = await deployed('lab-contract-tagged');
      await deployed('lab-contract-untagged');
      await done(
        cloud.setMetadata(tagged, {
          'labbot.id': 'contract-1',
          'labbot.installation': 'install-contract',
          'labbot.owner': 'U1',
          'labbot.kind': 'demo',
        }),
      );

      const managed = await cloud.listManagedVApps();
      expect(managed.map((v) => v.name)).toEqual(['lab-contract-tagged']);
      expect(managed[0]).toMatchObject({
        href: tagged,
        powerState: 'powered_off',
        busy: false,
        metadata: { labId: 'contract-1', installation: 'install-contract', owner: 'U1', kind: 'demo' },
      });
    });

    it('powers on, reports running VMs and their usage, suspends and undeploys', async () => {
      const href = await deployed('lab-contract-power');

      await done(cloud.startPowerOn(href));
      const on = await cloud.getVApp(href);
      expect(on).toMatchObject({ powerState: 'powered_on', deployed: true });
      const running = (await cloud.listRunningVms()).filter((vm) => vm.vappHref === href);
      expect(running.map((vm) => vm.name).sort()).toEqual(on!.vms.map((vm) => vm.name).sort());
      const usage = await cloud.getVmUsage(running[0]!);
      expect(usage.vmName).toBe(running[0]!.name);
      expect((await cloud.getUsage(href)).map((u) => u.vmName).sort()).toEqual(
        on!.vms.map((vm) => vm.name).sort(),
      );

      await done(cloud.startSuspend(href));
      expect((await cloud.getVApp(href))?.powerState).toBe('suspended');
      expect((await cloud.listRunningVms()).filter((vm) => vm.vappHref === href)).toEqual([]);

      await done(cloud.startPowerOn(href));
      await done(cloud.startUndeploy(href));
      expect(await cloud.getVApp(href)).toMatchObject({ powerState: 'powered_off', deployed: false });
    });

    it('deletes: the vApp is gone by href, by name and from the managed list', async () => {
      const href = await deployed('lab-contract-delete');
      await done(cloud.setMetadata(href, { 'labbot.id': 'contract-2' }));

      await done(cloud.startDelete(href));

      expect(await cloud.getVApp(href)).toBeUndefined();
      expect(await cloud.findVAppByName('lab-contract-delete')).toBeUndefined();
      expect(await cloud.isVAppGone({ href, name: 'lab-contract-delete' })).toBe(true);
      expect(await cloud.listManagedVApps()).toEqual([]);
    });
  });
}

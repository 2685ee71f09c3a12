import { CloudError } from '../../src/labs/errors';
import { type IpRange } from '../../src/labs/ipv4';
import {
  type CaptureRequest,
  type Cloud,
  type CloudTask,
  type CloudTemplate,
  type CloudVApp,
  type DeployRequest,
  type LabEdgeRules,
  type ManagedVApp,
  type NicSpec,
  type RunningVm,
  type VmUsage,
  type VmUsageSample,
} from '../../src/labs/ports';

type Operation =
  | 'startDeploy'
  | 'setMetadata'
  | 'startPowerOn'
  | 'startSuspend'
  | 'startUndeploy'
  | 'startDelete'
  | 'getVApp'
  | 'isVAppGone'
  | 'findVAppByName'
  | 'listManagedVApps'
  | 'getUsage'
  | 'listRunningVms'
  | 'getVmUsage'
  | 'getVmUsageHistory'
  | 'startCapture'
  | 'findTemplateTask'
  | 'configureNics'
  | 'setLabEdgeRules'
  | 'listEdgeRuleLabs'
  | 'edgeAddressesInUse'
  | 'claimPublicIp'
  | 'releasePublicIp';

/**
 * A Cloud in memory for controller tests: tasks complete when waited on (applying their effect then), and any
 * operation or task can be scripted to fail. Records every call in order.
 */
export class FakeCloud implements Cloud {
  readonly simulated = true;
  readonly vapps = new Map<string, CloudVApp>();
  readonly metadata = new Map<string, Record<string, string>>();
  readonly calls: string[] = [];
  /** Errors thrown by the next call of an operation (consumed once each). */
  readonly failures = new Map<Operation, Error[]>();
  /** Task kinds whose task fails when waited on (consumed once each). */
  readonly failingTasks: string[] = [];
  private readonly tasks = new Map<string, { kind: string; effect: () => void; onFailure?: () => void }>();
  private nextId = 1;

  failNext(operation: Operation, error: Error = new CloudError('api', `${operation} refused`)): void {
    this.failures.set(operation, [...(this.failures.get(operation) ?? []), error]);
  }

  /** Templates made by captures (resolved or still being captured), in the catalog they went to. */
  readonly captured: CloudTemplate[] = [];

  listTemplates(catalogName = 'labs'): Promise<CloudTemplate[]> {
    return Promise.resolve(
      [
        { name: 'esxi8-single', href: 'https://vcd/api/vAppTemplate/vappTemplate-1', catalogName: 'labs' },
        ...this.captured,
      ].filter((t) => t.catalogName === catalogName),
    );
  }

  startCapture(vappHref: string, request: CaptureRequest): Promise<CloudTask> {
    this.record('startCapture', `${vappHref} ${request.name}`);
    const vapp = this.mustGet(vappHref);
    if (vapp.powerState !== 'powered_off') {
      return Promise.reject(new CloudError('api', `capture of a ${vapp.powerState} vApp`));
    }
    const catalogName = request.catalogName ?? 'labs';
    if (this.captured.some((t) => t.name === request.name && t.catalogName === catalogName)) {
      return Promise.reject(new CloudError('api', `The VCD entity ${request.name} already exists.`));
    }
    const template: CloudTemplate = {
      name: request.name,
      href: `https://vcd/api/vAppTemplate/vappTemplate-${this.nextId++}`,
      catalogName,
    };
    this.captured.push(template);
    const task = this.task(
      'capture',
      () => this.captureTasks.delete(template.href),
      () => {
        this.captureTasks.delete(template.href);
        this.captured.splice(this.captured.indexOf(template), 1);
      },
    );
    this.captureTasks.set(template.href, task.href);
    return Promise.resolve(task);
  }

  /** Capture tasks still writing their template, by template href. */
  private readonly captureTasks = new Map<string, string>();

  findTemplateTask(templateHref: string): Promise<CloudTask | undefined> {
    this.record('findTemplateTask', templateHref);
    const href = this.captureTasks.get(templateHref);
    return Promise.resolve(href === undefined ? undefined : { href });
  }

  async waitForCapture(
    task: CloudTask,
    expected: Pick<CaptureRequest, 'name' | 'catalogName'>,
  ): Promise<CloudTemplate> {
    await this.waitForTask(task);
    const template = this.captured.find((t) => t.name === expected.name);
    if (!template) {
      throw new CloudError('not_found', `no captured template ${expected.name}`);
    }
    return template;
  }

  startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }> {
    this.record('startDeploy', request.vappName);
    const href = `https://vcd/api/vApp/vapp-${this.nextId++}`;
    const vapp: CloudVApp = {
      href,
      name: request.vappName,
      powerState: 'creating',
      deployed: false,
      vms: [],
    };
    this.vapps.set(href, vapp);
    const task = this.task('instantiate', () => {
      vapp.powerState = 'powered_off';
      // The VMs of the simulator's templates (vsphere8-lab has two ESXi hosts, a vCenter and a jump host), each
      // with only its management NIC: the controller adds the rest.
      const names =
        request.templateName === 'vsphere8-lab' ? ['esxi-01', 'esxi-02', 'vcsa', 'jump'] : ['esxi-01'];
      vapp.vms = names.map((name, i) => ({
        name,
        href: `${href}/vm-${i + 1}`,
        powerState: 'powered_off',
        cpus: 4,
        memoryMb: 16384,
        nics: [
          {
            index: 0,
            network: 'Management',
            mac: `00:50:56:01:00:0${i + 1}`,
            connected: true,
            ipAddress: `10.10.0.${11 + i}`,
          },
        ],
      }));
    });
    vapp.pendingTask = task;
    return Promise.resolve({ vappHref: href, task });
  }

  waitForTask(task: CloudTask): Promise<void> {
    this.calls.push(`waitForTask ${this.tasks.get(task.href)?.kind ?? 'unknown'}`);
    const entry = this.tasks.get(task.href);
    if (!entry) {
      return Promise.reject(new CloudError('not_found', `no task ${task.href}`));
    }
    for (const vapp of this.vapps.values()) {
      if (vapp.pendingTask?.href === task.href) {
        delete vapp.pendingTask;
      }
    }
    const failIndex = this.failingTasks.indexOf(entry.kind);
    if (failIndex >= 0) {
      this.failingTasks.splice(failIndex, 1);
      entry.onFailure?.();
      return Promise.reject(new CloudError('task_failed', `task ${entry.kind} failed: simulated failure`));
    }
    entry.effect();
    return Promise.resolve();
  }

  setMetadata(vappHref: string, entries: Record<string, string>): Promise<CloudTask | undefined> {
    this.record('setMetadata', vappHref);
    return Promise.resolve(
      this.task('metadata', () =>
        this.metadata.set(vappHref, { ...this.metadata.get(vappHref), ...entries }),
      ),
    );
  }

  startPowerOn(vappHref: string): Promise<CloudTask> {
    this.record('startPowerOn', vappHref);
    const vapp = this.mustGet(vappHref);
    return Promise.resolve(
      this.task('powerOn', () => {
        vapp.powerState = 'powered_on';
        vapp.deployed = true;
        for (const vm of vapp.vms) {
          vm.powerState = 'powered_on';
        }
      }),
    );
  }

  startSuspend(vappHref: string): Promise<CloudTask> {
    this.record('startSuspend', vappHref);
    const vapp = this.mustGet(vappHref);
    return Promise.resolve(
      this.task('suspend', () => {
        vapp.powerState = 'suspended';
        for (const vm of vapp.vms) {
          vm.powerState = 'suspended';
        }
      }),
    );
  }

  listManagedVApps(): Promise<ManagedVApp[]> {
    this.record('listManagedVApps', '');
    const managed: ManagedVApp[] = [];
    for (const vapp of this.vapps.values()) {
      const md = this.metadata.get(vapp.href);
      const labId = md?.['labbot.id'];
      if (labId === undefined) {
        continue;
      }
      managed.push({
        href: vapp.href,
        name: vapp.name,
        powerState: vapp.powerState,
        busy: vapp.pendingTask !== undefined,
        metadata: {
          labId,
          ...(md?.['labbot.installation'] !== undefined ? { installation: md['labbot.installation'] } : {}),
          ...(md?.['labbot.owner'] !== undefined ? { owner: md['labbot.owner'] } : {}),
          ...(md?.['labbot.kind'] !== undefined ? { kind: md['labbot.kind'] } : {}),
          ...(md?.['labbot.ticket'] !== undefined ? { ticket: md['labbot.ticket'] } : {}),
          ...(md?.['labbot.expiresAt'] !== undefined ? { expiresAt: md['labbot.expiresAt'] } : {}),
        },
      });
    }
    return Promise.resolve(managed);
  }

  /** CPU % each vApp's VMs report; busy by default. */
  readonly cpu = new Map<string, number>();

  getUsage(vappHref: string): Promise<VmUsage[]> {
    this.record('getUsage', vappHref);
    const vapp = this.mustGet(vappHref);
    const cpuPercent = this.cpu.get(vappHref) ?? 40;
    return Promise.resolve(
      (vapp.vms.length > 0 ? vapp.vms : [{ name: 'vm' }]).map((vm) => ({
        vmName: vm.name,
        cpuPercent,
        networkKbps: cpuPercent > 10 ? 100 : 1,
      })),
    );
  }

  /** The powered-on VMs of powered-on vApps (a vApp without VMs shows one, `<href>/vm`, as getUsage does). */
  listRunningVms(): Promise<RunningVm[]> {
    this.record('listRunningVms', '');
    return Promise.resolve(
      [...this.vapps.values()]
        .filter((v) => v.powerState === 'powered_on')
        .flatMap((v) =>
          (v.vms.length > 0 ? v.vms : [{ name: 'vm', href: `${v.href}/vm`, powerState: 'powered_on' }])
            .filter((vm) => vm.powerState === 'powered_on')
            .map((vm) => ({ href: vm.href, name: vm.name, vappHref: v.href })),
        ),
    );
  }

  getVmUsage(vm: RunningVm): Promise<VmUsage> {
    this.record('getVmUsage', vm.href);
    const cpuPercent = this.cpu.get(vm.vappHref) ?? 40;
    return Promise.resolve({ vmName: vm.name, cpuPercent, networkKbps: cpuPercent > 10 ? 100 : 1 });
  }

  /** History samples per vApp (every VM of it reports them); none by default. */
  readonly history = new Map<string, VmUsageSample[]>();

  getVmUsageHistory(vmHref: string, since: Date): Promise<VmUsageSample[]> {
    this.record('getVmUsageHistory', `${vmHref} ${since.toISOString()}`);
    const vapp = [...this.vapps.values()].find(
      (v) => v.vms.some((vm) => vm.href === vmHref) || `${v.href}/vm` === vmHref,
    );
    return Promise.resolve((vapp ? (this.history.get(vapp.href) ?? []) : []).filter((s) => s.at > since));
  }

  /** Rules per edge and lab, as setLabEdgeRules left them. */
  readonly edgeRules = new Map<string, Map<string, LabEdgeRules>>();

  configureNics(vmHref: string, nics: NicSpec[]): Promise<CloudTask | undefined> {
    this.record('configureNics', vmHref);
    const vm = [...this.vapps.values()].flatMap((v) => v.vms).find((v) => v.href === vmHref);
    if (!vm) {
      return Promise.reject(new CloudError('not_found', `no VM ${vmHref}`));
    }
    const missing = nics.filter((spec) => {
      const nic = vm.nics.find((n) => n.index === spec.index);
      return (
        !nic ||
        nic.network !== spec.network ||
        !nic.connected ||
        (spec.adapterType !== undefined && nic.adapterType !== spec.adapterType)
      );
    });
    if (missing.length === 0) {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(
      this.task('configureNics', () => {
        for (const spec of missing) {
          const existing = vm.nics.find((n) => n.index === spec.index);
          const nic = {
            index: spec.index,
            network: spec.network,
            mac: existing?.mac ?? `00:50:56:02:00:${String(this.nextId++ % 100).padStart(2, '0')}`,
            connected: true,
            ipAddress: `10.20.0.${10 + spec.index}`,
            ...(spec.adapterType !== undefined ? { adapterType: spec.adapterType } : {}),
          };
          vm.nics = [...vm.nics.filter((n) => n.index !== spec.index), nic].sort((a, b) => a.index - b.index);
        }
      }),
    );
  }

  setLabEdgeRules(edge: string, labId: string, rules: LabEdgeRules): Promise<void> {
    this.record('setLabEdgeRules', `${edge} ${labId} ${rules.nat.length + rules.firewall.length}`);
    const labs = this.edgeRules.get(edge) ?? new Map<string, LabEdgeRules>();
    if (rules.nat.length + rules.firewall.length === 0) {
      labs.delete(labId);
    } else {
      labs.set(labId, structuredClone(rules));
    }
    this.edgeRules.set(edge, labs);
    return Promise.resolve();
  }

  listEdgeRuleLabs(edge: string): Promise<string[]> {
    this.record('listEdgeRuleLabs', edge);
    return Promise.resolve([...(this.edgeRules.get(edge)?.keys() ?? [])].sort());
  }

  /** Addresses of NAT rules on the edge that are not labbot's (set by a test), as edgeAddressesInUse reports them. */
  readonly foreignEdgeAddresses: string[] = [];

  edgeAddressesInUse(edge: string, labId: string): Promise<IpRange[]> {
    this.record('edgeAddressesInUse', `${edge} ${labId}`);
    const ofLabs = [...(this.edgeRules.get(edge) ?? new Map<string, LabEdgeRules>())]
      .filter(([id]) => id !== labId)
      .flatMap(([, rules]) => rules.nat.map((r) => (r.type === 'SNAT' ? r.translatedIp : r.originalIp)));
    return Promise.resolve([...ofLabs, ...this.foreignEdgeAddresses].map((ip) => ({ start: ip, end: ip })));
  }

  /** Floating IPs claimed per edge (an IP-Space edge): ip → lab. */
  readonly floatingIps = new Map<string, Map<string, string>>();

  claimPublicIp(edge: string, labId: string, ip: string): Promise<void> {
    this.record('claimPublicIp', `${edge} ${labId} ${ip}`);
    const ips = this.floatingIps.get(edge) ?? new Map<string, string>();
    const holder = ips.get(ip);
    if (holder !== undefined && holder !== labId) {
      return Promise.reject(new CloudError('api', `floating IP ${ip} is held by lab ${holder}`));
    }
    ips.set(ip, labId);
    this.floatingIps.set(edge, ips);
    return Promise.resolve();
  }

  releasePublicIp(edge: string, labId: string, ip: string | undefined): Promise<void> {
    this.record('releasePublicIp', `${edge} ${labId} ${ip ?? '-'}`);
    const ips = this.floatingIps.get(edge);
    for (const [address, holder] of ips ?? []) {
      if (holder === labId) {
        ips?.delete(address);
      }
    }
    return Promise.resolve();
  }

  /** Adds a vApp as if someone created it outside labbot, optionally with our metadata. */
  plant(
    name: string,
    metadata?: Record<string, string>,
    powerState: CloudVApp['powerState'] = 'powered_on',
  ): CloudVApp {
    const href = `https://vcd/api/vApp/vapp-${this.nextId++}`;
    const vapp: CloudVApp = { href, name, powerState, deployed: powerState === 'powered_on', vms: [] };
    this.vapps.set(href, vapp);
    if (metadata) {
      this.metadata.set(href, metadata);
    }
    return vapp;
  }

  startUndeploy(vappHref: string): Promise<CloudTask> {
    this.record('startUndeploy', vappHref);
    const vapp = this.mustGet(vappHref);
    return Promise.resolve(
      this.task('undeploy', () => {
        vapp.powerState = 'powered_off';
        vapp.deployed = false;
      }),
    );
  }

  startDelete(vappHref: string): Promise<CloudTask> {
    this.record('startDelete', vappHref);
    this.mustGet(vappHref);
    return Promise.resolve(
      this.task('delete', () => {
        this.vapps.delete(vappHref);
        this.metadata.delete(vappHref);
      }),
    );
  }

  getVApp(vappHref: string): Promise<CloudVApp | undefined> {
    this.record('getVApp', vappHref);
    const vapp = this.vapps.get(vappHref);
    return Promise.resolve(vapp ? structuredClone(vapp) : undefined);
  }

  /** Gone when no vApp has that href; a scripted failure (failNext('isVAppGone', …)) stands for a 403 or a 5xx. */
  isVAppGone(vapp: { href: string; name: string }): Promise<boolean> {
    this.record('isVAppGone', vapp.href);
    return Promise.resolve(!this.vapps.has(vapp.href));
  }

  findVAppByName(name: string): Promise<CloudVApp | undefined> {
    this.record('findVAppByName', name);
    const vapp = [...this.vapps.values()].find((v) => v.name === name);
    return Promise.resolve(vapp ? structuredClone(vapp) : undefined);
  }

  private record(operation: Operation, detail: string): void {
    this.calls.push(`${operation} ${detail}`);
    const queued = this.failures.get(operation);
    const error = queued?.shift();
    if (error) {
      throw error;
    }
  }

  private mustGet(href: string): CloudVApp {
    const vapp = this.vapps.get(href);
    if (!vapp) {
      throw new CloudError('not_found', `no vApp ${href}`);
    }
    return vapp;
  }

  private task(kind: string, effect: () => void, onFailure?: () => void): CloudTask {
    const href = `https://vcd/api/task/${this.nextId++}`;
    this.tasks.set(href, { kind, effect, ...(onFailure ? { onFailure } : {}) });
    return { href };
  }
}

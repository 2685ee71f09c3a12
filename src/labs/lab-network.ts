/**
 * Nested-ESXi networking of a lab, decided from the template's network block and what the cloud reports (pure):
 * which NICs each ESXi VM needs, which edge rules give the owner a way in and the lab a way out, and the vmnic MAC
 * table the owner needs for the 1:1 mapping (the cloud gives no promiscuous mode, so nested VM n must take the MAC
 * of vmnic n).
 */
import { LabNetworkError } from './errors';
import { type AccessPoint, type Lab, type LabNetwork, type VmInfo } from './lab';
import { type TemplateNetworkPolicy } from './policy';
import { type LabEdgeRules, type LabFirewallRule, type LabNatRule, type NicSpec } from './ports';

/** The network state a lab starts its networking with. */
export function initialLabNetwork(policy: TemplateNetworkPolicy, edge: string): LabNetwork {
  return {
    edge,
    esxiVms: [...policy.esxiVms],
    ...(policy.jumpHost !== undefined ? { jumpHost: policy.jumpHost } : {}),
    nicsConfigured: false,
    rulesApplied: false,
    access: [],
    released: false,
  };
}

/**
 * The NICs every ESXi VM must have: vmnic0 on the management network (its adapter type as the template has it),
 * vmnic1…N on the VM network with the configured adapter type. All connected, with the configured allocation.
 */
export function esxiNicSpecs(policy: TemplateNetworkPolicy): NicSpec[] {
  return [
    { index: 0, network: policy.managementNetwork, allocationMode: policy.ipAllocation },
    ...Array.from({ length: policy.vmNics }, (_, i) => ({
      index: i + 1,
      network: policy.vmNetwork,
      adapterType: policy.adapterType,
      allocationMode: policy.ipAllocation,
    })),
  ];
}

/**
 * The ESXi VMs of the vApp, in the order the template lists them.
 *
 * @throws LabNetworkError when the vApp lacks one (the template and its network block disagree).
 */
export function findEsxiVms(policy: TemplateNetworkPolicy, vms: readonly VmInfo[]): VmInfo[] {
  return policy.esxiVms.map((name) => {
    const vm = vms.find((v) => v.name === name);
    if (vm === undefined) {
      throw new LabNetworkError(
        `the vApp has no VM named "${name}" (network.esxiVm); it has ${vms.map((v) => v.name).join(', ') || 'no VMs'}`,
      );
    }
    return vm;
  });
}

/** True when the NIC already is as the spec says (a spec without adapter type accepts any). */
export function nicMatches(
  nic: { network: string; adapterType?: string; connected: boolean },
  spec: NicSpec,
): boolean {
  return (
    nic.network === spec.network &&
    nic.connected &&
    (spec.adapterType === undefined || nic.adapterType?.toUpperCase() === spec.adapterType.toUpperCase())
  );
}

function addressOn(vm: VmInfo, network: string): string | undefined {
  return vm.nics.find((n) => n.network === network && n.connected && n.ipAddress)?.ipAddress;
}

function urlOf(
  scheme: 'https' | 'http' | undefined,
  publicIp: string,
  publicPort: number,
): string | undefined {
  const effective = scheme ?? (publicPort === 443 ? 'https' : undefined);
  return effective === undefined ? undefined : `${effective}://${publicIp}:${publicPort}`;
}

/**
 * The lab's edge rules and the access points they open:
 * - per DNAT entry, a DNAT rule public-ip:publicPort → the VM's address on the rule's network (default management)
 *   and one firewall rule per allowed source to that public port;
 * - per SNAT entry, for each of the lab's addresses on the network, an SNAT rule to the public IP and one firewall
 *   rule per allowed destination.
 * Sources and destinations come only from the allow lists: nothing is open unless listed (`Any` is written out).
 *
 * @throws LabNetworkError when a rule names a VM the vApp lacks, or the VM has no address on the network yet
 *   (DHCP and NONE assign none before power-on).
 */
export function buildLabEdgeRules(
  policy: TemplateNetworkPolicy,
  publicIp: string,
  vms: readonly VmInfo[],
): { rules: LabEdgeRules; access: AccessPoint[] } {
  const nat: LabNatRule[] = [];
  const firewall: LabFirewallRule[] = [];
  const access: AccessPoint[] = [];
  for (const rule of policy.dnat) {
    const vm = vms.find((v) => v.name === rule.vm);
    if (vm === undefined) {
      throw new LabNetworkError(
        `access rule "${rule.name}" names VM "${rule.vm}", which the vApp does not have`,
      );
    }
    const network = rule.network ?? policy.managementNetwork;
    const target = addressOn(vm, network);
    if (target === undefined) {
      throw new LabNetworkError(
        `access rule "${rule.name}": VM "${rule.vm}" has no IP address on "${network}" (use POOL or MANUAL allocation)`,
      );
    }
    nat.push({
      name: rule.name,
      type: 'DNAT',
      originalIp: publicIp,
      originalPort: String(rule.publicPort),
      translatedIp: target,
      translatedPort: String(rule.port),
      protocol: rule.protocol,
    });
    for (const source of rule.allow) {
      firewall.push({
        name: rule.name,
        sourceIp: source,
        destinationIp: publicIp,
        destinationPort: String(rule.publicPort),
        protocol: rule.protocol,
      });
    }
    const url = urlOf(rule.scheme, publicIp, rule.publicPort);
    access.push({
      name: rule.name,
      vm: rule.vm,
      protocol: rule.protocol,
      publicPort: rule.publicPort,
      port: rule.port,
      ...(url !== undefined ? { url } : {}),
      allow: [...rule.allow],
    });
  }
  for (const rule of policy.snat) {
    const addresses = vms.flatMap((vm) =>
      vm.nics.filter((n) => n.network === rule.network && n.ipAddress).map((n) => n.ipAddress ?? ''),
    );
    for (const address of addresses) {
      nat.push({
        name: rule.name,
        type: 'SNAT',
        originalIp: address,
        translatedIp: publicIp,
        protocol: 'any',
      });
      for (const destination of rule.allow) {
        firewall.push({
          name: rule.name,
          sourceIp: address,
          destinationIp: destination,
          destinationPort: 'Any',
          protocol: 'any',
        });
      }
    }
  }
  return { rules: { nat, firewall }, access };
}

/** No rules: what `setLabEdgeRules` is given to remove a lab's. */
export const NO_EDGE_RULES: LabEdgeRules = { nat: [], firewall: [] };

/** One row of the vmnic MAC table. */
export interface VmnicRow {
  host: string;
  vmnic: string;
  /** The NIC's adapter type as VCD reports it (E1000 for the VM-network NICs), or empty. */
  adapter: string;
  mac: string;
  network: string;
  ip: string;
}

/** The vmnics of the lab's ESXi hosts, in host then index order; empty without networking. */
export function vmnicTable(lab: Pick<Lab, 'vms' | 'network'>): VmnicRow[] {
  const hosts = lab.network?.esxiVms ?? [];
  return hosts.flatMap((host) => {
    const vm = lab.vms.find((v) => v.name === host);
    return [...(vm?.nics ?? [])]
      .sort((a, b) => a.index - b.index)
      .map((nic) => ({
        host,
        vmnic: `vmnic${nic.index}`,
        adapter: nic.adapterType ?? '',
        mac: nic.mac || 'not assigned yet',
        network: nic.network,
        ip: nic.ipAddress ?? '',
      }));
  });
}

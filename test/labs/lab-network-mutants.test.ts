import { LabNetworkError } from '../../src/labs/errors';
import { type NicInfo, type VmInfo } from '../../src/labs/lab';
import {
  buildLabEdgeRules,
  findEsxiVms,
  initialLabNetwork,
  nicMatches,
  vmnicTable,
} from '../../src/labs/lab-network';
import { type TemplateNetworkPolicy } from '../../src/labs/policy';

/**
 * The nested-ESXi network decisions (src/labs/lab-network.ts) at the edges the controller relies on: which VM a rule
 * or host names, whether a NIC already is as wanted, the exact words of a misconfigured template, and the vmnic table
 * rows of NICs that VCD has not finished with.
 */
const policy = (overrides: Partial<TemplateNetworkPolicy> = {}): TemplateNetworkPolicy => ({
  esxiVms: ['esxi-01'],
  managementNetwork: 'Management',
  vmNetwork: 'VM Network',
  vmNics: 1,
  adapterType: 'E1000',
  ipAllocation: 'POOL',
  dnat: [],
  snat: [],
  ...overrides,
});

const nic = (index: number, overrides: Partial<NicInfo> = {}): NicInfo => ({
  index,
  network: index === 0 ? 'Management' : 'VM Network',
  mac: `00:50:56:00:00:0${index}`,
  connected: true,
  ...overrides,
});

const vm = (name: string, nics: NicInfo[]): VmInfo => ({
  name,
  href: `https://vcd/api/vApp/vm-${name}`,
  powerState: 'powered_on',
  cpus: 2,
  memoryMb: 4096,
  nics,
});

describe('labs/lab-network edges', () => {
  describe('initialLabNetwork', () => {
    it('starts with nothing configured, applied, opened or released, and the template’s jump host', () => {
      const esxiVms = ['esxi-01', 'esxi-02'];
      const network = initialLabNetwork(policy({ esxiVms }), 'edge-01');
      expect(network).toEqual({
        edge: 'edge-01',
        esxiVms: ['esxi-01', 'esxi-02'],
        nicsConfigured: false,
        rulesApplied: false,
        access: [],
        released: false,
      });
      // A copy: the lab's record does not share the policy's list.
      expect(network.esxiVms).not.toBe(esxiVms);
      expect(initialLabNetwork(policy({ jumpHost: 'jump' }), 'edge-02')).toEqual({
        edge: 'edge-02',
        esxiVms: ['esxi-01'],
        jumpHost: 'jump',
        nicsConfigured: false,
        rulesApplied: false,
        access: [],
        released: false,
      });
    });
  });

  describe('findEsxiVms', () => {
    it('returns the ESXi VMs in the template’s order, whatever order the vApp lists them in', () => {
      const vms = [vm('vcsa', []), vm('esxi-02', []), vm('esxi-01', [])];
      expect(findEsxiVms(policy({ esxiVms: ['esxi-01', 'esxi-02'] }), vms).map((v) => v.name)).toEqual([
        'esxi-01',
        'esxi-02',
      ]);
    });

    it('names the missing VM and the ones the vApp has', () => {
      const call = () =>
        findEsxiVms(policy({ esxiVms: ['esxi-01', 'esxi-02'] }), [vm('esxi-01', []), vm('vcsa', [])]);
      expect(call).toThrow(LabNetworkError);
      expect(call).toThrow(
        new LabNetworkError('the vApp has no VM named "esxi-02" (network.esxiVm); it has esxi-01, vcsa'),
      );
      expect(() => findEsxiVms(policy(), [])).toThrow(
        new LabNetworkError('the vApp has no VM named "esxi-01" (network.esxiVm); it has no VMs'),
      );
    });
  });

  describe('nicMatches', () => {
    const spec = { index: 1, network: 'VM Network', adapterType: 'E1000', allocationMode: 'POOL' as const };

    it('matches a connected NIC on the spec’s network with its adapter type, in any letter case', () => {
      expect(nicMatches({ network: 'VM Network', adapterType: 'E1000', connected: true }, spec)).toBe(true);
      expect(nicMatches({ network: 'VM Network', adapterType: 'e1000', connected: true }, spec)).toBe(true);
      expect(
        nicMatches(
          { network: 'VM Network', adapterType: 'E1000', connected: true },
          { ...spec, adapterType: 'e1000' },
        ),
      ).toBe(true);
    });

    it('does not match another network, a disconnected NIC, or another or unknown adapter type', () => {
      expect(nicMatches({ network: 'Management', adapterType: 'E1000', connected: true }, spec)).toBe(false);
      expect(nicMatches({ network: 'VM Network', adapterType: 'E1000', connected: false }, spec)).toBe(false);
      expect(nicMatches({ network: 'VM Network', adapterType: 'VMXNET3', connected: true }, spec)).toBe(
        false,
      );
      expect(nicMatches({ network: 'VM Network', connected: true }, spec)).toBe(false);
    });

    it('accepts any adapter type when the spec names none (vmnic0 keeps the template’s), but not a wrong network', () => {
      const management = { index: 0, network: 'Management', allocationMode: 'POOL' as const };
      expect(nicMatches({ network: 'Management', adapterType: 'VMXNET3', connected: true }, management)).toBe(
        true,
      );
      expect(nicMatches({ network: 'Management', connected: true }, management)).toBe(true);
      expect(nicMatches({ network: 'VM Network', adapterType: 'VMXNET3', connected: true }, management)).toBe(
        false,
      );
      expect(nicMatches({ network: 'Management', connected: false }, management)).toBe(false);
    });
  });

  describe('buildLabEdgeRules', () => {
    const ui = {
      name: 'ui',
      vm: 'esxi-02',
      protocol: 'tcp' as const,
      publicPort: 8443,
      port: 443,
      allow: ['Any'],
    };
    const vms = [
      vm('esxi-01', [nic(0, { ipAddress: '10.10.0.1' })]),
      vm('esxi-02', [nic(0, { ipAddress: '10.10.0.2' })]),
    ];

    it('translates to the address of the VM the rule names, not the first VM', () => {
      const { rules } = buildLabEdgeRules(policy({ dnat: [ui] }), '203.0.113.10', vms);
      expect(rules.nat.map((r) => r.translatedIp)).toEqual(['10.10.0.2']);
    });

    it('shows the URL of a rule with a scheme on any port', () => {
      const { access } = buildLabEdgeRules(
        policy({ dnat: [ui, { ...ui, name: 'web', publicPort: 8080, port: 80, scheme: 'http' }] }),
        '203.0.113.10',
        vms,
      );
      expect(access).toEqual([
        { name: 'ui', vm: 'esxi-02', protocol: 'tcp', publicPort: 8443, port: 443, allow: ['Any'] },
        {
          name: 'web',
          vm: 'esxi-02',
          protocol: 'tcp',
          publicPort: 8080,
          port: 80,
          url: 'http://203.0.113.10:8080',
          allow: ['Any'],
        },
      ]);
    });

    it('names the rule and the VM the vApp lacks', () => {
      expect(() => buildLabEdgeRules(policy({ dnat: [{ ...ui, vm: 'vcsa' }] }), '203.0.113.10', vms)).toThrow(
        new LabNetworkError('access rule "ui" names VM "vcsa", which the vApp does not have'),
      );
    });
  });

  describe('vmnicTable', () => {
    it('shows a NIC VCD has not finished with: no adapter type, MAC not assigned yet, no address', () => {
      const lab = {
        vms: [
          vm('esxi-01', [nic(1, { mac: '' }), nic(0, { adapterType: 'VMXNET3', ipAddress: '10.10.0.1' })]),
        ],
        network: initialLabNetwork(policy(), 'edge-01'),
      };
      expect(vmnicTable(lab)).toEqual([
        {
          host: 'esxi-01',
          vmnic: 'vmnic0',
          adapter: 'VMXNET3',
          mac: '00:50:56:00:00:00',
          network: 'Management',
          ip: '10.10.0.1',
        },
        {
          host: 'esxi-01',
          vmnic: 'vmnic1',
          adapter: '',
          mac: 'not assigned yet',
          network: 'VM Network',
          ip: '',
        },
      ]);
    });

    it('has no rows for an ESXi host the vApp does not list (yet)', () => {
      const lab = {
        vms: [vm('esxi-01', [nic(0)])],
        network: initialLabNetwork(policy({ esxiVms: ['esxi-09', 'esxi-01'] }), 'edge-01'),
      };
      expect(vmnicTable(lab).map((r) => `${r.host} ${r.vmnic}`)).toEqual(['esxi-01 vmnic0']);
    });
  });
});

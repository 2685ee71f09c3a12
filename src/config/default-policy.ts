import { type LabPolicy, type TemplateNetworkPolicy } from '../labs/policy';

/**
 * The built-in networking matches the simulator, where nothing is reachable: its access rules allow `Any`. A real
 * labbot.yml lists the sources that may connect (an office range, a VPN) instead.
 */
function esxiNetwork(
  esxiVms: string[],
  extra: Pick<TemplateNetworkPolicy, 'dnat'> & Partial<TemplateNetworkPolicy>,
): TemplateNetworkPolicy {
  return {
    esxiVms,
    managementNetwork: 'Management',
    vmNetwork: 'VM Network',
    vmNics: 2,
    adapterType: 'E1000',
    ipAllocation: 'POOL',
    snat: [{ name: 'vm-out', network: 'VM Network', allow: ['Any'] }],
    ...extra,
  };
}

const ESXI_UI = { vm: 'esxi-01', protocol: 'tcp', port: 443, allow: ['Any'] } as const;

/**
 * The built-in labbot.yml: it matches the embedded simulator's catalog (src/vcdsim), so `npm start` works with
 * no configuration at all. A real deployment writes its own labbot.yml (see README).
 */
export const DEFAULT_POLICY: LabPolicy = {
  templates: [
    {
      key: 'esxi8',
      catalogItem: 'esxi8-single',
      description: 'One nested ESXi 8.0 host',
      vcpus: 4,
      memoryGb: 16,
      storageGb: 100,
      idleCpuPercent: 5,
      idleNetworkKbps: 20,
      network: esxiNetwork(['esxi-01'], {
        dnat: [{ ...ESXI_UI, name: 'esxi-ui', publicPort: 443, allow: [...ESXI_UI.allow] }],
      }),
    },
    {
      key: 'esxi7',
      catalogItem: 'esxi7-single',
      description: 'One nested ESXi 7.0 host',
      vcpus: 4,
      memoryGb: 12,
      storageGb: 80,
      idleCpuPercent: 5,
      idleNetworkKbps: 20,
      // The simulator's esxi7-single has only the management NIC: labbot adds the two E1000 NICs.
      network: esxiNetwork(['esxi-01'], {
        dnat: [{ ...ESXI_UI, name: 'esxi-ui', publicPort: 443, allow: [...ESXI_UI.allow] }],
      }),
    },
    {
      key: 'vsphere8',
      catalogItem: 'vsphere8-lab',
      description: 'vSphere 8 lab: two nested ESXi hosts, a vCenter and a jump host',
      vcpus: 12,
      memoryGb: 50,
      storageGb: 440,
      // A vCenter appliance keeps a few vCPUs busy on its own, so the lab's busiest VM idles higher.
      idleCpuPercent: 12,
      idleNetworkKbps: 50,
      network: esxiNetwork(['esxi-01', 'esxi-02'], {
        jumpHost: 'jump',
        dnat: [
          { name: 'vcenter', vm: 'vcsa', protocol: 'tcp', publicPort: 443, port: 443, allow: ['Any'] },
          { name: 'jump-ssh', vm: 'jump', protocol: 'tcp', publicPort: 22, port: 22, allow: ['Any'] },
          { ...ESXI_UI, name: 'esxi-01-ui', publicPort: 9443, allow: [...ESXI_UI.allow], scheme: 'https' },
          {
            ...ESXI_UI,
            name: 'esxi-02-ui',
            vm: 'esxi-02',
            publicPort: 9444,
            allow: [...ESXI_UI.allow],
            scheme: 'https',
          },
        ],
      }),
    },
  ],
  kinds: [
    {
      name: 'demo',
      defaultTemplate: 'vsphere8',
      defaultLifetimeHours: 4,
      maxLifetimeHours: 12,
      maxExtensions: 3,
      extendHours: 2,
      templates: [],
      idleAction: 'delete',
    },
    {
      name: 'repro',
      defaultTemplate: 'esxi8',
      defaultLifetimeHours: 72,
      maxLifetimeHours: 336,
      maxExtensions: 5,
      extendHours: 24,
      templates: [],
      idleAction: 'suspend',
    },
    {
      name: 'class',
      defaultTemplate: 'esxi8',
      defaultLifetimeHours: 8,
      maxLifetimeHours: 24,
      maxExtensions: 2,
      extendHours: 4,
      templates: [],
      idleAction: 'delete',
    },
    {
      name: 'dev',
      defaultTemplate: 'esxi8',
      defaultLifetimeHours: 24,
      maxLifetimeHours: 168,
      maxExtensions: 3,
      extendHours: 24,
      templates: [],
      idleAction: 'suspend',
    },
  ],
  limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 5 },
  access: { deployChannels: [], deployUserGroups: [] },
  reaper: {
    cron: '*/5 * * * *',
    mode: 'plan',
    idleMinutes: 60,
    graceMinutes: 30,
    expiryWarningMinutes: 30,
    maxActionsPerCycle: 10,
    digestCron: '0 9 * * *',
    restoreWindowHours: 72,
  },
  rates: { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 },
  admins: [],
  ticketPattern: '^[A-Za-z][A-Za-z0-9]{0,15}-[0-9]{1,9}$',
  networks: ['Management', 'VM Network'],
  // The simulator's edge and its sub-allocated public IPs (src/vcdsim/catalog-seed.ts).
  edge: { gateway: 'edge-01', publicIps: { start: '203.0.113.10', end: '203.0.113.60' } },
};

import { type LabPolicy } from '../labs/policy';

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
    },
    {
      key: 'esxi7',
      catalogItem: 'esxi7-single',
      description: 'One nested ESXi 7.0 host',
      vcpus: 4,
      memoryGb: 12,
      storageGb: 80,
    },
    {
      key: 'vsphere8',
      catalogItem: 'vsphere8-lab',
      description: 'vSphere 8 lab: two nested ESXi hosts, a vCenter and a jump host',
      vcpus: 12,
      memoryGb: 50,
      storageGb: 440,
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
    },
    {
      name: 'repro',
      defaultTemplate: 'esxi8',
      defaultLifetimeHours: 72,
      maxLifetimeHours: 336,
      maxExtensions: 5,
      extendHours: 24,
      templates: [],
    },
    {
      name: 'class',
      defaultTemplate: 'esxi8',
      defaultLifetimeHours: 8,
      maxLifetimeHours: 24,
      maxExtensions: 2,
      extendHours: 4,
      templates: [],
    },
    {
      name: 'dev',
      defaultTemplate: 'esxi8',
      defaultLifetimeHours: 24,
      maxLifetimeHours: 168,
      maxExtensions: 3,
      extendHours: 24,
      templates: [],
    },
  ],
  limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 5 },
  access: { deployChannels: [], deployUserGroups: [] },
  rates: { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 },
  admins: [],
  ticketPattern: '^[A-Za-z][A-Za-z0-9]{0,15}-[0-9]{1,9}$',
  networks: ['Management', 'VM Network'],
};

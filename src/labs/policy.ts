/**
 * The parts of configuration the domain reasons about: templates, lab kinds, rates and admins. Loaded from
 * `labbot.yml` (or the built-in default) by config/, passed in as plain data.
 */

/** A deployable lab template, as the bot knows it. */
export interface TemplatePolicy {
  /** Key users type: `/lab demo esxi8`. */
  key: string;
  /** Catalog item name in VCD. */
  catalogItem: string;
  description: string;
  vcpus: number;
  memoryGb: number;
  storageGb: number;
  /** Below this CPU % (busiest VM) the lab counts as idle; a nested ESXi host never idles at 0%. */
  idleCpuPercent: number;
  /** Below this network KB/s (all VMs) the lab counts as idle. */
  idleNetworkKbps: number;
  /**
   * Captured templates only (`/lab capture`): the configured template whose settings (size, idle thresholds, kind
   * allow lists) this one inherits. Absent for configured templates.
   */
  base?: string;
  /** Captured templates only: the VCD catalog holding the item, when it is not the one labs deploy from. */
  catalog?: string;
  /** Nested-ESXi networking (issue 8); absent: the lab's NICs and the edge are left as the template has them. */
  network?: TemplateNetworkPolicy;
}

/** IP allocation of a NIC, as VCD names it. */
export type IpAllocationMode = 'POOL' | 'DHCP' | 'MANUAL' | 'NONE';

/**
 * How a template's nested ESXi host(s) are wired (DESIGN.md section 1): a management NIC on one network and `vmNics`
 * extra NICs on the VM network, whose MACs the nested VMs take over one to one (the cloud gives no promiscuous mode).
 */
export interface TemplateNetworkPolicy {
  /** Names of the ESXi VMs in the template (usually one). */
  esxiVms: string[];
  /** Network of vmnic0, the management NIC. */
  managementNetwork: string;
  /** Network of vmnic1…vmnicN. */
  vmNetwork: string;
  /** How many NICs on the VM network each ESXi VM needs. */
  vmNics: number;
  /** Adapter type of the VM-network NICs (E1000 for nested ESXi); vmnic0 keeps the template's. */
  adapterType: string;
  /** IP allocation of the NICs labbot sets up. MANUAL keeps the template's addresses (added NICs get none). */
  ipAllocation: IpAllocationMode;
  /** A VM the owner enters the lab through (shown in the access info), if the template has one. */
  jumpHost?: string;
  /** Ways in from outside: a port of the lab's public IP to a port of a VM. */
  dnat: DnatPolicy[];
  /** Ways out: the lab's addresses on a network leave through the lab's public IP. */
  snat: SnatPolicy[];
}

/** One way in: public-ip:publicPort → vm:port, allowed only from the sources listed. */
export interface DnatPolicy {
  /** Short name, part of the rule's tag (`labbot:<labId>:<name>`). */
  name: string;
  /** VM name in the template. */
  vm: string;
  /** Network of the VM's NIC that receives the traffic; default: the management network. */
  network?: string;
  protocol: 'tcp' | 'udp';
  publicPort: number;
  port: number;
  /** Source addresses (IPs, CIDRs, ranges) allowed in; `Any` only when written. Never empty. */
  allow: string[];
  /** Shown as `https://<public-ip>:<publicPort>`; default: https for 443, else none. */
  scheme?: 'https' | 'http';
}

/** One way out: the lab's addresses on `network` are translated to its public IP, towards `allow` only. */
export interface SnatPolicy {
  name: string;
  network: string;
  /** Destinations (IPs, CIDRs, ranges) the lab may reach; `Any` only when written. Never empty. */
  allow: string[];
}

/** The edge gateway labs are reached through, and the public addresses it hands out (one per lab). */
export interface EdgePolicy {
  /** Edge gateway name in the VDC. */
  gateway: string;
  /** Inclusive range of public IPs sub-allocated to the edge that labbot may give to labs. */
  publicIps: { start: string; end: string };
}

/** Per-kind rules. */
export interface KindPolicy {
  name: string;
  defaultTemplate: string;
  defaultLifetimeHours: number;
  /** Counted from creation: extensions never take a lab past it. Also the runtime lease set in VCD. */
  maxLifetimeHours: number;
  /** How many times a lab of this kind may be extended (or a reaper warning snoozed). */
  maxExtensions: number;
  /** Default length of one `/lab extend`. */
  extendHours: number;
  /** Templates this kind may use; empty: all. */
  templates: string[];
  /** What the reaper does to an idle lab of this kind after warning: suspend (cheap, resumable) or delete. */
  idleAction: 'suspend' | 'delete';
}

/** Per-user limits, so one person cannot run the bill up by accident. */
export interface UserLimits {
  /** Live labs (not deleted or failed) one user may own at once. */
  maxLabsPerUser: number;
  /** Sum of the hourly rates of one user's live labs, in US dollars. */
  maxHourlySpendPerUser: number;
  /** Students one class may have (`/lab class`); absent: DEFAULT_MAX_STUDENTS_PER_CLASS (labs/class.ts). */
  maxStudentsPerClass?: number;
}

/** Prices, in US dollars. CPU and RAM bill per minute while powered on; storage while the vApp exists. */
export interface Rates {
  vcpuHour: number;
  memoryGbHour: number;
  storageGbMonth: number;
}

/** Who may deploy, where. Empty lists mean everyone, everywhere; admins may always deploy. */
export interface AccessPolicy {
  /** Slack channel ids where `/lab demo|repro` may be used. */
  deployChannels: string[];
  /** Slack user group ids whose members may deploy (anywhere deploying is allowed). */
  deployUserGroups: string[];
}

/** The idle reaper's rules (issue 7). */
export interface ReaperPolicy {
  /** node-cron expression of the reaper's cycle. */
  cron: string;
  /** `plan` describes what it would do and changes nothing; `enforce` acts. Plan unless told otherwise. */
  mode: 'plan' | 'enforce';
  /** A lab unused this long is warned. */
  idleMinutes: number;
  /** After a warning, wait this long, look again, then act. */
  graceMinutes: number;
  /** Warn this long before a lab's hard expiry. */
  expiryWarningMinutes: number;
  /** Blast radius: at most this many suspends/deletes per cycle. */
  maxActionsPerCycle: number;
  /** When set, the reaper acts only between these hours (warnings go out any time). */
  allowedHours?: { from: number; to: number; timeZone: string };
  /** Slack channel id for the plan and the daily digest; none: no digest. */
  digestChannel?: string;
  /** node-cron expression of the daily digest (with a digest channel). */
  digestCron: string;
  /**
   * Restore window (issue 19): a lab the reaper would delete is suspended for this many hours first (never past its
   * kind's maximum lifetime) and deleted only if still unclaimed; its owner's `/lab resume` brings it back in
   * minutes. Storage bills meanwhile. 0 or absent: delete at once, as before.
   */
  restoreWindowHours?: number;
}

export interface LabPolicy {
  templates: TemplatePolicy[];
  kinds: KindPolicy[];
  rates: Rates;
  limits: UserLimits;
  access: AccessPolicy;
  reaper: ReaperPolicy;
  /** Slack user ids allowed to act on any lab. */
  admins: string[];
  /** Anchored regular expression source a ticket id must match. */
  ticketPattern: string;
  /** Org VDC networks a lab's vApp networks are bridged to (management first). */
  networks: string[];
  /** Where labs with a template `network` block get their public IP and edge rules. */
  edge?: EdgePolicy;
  /** Scheduled labs (`… at TIME` / `… ready by TIME`); absent: DEFAULT_SCHEDULE_POLICY. */
  schedule?: SchedulePolicy;
}

/** Scheduled labs (issue 18): how early deploys start and when owners hear a lab will be late. */
export interface SchedulePolicy {
  /** Deploy time assumed for a template with too few recent deploys to learn from (minutes). */
  expectedDeployMinutes: number;
  /** How far ahead a lab may be scheduled (days). */
  maxDaysAhead: number;
  /** A scheduled lab not ready this long before its ready-by time: its owner is told (minutes). */
  lateWarningMinutes: number;
  /** Time zone of users whose own zone labbot cannot learn (the local shell, a failed Slack lookup). */
  defaultTimeZone: string;
}

export const DEFAULT_SCHEDULE_POLICY: SchedulePolicy = {
  expectedDeployMinutes: 20,
  maxDaysAhead: 14,
  lateWarningMinutes: 10,
  defaultTimeZone: 'UTC',
};

/** The policy's schedule rules, with the defaults for whatever it does not set. */
export function schedulePolicy(policy: Pick<LabPolicy, 'schedule'>): SchedulePolicy {
  return { ...DEFAULT_SCHEDULE_POLICY, ...policy.schedule };
}

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
}

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

export interface LabPolicy {
  templates: TemplatePolicy[];
  kinds: KindPolicy[];
  rates: Rates;
  limits: UserLimits;
  access: AccessPolicy;
  /** Slack user ids allowed to act on any lab. */
  admins: string[];
  /** Anchored regular expression source a ticket id must match. */
  ticketPattern: string;
  /** Org VDC networks a lab's vApp networks are bridged to (management first). */
  networks: string[];
}

/**
 * The lab: what a user asked for (desired) and what we last saw in the cloud (phase), plus what we need to
 * show and bill it. Pure data; no behaviour lives here.
 */

/** What the user wants the lab to be. Use cases change only this; the controller does the rest. */
export type DesiredState = 'running' | 'suspended' | 'deleted';

/**
 * Where the controller has got to. `failed` is terminal and means cleanup was attempted; `deleted` is terminal
 * and means the vApp is gone.
 */
export const LAB_PHASES = [
  'requested',
  'deploying',
  'configuring',
  /** NICs, public IP and edge rules (templates with a `network` block), before power-on. */
  'networking',
  'starting',
  'ready',
  'suspending',
  'suspended',
  'resuming',
  'deleting',
  'deleted',
  'failed',
  /** Powered off and being captured into the catalog as a template (`/lab capture`); back to ready or suspended after. */
  'capturing',
  /**
   * Scheduled (`/lab demo … ready by 14:00`): recorded and counted against limits, nothing in the cloud yet; the
   * controller starts the deploy at `deployAt`.
   */
  'scheduled',
] as const;

/** One of {@link LAB_PHASES}; the list exists at run time so that tests can cover every phase without naming them. */
export type LabPhase = (typeof LAB_PHASES)[number];

/** Phases after which nothing more happens to a lab. */
export const TERMINAL_PHASES: readonly LabPhase[] = ['deleted', 'failed'];

/** One NIC of a VM as VCD reports it; the MACs are what the nested-ESXi 1:1 mapping needs. */
export interface NicInfo {
  index: number;
  network: string;
  mac: string;
  ipAddress?: string;
  adapterType?: string;
  connected: boolean;
}

/** One VM of a lab's vApp. */
export interface VmInfo {
  name: string;
  href: string;
  powerState: PowerState;
  cpus: number;
  memoryMb: number;
  nics: NicInfo[];
}

/** Power state reduced to what the bot reasons about; VCD's numeric statuses map onto it in the vcd adapter. */
export type PowerState = 'powered_on' | 'powered_off' | 'suspended' | 'creating' | 'failed' | 'unknown';

export interface Lab {
  /** Short readable id, e.g. `demo-4kq` or `repro-ticket-123`. */
  id: string;
  /** Lab kind from config: demo, repro, class, dev, … */
  kind: string;
  /** Slack user id of the owner. */
  owner: string;
  /** Support ticket a repro lab belongs to (as typed, validated by the ticket pattern). */
  ticket?: string;
  /** Template key from config (not the VCD catalog item name). */
  template: string;
  /** `lab-<id>`; the vApp name carries the lab id so a lab can be found even if the store is lost. */
  vappName: string;
  vappHref?: string;
  desired: DesiredState;
  phase: LabPhase;
  /** The VCD task the controller is waiting on; kept so a restart resumes it instead of repeating the step. */
  taskHref?: string;
  /** Where the lab's message lives, to update it as the lab moves. */
  channel?: string;
  messageTs?: string;
  createdAt: Date;
  readyAt?: Date;
  expiresAt: Date;
  endedAt?: Date;
  vms: VmInfo[];
  /** Why the lab failed, in words for the user, including what was cleaned up. */
  failureReason?: string;
  /** Resources the lab bills for; fixed at request time from the template. */
  spec: LabSpec;
  /** How many times the lifetime was extended (or a reaper warning snoozed); capped per kind. */
  extensions: number;
  /** Milliseconds the lab was powered on before `poweredOnSince` (CPU and RAM bill only while powered on). */
  poweredOnMs: number;
  /** When the lab last became powered on; absent while it is off, suspended or gone. */
  poweredOnSince?: Date;
  /** Last time a person did something with the lab in Slack (command, button, thread reply). */
  lastActivityAt?: Date;
  /** When the reaper warned the owner that the lab looks idle or is about to expire; cleared when it is used. */
  reapWarnedAt?: Date;
  /** Keep (snooze) from a reaper warning: the reaper leaves the lab alone until then. */
  snoozedUntil?: Date;
  /**
   * Restore window (issue 19): the reaper suspended this lab instead of deleting it, and deletes it at this time if
   * it is still suspended then. `/lab resume` (or "Bring it back") clears it.
   */
  restoreUntil?: Date;
  /** Secret for the in-lab keep-alive URL (`/labs/{id}/keepalive?token=…`); shown only to the owner. */
  keepaliveToken?: string;
  /**
   * Request (`/lab capture LAB NAME`): the template key to capture the lab into. Set by the use case, cleared by the
   * controller once the capture succeeded or failed and the owner was told.
   */
  captureAs?: string;
  /**
   * Controller: the VCD catalog item name of the capture under way. Recorded before the capture is sent, so that
   * a restart can tell "maybe sent" from "not yet"; while the phase is ready or suspended again it means the
   * template is registered and the owner is still to be told.
   */
  captureName?: string;
  /** Nested-ESXi networking (issue 8), for templates with a `network` block; set when the controller starts it. */
  network?: LabNetwork;
  /** When the lab's ticket was resolved or closed (a Jira or Zendesk webhook): the reaper then reaps it unless kept. */
  ticketClosedAt?: Date;
  /** Scheduled labs: when the owner wants the lab ready; its lifetime and billing count from then. */
  readyBy?: Date;
  /** Scheduled labs: when the controller starts the deploy (readyBy minus the template's expected deploy time). */
  deployAt?: Date;
  /** Controller: when the owner of a scheduled lab was told it will not be ready on time (once per lab). */
  lateWarnedAt?: Date;
}

/**
 * When the lab's lifetime starts: its ready-by time when it was scheduled, else its creation. Maximum lifetimes and
 * extensions count from here, so a lab scheduled a week ahead still gets its whole lifetime.
 */
export function lifetimeStart(lab: Pick<Lab, 'createdAt' | 'readyBy'>): Date {
  return lab.readyBy ?? lab.createdAt;
}

/**
 * The instant past which no extension, Keep or bringing back may push a lab's expiry: its kind's maximum lifetime
 * after {@link lifetimeStart}. One place, so the three cannot count from different starts again.
 */
export function lifetimeLimit(lab: Pick<Lab, 'createdAt' | 'readyBy'>, maxLifetimeHours: number): Date {
  return new Date(lifetimeStart(lab).getTime() + maxLifetimeHours * 3_600_000);
}

/**
 * A lab's networking, step by step, so that a restart resumes where it stopped: NICs, then a public IP, then the edge
 * rules; at teardown (or a failed deploy) the rules are removed and the IP returned before the vApp goes.
 */
export interface LabNetwork {
  /** The edge gateway the lab's rules are on (kept, so teardown cleans the right edge if the config changes). */
  edge: string;
  /** The ESXi VMs whose vmnic MACs the lab's message lists. */
  esxiVms: string[];
  jumpHost?: string;
  /** Every ESXi VM has the NICs the template's network block asks for. */
  nicsConfigured: boolean;
  /** The lab's address on the edge, from the configured pool. */
  publicIp?: string;
  /** The lab's DNAT, SNAT and firewall rules are on the edge. */
  rulesApplied: boolean;
  /** How the owner reaches the lab, as the rules were built. */
  access: AccessPoint[];
  /** The rules were removed and the public IP returned: nothing of the lab is left on the edge. */
  released: boolean;
}

/** One way into a lab: `<public IP>:<publicPort>` reaches `<vm>:<port>` from the allowed sources. */
export interface AccessPoint {
  name: string;
  vm: string;
  protocol: 'tcp' | 'udp';
  publicPort: number;
  port: number;
  /** e.g. `https://203.0.113.10:443`, when the service speaks a URL scheme. */
  url?: string;
  allow: string[];
}

/** Billable size of a lab. */
export interface LabSpec {
  vcpus: number;
  memoryGb: number;
  storageGb: number;
}

/** True once nothing more will happen to the lab. */
export function isTerminal(lab: Pick<Lab, 'phase'>): boolean {
  return TERMINAL_PHASES.includes(lab.phase);
}

/**
 * Fields a person's request changes (use cases and the reaper write them with LabStore.applyRequest).
 * Everything else but `channel`/`messageTs` (the notifier's) belongs to the controller. Separate writers never
 * undo each other.
 */
export type LabRequestChanges = Partial<
  Pick<
    Lab,
    | 'desired'
    | 'owner'
    | 'expiresAt'
    | 'extensions'
    | 'lastActivityAt'
    | 'reapWarnedAt'
    | 'snoozedUntil'
    | 'captureAs'
    | 'keepaliveToken'
    | 'restoreUntil'
    | 'ticketClosedAt'
    | 'lateWarnedAt'
  >
>;

/**
 * The request fields. In `applyRequest`, a key present with the value `undefined` clears an optional field
 * (`reapWarnedAt`, `snoozedUntil`, `lastActivityAt`, `captureAs`, `keepaliveToken`); an absent key leaves it alone.
 */
export const REQUEST_FIELDS = [
  'desired',
  'owner',
  'expiresAt',
  'extensions',
  'lastActivityAt',
  'reapWarnedAt',
  'snoozedUntil',
  'captureAs',
  // A hand-off rotates it; as a request field, a controller holding a stale copy cannot bring the old one back.
  'keepaliveToken',
  // The reaper sets it when it suspends in place of a delete; the owner's resume clears it.
  'restoreUntil',
  // Written by the ticket webhook, which a controller's stale copy must not undo.
  'ticketClosedAt',
  // Written by the late-warning check while the controller may be deploying the lab: like reapWarnedAt, one column.
  'lateWarnedAt',
] as const;

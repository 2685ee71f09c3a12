import { type LabPolicy } from '../labs/policy';
import {
  type AuditLog,
  type CapturedTemplateStore,
  type Clock,
  type Cloud,
  type LabNotifier,
  type LabStore,
  type Logger,
  type PublicIpPool,
  type ReconcileSightings,
  type Sleep,
  type WorkClaims,
} from '../labs/ports';

/** What the controller works with: the ports it drives labs through, and its limits. */
export interface LabControllerDeps {
  store: LabStore;
  cloud: Cloud;
  notifier: LabNotifier;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  policy: LabPolicy;
  audit?: AuditLog;
  /** With several replicas on one database: claims keep two replicas from driving one lab. */
  claims?: { store: WorkClaims; holder: string; ttlMs?: number };
  /**
   * Labs issuing VCD calls at once (default 8); labs waiting for a task do not count. VCD may limit simultaneous
   * operations per org (OPERATION_LIMITS_EXCEEDED, retried with backoff), so keep this modest.
   */
  maxConcurrentLabs?: number;
  /** Attempts for a step that failed because VCD was unreachable, before the lab is failed. */
  transientAttempts?: number;
  transientBackoffMs?: number;
  /** Where `/lab capture` registers templates; without it captures fail with a clear reason. */
  captured?: CapturedTemplateStore;
  /** Catalog captured templates go to; absent: the one labs deploy from. */
  captureCatalog?: string;
  /** Public IPs for labs with networking; shared by replicas through the store. Default: this process only. */
  publicIps?: PublicIpPool;
  /**
   * This installation's id (the store's): written into every vApp's `labbot.installation`; reconciliation never acts
   * on a vApp carrying another.
   */
  installationId: string;
  /** Reconciliation's first sightings, shared by replicas through the store. Default: this process only. */
  sightings?: ReconcileSightings;
  /** Reconciliation's guards; defaults in DEFAULT_RECONCILE_GUARDS. */
  guards?: Partial<ReconcileGuards>;
}

/** What keeps reconciliation from destroying labs on one bad observation (issue 14). */
export interface ReconcileGuards {
  /** A lab is closed as vanished only when its vApp was confirmed gone on two passes at least this far apart. */
  confirmAfterMs: number;
  /** An ended lab whose vApp still exists: admins are warned, and the vApp deleted only after this grace. */
  endedGraceMs: number;
  /**
   * At most this many destructive acts (closing vanished labs, deleting ended labs' vApps) per pass. Above it nothing
   * of the kind is done that pass and admins are told: many at once means a wrong VCD, org or role, not many deletions.
   */
  maxActsPerPass: number;
}

export const DEFAULT_RECONCILE_GUARDS: ReconcileGuards = {
  confirmAfterMs: 5 * 60_000,
  endedGraceMs: 60 * 60_000,
  maxActsPerPass: 5,
};

/** How long a claim on a lab lasts unless renewed (each step and long task waits renew it). */
export const DEFAULT_CLAIM_TTL_MS = 10 * 60_000;

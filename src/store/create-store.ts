import {
  type AuditLog,
  type BillingLedger,
  type CapturedTemplateStore,
  type InstallationStore,
  type DeployHistory,
  type LabStore,
  type PublicIpPool,
  type ReconcileSightings,
  type RunCoordinator,
  type SignalStore,
  type WorkClaims,
} from '../labs/ports';
import { KyselyAuditLog } from './kysely-audit-log';
import { KyselyBillingLedger } from './kysely-billing-ledger';
import { KyselyCapturedTemplates } from './kysely-captured-templates';
import { KyselyClassStore } from './kysely-class-store';
import { KyselyInstallation, KyselyReconcileSightings } from './kysely-installation';
import { KyselyLabStore } from './kysely-lab-store';
import { KyselyPublicIps } from './kysely-public-ips';
import { KyselyRunCoordinator, type RunCoordinatorOptions } from './kysely-run-coordinator';
import { KyselySeenRequests } from './kysely-seen-requests';
import { KyselySignalStore } from './kysely-signal-store';
import { KyselyWorkClaims } from './kysely-work-claims';
import { KyselyWorkRhythms } from './kysely-work-rhythms';
import { type WorkRhythmStore } from '../reaper/reaper-ports';
import { type LabbotDatabase } from './labbot-database';

/** Everything the store offers the rest of labbot, over one database. `labs.close()` closes that database. */
export interface Store {
  labs: LabStore & DeployHistory;
  audit: AuditLog;
  claims: WorkClaims;
  runs: RunCoordinator;
  /** The reaper's short history of usage signals per lab. */
  signals: SignalStore;
  /** Templates made with `/lab capture`. */
  captured: CapturedTemplateStore;
  /** Public IPs handed to labs, unique across replicas. */
  publicIps: PublicIpPool;
  /** This installation's id and the VCD it manages. */
  installation: InstallationStore;
  /** Reconciliation's first sightings, shared by replicas. */
  sightings: ReconcileSightings;
  /** Signed Slack requests already served (replay protection shared by replicas). */
  slackRequests: KyselySeenRequests;
  /** Classes and their seats (`/lab class`). */
  classes: KyselyClassStore;
  /** Every power-state interval of every lab (written by `labs`, read for cost reports). */
  ledger: BillingLedger;
  /** The reaper's working-day profile of each owner and lab (issue 19). */
  rhythms: WorkRhythmStore;
}

/**
 * The store's ports over an open, migrated database (openDatabase, then migrateToLatest). `holder` identifies this
 * replica in claims and job runs; `now` is the clock the run coordinator reads (claims take `now` per call).
 */
export function createStore(database: LabbotDatabase, options: RunCoordinatorOptions): Store {
  return {
    labs: new KyselyLabStore(database),
    audit: new KyselyAuditLog(database),
    claims: new KyselyWorkClaims(database),
    runs: new KyselyRunCoordinator(database, options),
    signals: new KyselySignalStore(database),
    captured: new KyselyCapturedTemplates(database),
    publicIps: new KyselyPublicIps(database, options.now),
    installation: new KyselyInstallation(database),
    sightings: new KyselyReconcileSightings(database),
    slackRequests: new KyselySeenRequests(database, options.now),
    classes: new KyselyClassStore(database),
    ledger: new KyselyBillingLedger(database),
    rhythms: new KyselyWorkRhythms(database),
  };
}

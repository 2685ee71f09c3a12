/**
 * The tables as Kysely sees them. Column names are snake_case SQL; lab-row.ts maps them to the domain's Lab.
 * Values are typed as what the drivers return (strings for enums and timestamps): the database can hold rows
 * written by another version of labbot, so nothing here is trusted until lab-row.ts has checked it.
 */
import { type Generated, type Selectable } from 'kysely';

/**
 * One lab. Timestamps are ISO 8601 UTC text with milliseconds (`Date#toISOString`), in both dialects:
 * - they round-trip a JS Date exactly in both (PostgreSQL's timestamptz has microseconds and SQLite has no time type,
 *   so a native type would need a second code path and could drift);
 * - the fixed width makes text order equal time order, so ORDER BY and range comparisons work on the text;
 * - they read well in `psql` and `sqlite3` when someone debugs at 3 a.m.
 */
export interface LabColumns {
  id: string;
  kind: string;
  owner: string;
  ticket: string | null;
  template: string;
  vapp_name: string;
  vapp_href: string | null;
  desired: string;
  phase: string;
  task_href: string | null;
  channel: string | null;
  message_ts: string | null;
  created_at: string;
  ready_at: string | null;
  expires_at: string;
  ended_at: string | null;
  /** JSON text of VmInfo[]; text rather than jsonb so that both dialects hand back the same string. */
  vms: string;
  failure_reason: string | null;
  spec_vcpus: number;
  spec_memory_gb: number;
  spec_storage_gb: number;
  /** Defaults to 0 (migration 002), so rows written before it read as never extended. */
  extensions: Generated<number>;
  /**
   * bigint: a lab powered on for more than 24.8 days passes 2^31 ms. PostgreSQL returns int8 as a string (pg does
   * not narrow it), SQLite as a number; lab-row.ts accepts both and checks the value is a safe integer.
   */
  powered_on_ms: Generated<number | string>;
  powered_on_since: string | null;
  last_activity_at: string | null;
  /** Reaper state (migration 003): when the owner was warned, and until when they snoozed the lab; ISO text. */
  reap_warned_at: string | null;
  snoozed_until: string | null;
  /** Secret of the lab's keep-alive URL. */
  keepalive_token: string | null;
  /** `/lab capture` (migration 005): the template key asked for (a request column) and the VCD item name under way. */
  capture_as: string | null;
  capture_name: string | null;
  /** JSON text of the lab's LabNetwork (migration 004); null for labs without networking. */
  network: string | null;
  /** Restore window (migration 014): when the reaper deletes the lab it suspended in place of a delete; ISO text. */
  restore_until: string | null;
  /**
   * When the lab's ticket was resolved or closed (ticket webhook, migration 013); ISO text, null while open. Optional:
   * labToRow leaves it out for a lab whose ticket is open, so rows still insert into schemas older than 013 (tests).
   */
  ticket_closed_at: string | null;
  /** Scheduled labs (migration 011): when the owner wants the lab ready, and when its deploy starts; ISO text. */
  ready_by: string | null;
  deploy_at: string | null;
  /** When the owner of a scheduled lab was told it would be late (migration 011). */
  late_warned_at: string | null;
}

/**
 * The labs table: the lab's own columns plus the replica claim (migration 002), which is not part of the domain's
 * Lab and is written only by KyselyWorkClaims. LabStore never reads or writes the claim, so updating a lab cannot
 * drop another replica's claim on it.
 */
export interface LabsTable extends LabColumns {
  /** The replica driving the lab, or null when nobody is. */
  claimed_by: string | null;
  /** When the claim lapses unless renewed (ISO text); null with claimed_by. */
  claim_expires_at: string | null;
}

/** Who did what to which lab, and how it went (KyselyAuditLog). Rows are only ever inserted. */
export interface AuditLogTable {
  /**
   * Ascending id, never reused. PostgreSQL returns its bigint as a string (pg does not narrow int8 to number),
   * SQLite as a number; readers convert with Number(), safe far beyond any audit log's length.
   */
  id: Generated<number | string>;
  /** ISO 8601 UTC text, as in LabsTable. */
  at: string;
  actor: string;
  lab_id: string | null;
  action: string;
  /** What the action was about, in words (AuditEntry.detail), if anything. */
  detail: string | null;
  /** ok, denied or failed (AuditEntry.result). */
  result: string;
}

/**
 * One scheduled job's tick, claimed by the replica that runs it (KyselyRunCoordinator). The key names the job and
 * its slot (node-cron builds `<task name>:<slot ISO time>`), so each tick has a row of its own.
 */
export interface JobRunsTable {
  key: string;
  /** The replica that won the tick. */
  holder: string;
  /** Until then no other replica may run this key (ISO text). */
  expires_at: string;
  /** When the holder finished, or null while running (or if it died). */
  finished_at: string | null;
}

/**
 * One usage observation of a lab (KyselySignalStore, migration 003): a short history the reaper reads and prunes.
 * Rows are only ever inserted and deleted by age.
 */
export interface LabSignalsTable {
  /** Ascending id, for a stable order within one millisecond; a string from PostgreSQL's bigint, as in audit_log. */
  id: Generated<number | string>;
  lab_id: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  at: string;
  /** cpu, network or keepalive (LabSignal.kind). */
  kind: string;
  /** double precision: a number from both drivers; null when the signal carries no value. */
  value: number | null;
}

/** A template made with `/lab capture` (KyselyCapturedTemplates, migrations 005 and 007). */
export interface CapturedTemplatesTable {
  /** The key users type; unique. */
  key: string;
  catalog_item: string;
  catalog: string;
  base_template: string;
  source_lab_id: string;
  captured_by: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  captured_at: string;
  /** When an admin published it to everyone (migration 007); null: private to `captured_by` (and admins). */
  published_at: string | null;
  /** The admin who published it; null while private. */
  published_by: string | null;
}

/** One public IP handed to a lab (KyselyPublicIps, migration 004). */
export interface LabPublicIpsTable {
  ip: string;
  lab_id: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  allocated_at: string;
}

/** This installation (KyselyInstallation, migration 006): exactly one row, `singleton` = 'this'. */
export interface InstallationTable {
  singleton: string;
  /** Written into every vApp's `labbot.installation`. */
  id: string;
  /** The URL origin of the VCD, or `embedded simulator`. */
  vcd_endpoint: string;
  vcd_org: string;
  vcd_vdc: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  created_at: string;
}

/** Reconciliation's first sightings (KyselyReconcileSightings, migration 006); one row per kind and subject. */
export interface ReconcileSightingsTable {
  /** vanished, ended-exists or unclaimed (SightingKind). */
  kind: string;
  /** A lab id, or a vApp href for `unclaimed`. */
  subject: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  first_seen_at: string;
}

/** A signed Slack request already served (KyselySeenRequests, migration 010). */
export interface SlackRequestsSeenTable {
  /** SHA-256 (hex) of the request's signature header. */
  key: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  expires_at: string;
}

/** Every table labbot owns (Kysely's own migration tables are not listed: only its Migrator touches them). */
export interface LabbotSchema {
  labs: LabsTable;
  audit_log: AuditLogTable;
  job_runs: JobRunsTable;
  lab_signals: LabSignalsTable;
  captured_templates: CapturedTemplatesTable;
  lab_public_ips: LabPublicIpsTable;
  installation: InstallationTable;
  reconcile_sightings: ReconcileSightingsTable;
  slack_requests_seen: SlackRequestsSeenTable;
  vcd_refresh_tokens: VcdRefreshTokensTable;
  classes: ClassesTable;
  class_seats: ClassSeatsTable;
  lab_billing_intervals: LabBillingIntervalsTable;
  work_rhythms: WorkRhythmsTable;
}

/** The reaper's working-day profile of one owner or lab (KyselyWorkRhythms, migration 015). */
export interface WorkRhythmsTable {
  /** `owner:<Slack user>` or `lab:<lab id>` (rhythmKey). */
  subject: string;
  /** The WorkRhythm as JSON text. */
  rhythm: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  updated_at: string;
}

/** One stretch of a lab in one billed state (KyselyBillingLedger, migration 013); at most one open per lab. */
export interface LabBillingIntervalsTable {
  /** Ascending id; a string from PostgreSQL's bigint, as in audit_log. */
  id: Generated<number | string>;
  lab_id: string;
  /** running or storage (BilledState). */
  state: string;
  /** ISO 8601 UTC text, as in LabsTable. */
  started_at: string;
  /** Null while the stretch lasts. */
  ended_at: string | null;
}

/** A service account's current refresh token, sealed (migration 008). */
export interface VcdRefreshTokensTable {
  id: string;
  seed_mac: string;
  key_check: string;
  sealed: string;
  rotations: number;
  updated_at: string;
}

/**
 * The columns a Lab maps to (lab-row.ts), without the claim. `ticket_closed_at` may be absent: labToRow leaves it out
 * for a lab whose ticket is open, so rows still insert into schemas older than migration 013 (upgrade tests).
 */
export type LabRow = Omit<Selectable<LabColumns>, 'ticket_closed_at'> & { ticket_closed_at?: string | null };
export type AuditLogRow = Selectable<AuditLogTable>;
export type LabSignalRow = Selectable<LabSignalsTable>;
export type CapturedTemplateRow = Selectable<CapturedTemplatesTable>;

/** A class (KyselyClassStore, migration 012). Timestamps are ISO 8601 UTC text, as in LabsTable. */
export interface ClassesTable {
  name: string;
  trainer: string;
  template: string;
  channel: string | null;
  roster_ts: string | null;
  starts_at: string;
  ends_at: string;
  created_at: string;
  ended_at: string | null;
}

/** One student's lab in a class (migration 012); `replaces` names the failed lab a replacement stands for. */
export interface ClassSeatsTable {
  class_name: string;
  student: string;
  lab_id: string;
  replaces: string | null;
  created_at: string;
}

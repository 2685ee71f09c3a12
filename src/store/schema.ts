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
export interface LabsTable {
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
}

/** Who did what to which lab, and how it went. Written by the audit API of a later issue. */
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
  /** JSON text with the action's details, if any. */
  detail: string | null;
  result: string;
}

/** Every table labbot owns (Kysely's own migration tables are not listed: only its Migrator touches them). */
export interface LabbotSchema {
  labs: LabsTable;
  audit_log: AuditLogTable;
}

export type LabRow = Selectable<LabsTable>;

/**
 * Issue 19 items 4 and 5: the billing ledger (one row per stretch of time a lab billed in one state) filled in for
 * existing labs from their rows and audit log, and `labs.ticket_closed_at` (when the lab's ticket was resolved or
 * closed, from a ticket webhook). Frozen once released, like 001: the backfill below is a copy of the rules of its
 * day on purpose, not an import of billing.ts, so that a later change of those rules cannot change what this
 * migration did.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import { type DatabaseDialect } from '../labbot-database';

/** Controller and user actions after which a lab ran (CPU and RAM billed). */
const RUN_STARTS = new Set(['ready', 'resumed']);
/** Actions after which it no longer ran: it was suspended, powered off for a capture, torn down or ended. */
const RUN_STOPS = new Set([
  'suspended',
  'suspend',
  'capture-requested',
  'teardown',
  'delete',
  'deleted',
  'failed',
  'close-vanished',
]);

interface LabFacts {
  id: string;
  created_at: string;
  ended_at: string | null;
  powered_on_ms: number | string;
  powered_on_since: string | null;
}

interface Interval {
  lab_id: string;
  state: 'running' | 'storage';
  started_at: string;
  ended_at: string | null;
}

export function billingLedgerMigration(dialect: DatabaseDialect): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('lab_billing_intervals')
        .addColumn('id', dialect === 'sqlite' ? 'integer' : 'bigint', (c) =>
          dialect === 'sqlite'
            ? c.primaryKey().autoIncrement()
            : c.primaryKey().generatedByDefaultAsIdentity(),
        )
        // No foreign key, as lab_signals: the ledger outlives nothing, but a backfill of odd rows must not fail.
        .addColumn('lab_id', 'text', (c) => c.notNull())
        // running or storage (BilledState).
        .addColumn('state', 'text', (c) => c.notNull())
        // ISO 8601 UTC text, as every timestamp (schema.ts).
        .addColumn('started_at', 'text', (c) => c.notNull())
        .addColumn('ended_at', 'text')
        .execute();
      // At most one open interval per lab, whatever two writers or a restart do: the store's read-close-open runs in
      // one transaction, and this makes a duplicate impossible rather than unlikely.
      await sql`create unique index lab_billing_open_uq on lab_billing_intervals (lab_id) where ended_at is null`.execute(
        db,
      );
      // Reports read the intervals overlapping a period; per-lab reads go by lab id.
      await db.schema
        .createIndex('lab_billing_lab_idx')
        .on('lab_billing_intervals')
        .columns(['lab_id', 'started_at'])
        .execute();
      await db.schema
        .createIndex('lab_billing_started_idx')
        .on('lab_billing_intervals')
        .column('started_at')
        .execute();
      await db.schema.alterTable('labs').addColumn('ticket_closed_at', 'text').execute();

      await backfill(db);
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('labs').dropColumn('ticket_closed_at').execute();
      await db.schema.dropTable('lab_billing_intervals').execute();
    },
  };
}

/**
 * Fills in every existing lab. Storage from creation to the end (or still open), as costSoFar billed it; running
 * stretches placed by the audit log's power-on and power-off actions, with the lab row's own powered-on total as
 * the budget (the row is what was billed; the audit only says when). A lab running now gets its open stretch from
 * `powered_on_since`, exactly as the store would record it.
 */
async function backfill(db: Kysely<unknown>): Promise<void> {
  const labs = (
    await sql<LabFacts>`select id, created_at, ended_at, powered_on_ms, powered_on_since from labs`.execute(
      db,
    )
  ).rows;
  for (const lab of labs) {
    const audit = (
      await sql<{
        at: string;
        action: string;
      }>`select at, action from audit_log where lab_id = ${lab.id} order by at, id`.execute(db)
    ).rows;
    for (const interval of labIntervals(lab, audit)) {
      await sql`insert into lab_billing_intervals (lab_id, state, started_at, ended_at) values (${interval.lab_id}, ${interval.state}, ${interval.started_at}, ${interval.ended_at})`.execute(
        db,
      );
    }
  }
}

/** One lab's intervals: running stretches, and storage-only stretches filling the gaps. */
function labIntervals(lab: LabFacts, audit: readonly { at: string; action: string }[]): Interval[] {
  const created = Date.parse(lab.created_at);
  const ended = lab.ended_at !== null ? Date.parse(lab.ended_at) : undefined;
  const openSince = lab.powered_on_since !== null ? Date.parse(lab.powered_on_since) : undefined;
  // Closed running time left to place; the open stretch (if any) is not part of powered_on_ms.
  let budget = Number(lab.powered_on_ms);
  const runs: [number, number | undefined][] = [];
  let start: number | undefined;
  for (const entry of audit) {
    const at = Date.parse(entry.at);
    if (Number.isNaN(at) || (openSince !== undefined && at >= openSince)) {
      continue;
    }
    if (RUN_STARTS.has(entry.action) && start === undefined) {
      start = at;
    } else if (RUN_STOPS.has(entry.action) && start !== undefined) {
      const length = Math.min(at - start, budget);
      if (length > 0) {
        runs.push([start, start + length]);
        budget -= length;
      }
      start = undefined;
    }
  }
  if (start !== undefined && budget > 0) {
    // Started and never seen stopping before now: the rest of the budget is this stretch.
    runs.push([start, start + budget]);
  }
  if (openSince !== undefined && ended === undefined) {
    runs.push([openSince, undefined]);
  }

  const intervals: Interval[] = [];
  const iso = (ms: number): string => new Date(ms).toISOString();
  let cursor = created;
  for (const [from, to] of runs) {
    const begin = Math.max(from, cursor);
    if (begin > cursor) {
      intervals.push({ lab_id: lab.id, state: 'storage', started_at: iso(cursor), ended_at: iso(begin) });
    }
    if (to !== undefined && to <= begin) {
      continue;
    }
    const stop = to !== undefined && ended !== undefined ? Math.min(to, ended) : to;
    intervals.push({
      lab_id: lab.id,
      state: 'running',
      started_at: iso(begin),
      ended_at: stop !== undefined ? iso(stop) : null,
    });
    if (stop === undefined) {
      return intervals;
    }
    cursor = stop;
  }
  if (ended === undefined) {
    intervals.push({ lab_id: lab.id, state: 'storage', started_at: iso(cursor), ended_at: null });
  } else if (ended > cursor) {
    intervals.push({ lab_id: lab.id, state: 'storage', started_at: iso(cursor), ended_at: iso(ended) });
  }
  return intervals;
}

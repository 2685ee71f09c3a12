/**
 * The billing ledger over Kysely (migration 013). KyselyLabStore calls followLab inside the transaction that writes
 * the lab row, so the ledger and the row never disagree, on any replica, across any crash; KyselyBillingLedger
 * reads it for reports.
 */
import { type Kysely } from 'kysely';
import {
  BILLED_STATES,
  type BilledState,
  type BillingInterval,
  type LedgerLab,
  nextLedgerChange,
} from '../labs/billing';
import { type BillingLedger } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { CorruptLabRowError } from './store-errors';
import { textToTimestamp, timestampToText } from './timestamp';

/** The ledger fields of the stored row, before a write; undefined for a new lab. */
export async function ledgerFieldsOf(
  db: Kysely<LabbotSchema>,
  labId: string,
): Promise<LedgerLab | undefined> {
  const row = await db
    .selectFrom('labs')
    .select(['created_at', 'ended_at', 'powered_on_ms', 'powered_on_since'])
    .where('id', '=', labId)
    .executeTakeFirst();
  if (row === undefined) {
    return undefined;
  }
  const when = (text: string | null): Date | undefined => (text === null ? undefined : textToTimestamp(text));
  const createdAt = textToTimestamp(row.created_at);
  if (createdAt === undefined) {
    throw new CorruptLabRowError(labId, 'created_at', `got "${row.created_at}"`);
  }
  const endedAt = when(row.ended_at);
  const poweredOnSince = when(row.powered_on_since);
  return {
    createdAt,
    poweredOnMs: Number(row.powered_on_ms),
    ...(endedAt !== undefined ? { endedAt } : {}),
    ...(poweredOnSince !== undefined ? { poweredOnSince } : {}),
  };
}

/**
 * Brings the lab's intervals in line with `after`: closes the open one and opens the next where its billed state
 * changed. Run it in the transaction that writes the row (`db` is that transaction).
 */
export async function followLab(
  db: Kysely<LabbotSchema>,
  labId: string,
  before: LedgerLab | undefined,
  after: LedgerLab,
): Promise<void> {
  const openRow = await db
    .selectFrom('lab_billing_intervals')
    .select(['id', 'state', 'started_at'])
    .where('lab_id', '=', labId)
    .where('ended_at', 'is', null)
    .executeTakeFirst();
  const open = openRow && {
    state: billedStateOf(openRow.state, labId),
    startedAt: textToTimestamp(openRow.started_at) ?? corrupt(labId, 'started_at', openRow.started_at),
  };
  const change = nextLedgerChange(open, before, after);
  if (change.close !== undefined && openRow !== undefined) {
    await db
      .updateTable('lab_billing_intervals')
      .set({ ended_at: timestampToText(change.close, `lab ${labId}: interval end`) })
      .where('id', '=', openRow.id)
      .execute();
  }
  if (change.open !== undefined) {
    await db
      .insertInto('lab_billing_intervals')
      .values({
        lab_id: labId,
        state: change.open.state,
        started_at: timestampToText(change.open.startedAt, `lab ${labId}: interval start`),
        ended_at: null,
      })
      .execute();
  }
}

/** Reads the ledger for reports. */
export class KyselyBillingLedger implements BillingLedger {
  private readonly db: Kysely<LabbotSchema>;

  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
  }

  /** @throws CorruptLabRowError when an interval holds something labbot never writes. */
  async intervals(from: Date, to: Date, owner?: string): Promise<BillingInterval[]> {
    let select = this.db
      .selectFrom('lab_billing_intervals as i')
      .select(['i.lab_id', 'i.state', 'i.started_at', 'i.ended_at'])
      // Overlaps [from, to): started before its end, and still open or ended after its start. Text order is time
      // order (schema.ts).
      .where('i.started_at', '<', timestampToText(to, 'period end'))
      .where((eb) =>
        eb.or([eb('i.ended_at', 'is', null), eb('i.ended_at', '>', timestampToText(from, 'period start'))]),
      );
    if (owner !== undefined) {
      select = select.innerJoin('labs', 'labs.id', 'i.lab_id').where('labs.owner', '=', owner);
    }
    const rows = await select.orderBy('i.started_at').orderBy('i.id').execute();
    return rows.map((row) => {
      const endedAt =
        row.ended_at === null
          ? undefined
          : (textToTimestamp(row.ended_at) ?? corrupt(row.lab_id, 'ended_at', row.ended_at));
      return {
        labId: row.lab_id,
        state: billedStateOf(row.state, row.lab_id),
        startedAt: textToTimestamp(row.started_at) ?? corrupt(row.lab_id, 'started_at', row.started_at),
        ...(endedAt !== undefined ? { endedAt } : {}),
      };
    });
  }
}

function billedStateOf(text: string, labId: string): BilledState {
  return (BILLED_STATES as readonly string[]).includes(text)
    ? (text as BilledState)
    : corrupt(labId, 'state', text);
}

function corrupt(labId: string, column: string, value: string): never {
  throw new CorruptLabRowError(labId, `lab_billing_intervals.${column}`, `got "${value}"`);
}

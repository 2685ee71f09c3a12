import { type Kysely } from 'kysely';
import { type WorkRhythmStore } from '../reaper/reaper-ports';
import { parseRhythm, rhythmToJson, type WorkRhythm } from '../reaper/work-rhythm';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { timestampToText } from './timestamp';

/** Keys per `IN (…)` list and rows per INSERT (3 parameters each): far below both dialects' parameter limits. */
const KEYS_PER_STATEMENT = 1_000;

/**
 * WorkRhythmStore over `work_rhythms` (migration 015), for SQLite and PostgreSQL alike. Thin: the rhythm is the
 * domain's JSON; a row that does not parse is left out of `load` (the subject starts afresh and the next save
 * replaces it).
 */
export class KyselyWorkRhythms implements WorkRhythmStore {
  private readonly db: Kysely<LabbotSchema>;

  /** Takes an open, migrated database (it does not close it). */
  constructor(database: LabbotDatabase) {
    this.db = database.kysely;
  }

  async load(keys: readonly string[]): Promise<Map<string, WorkRhythm>> {
    const found = new Map<string, WorkRhythm>();
    for (const chunk of chunks([...new Set(keys)])) {
      const rows = await this.db
        .selectFrom('work_rhythms')
        .select(['subject', 'rhythm'])
        .where('subject', 'in', chunk)
        .execute();
      for (const row of rows) {
        const rhythm = parseRhythm(row.rhythm);
        if (rhythm !== undefined) {
          found.set(row.subject, rhythm);
        }
      }
    }
    return found;
  }

  async save(rhythms: ReadonlyMap<string, WorkRhythm>, at: Date): Promise<void> {
    const updatedAt = timestampToText(at, 'rhythm updated_at');
    const rows = [...rhythms].map(([subject, rhythm]) => ({
      subject,
      rhythm: rhythmToJson(rhythm),
      updated_at: updatedAt,
    }));
    if (rows.length === 0) {
      return;
    }
    await this.db.transaction().execute(async (tx) => {
      for (const chunk of chunks(rows)) {
        await tx
          .insertInto('work_rhythms')
          .values(chunk)
          .onConflict((oc) =>
            oc.column('subject').doUpdateSet({
              rhythm: (eb) => eb.ref('excluded.rhythm'),
              updated_at: (eb) => eb.ref('excluded.updated_at'),
            }),
          )
          .execute();
      }
    });
  }

  async prune(before: Date): Promise<number> {
    const result = await this.db
      .deleteFrom('work_rhythms')
      .where('updated_at', '<', timestampToText(before, 'rhythm prune before'))
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += KEYS_PER_STATEMENT) {
    out.push(items.slice(i, i + KEYS_PER_STATEMENT));
  }
  return out;
}

import { type Expression, type SqlBool, sql } from 'kysely';
import { TERMINAL_PHASES } from '../labs/lab';

/**
 * `phase not in ('deleted', 'failed')` with the phases inlined as literals rather than bound: SQLite uses a partial
 * index only when the query repeats the index's condition term for term, which a bound parameter never does.
 */
export const NOT_ENDED: Expression<SqlBool> = sql<SqlBool>`phase not in (${sql.join(TERMINAL_PHASES.map((phase) => sql.lit(phase)))})`;

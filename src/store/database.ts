/**
 * Opens labbot's database: SQLite in a data directory by default, PostgreSQL when DATABASE_URL says so
 * (DESIGN.md section 3). Both give the same Kysely interface; `dialect` is there for the few statements that
 * differ (row claiming with FOR UPDATE SKIP LOCKED exists only in PostgreSQL).
 */
import { type Logger } from '../labs/ports';
import { openPostgres } from './postgres-database';
import { type DatabaseTarget, type LabbotDatabase } from './labbot-database';
import { openSqlite } from './sqlite-database';

/**
 * Opens the database and checks that it answers, so that a wrong setting fails at start, not at the first command.
 * It does not migrate: call migrateToLatest next.
 * @throws DatabaseUnavailableError when the data directory cannot be created or written, the SQLite file is not a
 *   database, the URL is malformed, or PostgreSQL refuses or cannot be reached; its message names the fix.
 */
export async function openDatabase(target: DatabaseTarget, logger?: Logger): Promise<LabbotDatabase> {
  const database =
    target.kind === 'sqlite'
      ? await openSqlite(target.dataDir, logger)
      : await openPostgres(target.url, logger);
  logger?.info(
    { dialect: database.dialect, location: database.location, schema: database.schema },
    'database opened',
  );
  return database;
}

export { type DatabaseDialect, type DatabaseTarget, type LabbotDatabase } from './labbot-database';

/**
 * Opens labbot's database: SQLite in a data directory by default, PostgreSQL when DATABASE_URL says so
 * (DESIGN.md section 3). Both give the same Kysely interface; `dialect` is there for the few statements that
 * differ (row claiming with FOR UPDATE SKIP LOCKED exists only in PostgreSQL).
 */
import { type Logger } from '../labs/ports';
import { type DatabaseTarget, type LabbotDatabase } from './labbot-database';
import type * as PostgresModule from './postgres-database';
import type * as SqliteModule from './sqlite-database';

/**
 * Opens the database and checks that it answers, so that a wrong setting fails at start, not at the first command.
 * It does not migrate: call migrateToLatest next.
 * @throws DatabaseUnavailableError when the data directory cannot be created or written, the SQLite file is not a
 *   database, the URL is malformed, or PostgreSQL refuses or cannot be reached; its message names the fix.
 */
export async function openDatabase(target: DatabaseTarget, logger?: Logger): Promise<LabbotDatabase> {
  // Only the chosen driver is loaded: `pg` alone holds about 10 MB of a bot on SQLite (docs/benchmarks.md,
  // "Memory with 1,000 labs"), and better-sqlite3's native addon is of no use to one on PostgreSQL.
  const database =
    target.kind === 'sqlite'
      ? await lazy<typeof SqliteModule>('./sqlite-database').openSqlite(target.dataDir, logger)
      : await lazy<typeof PostgresModule>('./postgres-database').openPostgres(target.url, logger);
  logger?.info(
    { dialect: database.dialect, location: database.location, schema: database.schema },
    'database opened',
  );
  return database;
}

/** A module loaded on first use. `require`, not `import()`: the package is CommonJS and jest runs it as such. */
function lazy<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see openDatabase
  return require(id) as T;
}

export { type DatabaseDialect, type DatabaseTarget, type LabbotDatabase } from './labbot-database';

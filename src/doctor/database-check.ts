import { type Config } from '../config/config';
import { type Logger } from '../labs/ports';
import { openDatabase, type LabbotDatabase } from '../store/database';
import { migrateToLatest } from '../store/migrate';
import { type DoctorCheck } from './report';

/** Opens the configured database and brings its schema up to date, as `labbot start` would. */
export async function databaseCheck(config: Config, logger: Logger): Promise<DoctorCheck> {
  const target = config.database;
  const fix =
    target.kind === 'sqlite'
      ? 'make LABBOT_DATA_DIR a writable folder (it is created if missing), or set DATABASE_URL for PostgreSQL'
      : 'check DATABASE_URL (host, port, user, password, database) and that PostgreSQL accepts the connection';
  let db: LabbotDatabase;
  try {
    db = await openDatabase(
      target.kind === 'sqlite' ? target : { kind: 'postgres', url: target.url.reveal() },
      logger.child({ component: 'store' }),
    );
  } catch (error) {
    return {
      name: 'database',
      status: 'fail',
      detail: error instanceof Error ? error.message : String(error),
      fix,
    };
  }
  try {
    const applied = await migrateToLatest(db);
    return {
      name: 'database',
      status: 'ok',
      detail:
        `${db.dialect} at ${db.location}; schema up to date` +
        (applied.length > 0 ? ` (applied ${applied.join(', ')})` : ''),
    };
  } catch (error) {
    return {
      name: 'database',
      status: 'fail',
      detail: `${db.dialect} at ${db.location} opened, but migrating failed: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'see the cause above; a migration that failed half-way needs a look at the database before retrying',
    };
  } finally {
    await db.close();
  }
}

/** The store, migrated: a service account's rotating VCD token lives there. */
export async function openMigratedDatabase(config: Config, logger: Logger): Promise<LabbotDatabase> {
  const target = config.database;
  const db = await openDatabase(
    target.kind === 'sqlite' ? target : { kind: 'postgres', url: target.url.reveal() },
    logger.child({ component: 'store' }),
  );
  try {
    await migrateToLatest(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

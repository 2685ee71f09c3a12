import { mkdir, access, constants } from 'node:fs/promises';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { type Logger } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { onceOnly } from './once-only';
import { type LabbotSchema } from './schema';
import { withStatementCache } from './statement-cache';
import { DatabaseUnavailableError, errorMessage } from './store-errors';

/** The file inside LABBOT_DATA_DIR. */
export const SQLITE_FILE_NAME = 'labbot.sqlite';

/**
 * How long a statement waits for another connection's write lock (a `labbot migrate` or a second process)
 * before failing with SQLITE_BUSY.
 */
const BUSY_TIMEOUT_MS = 5000;

/**
 * Opens (creating if needed) `<dataDir>/labbot.sqlite` in WAL mode.
 * @throws DatabaseUnavailableError when the directory cannot be created or written, or the file is not a database.
 */
export async function openSqlite(dataDir: string, logger?: Logger): Promise<LabbotDatabase> {
  const directory = path.resolve(dataDir);
  const file = path.join(directory, SQLITE_FILE_NAME);
  try {
    await mkdir(directory, { recursive: true });
    // SQLite writes its -wal and -shm files next to the database, so the directory itself must be writable.
    await access(directory, constants.W_OK);
  } catch (error) {
    throw new DatabaseUnavailableError(
      directory,
      `the data directory cannot be created or written (${errorMessage(error)})`,
      'set LABBOT_DATA_DIR to a directory labbot may write, or give its user write permission on this one',
      { cause: error },
    );
  }

  let sqlite: Database.Database | undefined;
  try {
    sqlite = new Database(file, { timeout: BUSY_TIMEOUT_MS });
    // WAL lets other processes (`labbot reap --plan`, doctor, an sqlite3 shell) read while the bot writes, and
    // survives a crash mid-write. It is also the first statement that touches the file, so a file that is not a
    // database or cannot be written fails here rather than at the first command.
    const journalMode: unknown = sqlite.pragma('journal_mode = WAL', { simple: true });
    // Some filesystems (network mounts) cannot do WAL; SQLite then keeps its old mode, which still works, slower.
    if (journalMode !== 'wal') {
      logger?.warn({ file, journalMode }, 'SQLite could not switch to WAL mode');
    }
    // NORMAL is durable across process crashes in WAL mode; only a power loss can undo the last commits.
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('foreign_keys = ON');
  } catch (error) {
    sqlite?.close();
    throw new DatabaseUnavailableError(
      file,
      `SQLite cannot use the file (${errorMessage(error)})`,
      `move ${SQLITE_FILE_NAME} out of the way if it is not labbot's database, or point LABBOT_DATA_DIR at another directory`,
      { cause: error },
    );
  }

  const kysely = new Kysely<LabbotSchema>({
    dialect: new SqliteDialect({ database: withStatementCache(sqlite) }),
  });
  return {
    kysely,
    dialect: 'sqlite',
    location: file,
    schema: undefined,
    logger,
    close: onceOnly(async () => {
      await kysely.destroy();
      // Kysely closes the file only if it ever ran a query on it (as for PostgreSQL's pool).
      if (sqlite.open) {
        sqlite.close();
      }
    }),
  };
}

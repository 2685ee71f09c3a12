/** What an open database looks like to the rest of the store, whichever dialect it is. */
import { type Kysely } from 'kysely';
import { type Logger } from '../labs/ports';
import { type LabbotSchema } from './schema';

export type DatabaseDialect = 'sqlite' | 'postgres';

/** Where the data lives. The PostgreSQL URL may carry `?options=-c search_path=<schema>` to use a schema. */
export type DatabaseTarget = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: string };

/** An open database. Close it once at shutdown; closing again is harmless. */
export interface LabbotDatabase {
  readonly kysely: Kysely<LabbotSchema>;
  readonly dialect: DatabaseDialect;
  /** Where the database is, safe to log and print: the file path, or the URL without its password. */
  readonly location: string;
  /**
   * The PostgreSQL schema labbot's tables live in (the connection's `current_schema()`); undefined for SQLite.
   * Kysely's migrator needs it named: left unnamed, it mistakes another schema's migration table for ours.
   */
  readonly schema: string | undefined;
  /** The logger given to openDatabase, for the store's own components (migrations, lab store). */
  readonly logger: Logger | undefined;
  close(): Promise<void>;
}

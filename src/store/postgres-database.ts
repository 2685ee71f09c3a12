import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { type Logger } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { onceOnly } from './once-only';
import { type LabbotSchema } from './schema';
import { DatabaseUnavailableError, errorMessage } from './store-errors';

/** Long enough for a server across a WAN, short enough that a wrong host fails `labbot start` promptly. */
const CONNECT_TIMEOUT_MS = 10_000;
const POOL_SIZE = 10;

/**
 * Connects a pool to PostgreSQL and checks that it answers.
 * @throws DatabaseUnavailableError when the URL is malformed, the server cannot be reached, refuses the login or
 *   has no such database, or the search_path names no existing schema.
 */
export async function openPostgres(url: string, logger?: Logger): Promise<LabbotDatabase> {
  const location = redactedLocation(url);
  const pool = new Pool({
    connectionString: url,
    max: POOL_SIZE,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'labbot',
  });
  // Without a listener, a server restart that drops an idle pooled connection would crash the process.
  pool.on('error', (error) => logger?.warn({ err: error, location }, 'idle database connection failed'));

  let schema: string | null | undefined;
  try {
    const result = await pool.query<{ schema: string | null }>('select current_schema() as schema');
    schema = result.rows[0]?.schema;
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw unavailable(location, error);
  }
  if (!schema) {
    await pool.end().catch(() => undefined);
    throw new DatabaseUnavailableError(
      location,
      'the search_path names no schema that exists',
      'create the schema (CREATE SCHEMA …) or correct `options=-c search_path=…` in DATABASE_URL',
    );
  }

  const kysely = new Kysely<LabbotSchema>({ dialect: new PostgresDialect({ pool }) });
  const close = async (): Promise<void> => {
    await kysely.destroy();
    // Kysely ends the pool only if it ever ran a query through it; a database opened and closed unused (doctor,
    // a replica stopped at once) would otherwise keep its connection open and the process alive.
    if (!pool.ending && !pool.ended) {
      await pool.end();
    }
  };
  return { kysely, dialect: 'postgres', location, schema, logger, close: onceOnly(close) };
}

/**
 * The URL without its password, for logs and messages.
 * @throws DatabaseUnavailableError when it is not a postgres:// URL.
 */
function redactedLocation(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    parsed = new URL('invalid:');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    // Never echo the URL itself: it may hold a password.
    throw new DatabaseUnavailableError(
      'DATABASE_URL',
      'it is not a PostgreSQL URL',
      'write it as postgres://user:password@host:5432/database',
    );
  }
  const user = parsed.username ? `${parsed.username}@` : '';
  return `${parsed.protocol}//${user}${parsed.host}${parsed.pathname}`;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

function unavailable(location: string, error: unknown): DatabaseUnavailableError {
  const code = errorCode(error);
  const problem = errorMessage(error);
  let fix: string;
  if ((code !== undefined && UNREACHABLE_CODES.has(code)) || /timeout|terminated/i.test(problem)) {
    fix =
      'start PostgreSQL, or correct the host and port in DATABASE_URL (and check that no firewall is in the way)';
  } else if (code === '28P01' || code === '28000') {
    fix =
      'correct the user and password in DATABASE_URL, and check that pg_hba.conf lets this user in from here';
  } else if (code === '3D000') {
    fix = 'create the database (createdb -O <user> <database>) or correct its name in DATABASE_URL';
  } else if (/ssl/i.test(problem)) {
    fix = 'match the server: add or remove `sslmode=` in DATABASE_URL';
  } else {
    fix = 'check DATABASE_URL and that PostgreSQL accepts connections from this machine';
  }
  return new DatabaseUnavailableError(location, `connecting failed (${problem})`, fix, { cause: error });
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The databases the store suite runs against: SQLite in a temporary directory always, PostgreSQL when
 * LABBOT_TEST_DATABASE_URL names a server (DESIGN.md section 6). Every `create()` gives an empty database of its own:
 * a fresh directory for SQLite, a fresh schema for PostgreSQL, so tests and concurrent runs never see each other.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { type DatabaseTarget } from '../../src/store/database';

export const POSTGRES_URL_VARIABLE = 'LABBOT_TEST_DATABASE_URL';

/** A database for one test: where it is, and how to remove it afterwards. */
export interface TestDatabase {
  target: DatabaseTarget;
  dispose(): Promise<void>;
}

export interface TestDatabaseKind {
  name: 'SQLite' | 'PostgreSQL';
  create(): Promise<TestDatabase>;
}

export const sqliteKind: TestDatabaseKind = {
  name: 'SQLite',
  async create() {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'labbot-store-'));
    return {
      target: { kind: 'sqlite', dataDir },
      dispose: () => rm(dataDir, { recursive: true, force: true }),
    };
  },
};

/** PostgreSQL, each database being a new schema `labbot_test_<random>` dropped again by dispose. */
export function postgresKind(baseUrl: string): TestDatabaseKind {
  return {
    name: 'PostgreSQL',
    async create() {
      const schema = `labbot_test_${randomBytes(6).toString('hex')}`;
      await admin(baseUrl, `create schema ${schema}`);
      const url = new URL(baseUrl);
      // libpq's `options` parameter, which pg passes on: every connection of the pool starts in the new schema.
      url.searchParams.set('options', `-c search_path=${schema}`);
      return {
        target: { kind: 'postgres', url: url.toString() },
        dispose: () => admin(baseUrl, `drop schema if exists ${schema} cascade`),
      };
    },
  };
}

async function admin(url: string, statement: string): Promise<void> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** What to do about PostgreSQL in this run. */
export type PostgresPlan =
  { run: true; kind: TestDatabaseKind } | { run: false; failInCi: boolean; message: string };

/**
 * PostgreSQL runs when the variable is set. Unset, its tests are skipped with a message saying how to run them,
 * except under CI (`CI=true`), where a missing server must fail the build rather than pass it by skipping.
 */
export function planPostgres(env: NodeJS.ProcessEnv = process.env): PostgresPlan {
  const url = env[POSTGRES_URL_VARIABLE];
  if (url) {
    return { run: true, kind: postgresKind(url) };
  }
  const failInCi = env.CI === 'true';
  const message = failInCi
    ? `${POSTGRES_URL_VARIABLE} is not set, but CI=true: the store must be tested against PostgreSQL in CI. ` +
      `Start a server first: eval "$(.ci/start-postgres.sh)"`
    : `PostgreSQL store tests skipped: ${POSTGRES_URL_VARIABLE} is not set. To run them against a local server ` +
      `(as root on Debian): eval "$(.ci/start-postgres.sh)" && npx jest test/store ` +
      `(or set ${POSTGRES_URL_VARIABLE}=postgres://user:password@host:5432/db for any database where that user ` +
      `may create schemas).`;
  return { run: false, failInCi, message };
}

/**
 * The kinds a store suite runs against, registering what PostgreSQL's absence means: a failing test under CI, a
 * skipped block (and a warning saying how to run it) locally.
 * @param suite names the suite in the skipped or failing block, e.g. `KyselyAuditLog`.
 */
export function databaseKinds(suite: string, env: NodeJS.ProcessEnv = process.env): TestDatabaseKind[] {
  const postgres = planPostgres(env);
  if (postgres.run) {
    return [sqliteKind, postgres.kind];
  }
  if (postgres.failInCi) {
    describe(`${suite} on PostgreSQL`, () => {
      it('has a PostgreSQL server to run against', () => {
        throw new Error(postgres.message);
      });
    });
  } else {
    console.warn(postgres.message);
    describe.skip(`${suite} on PostgreSQL (${POSTGRES_URL_VARIABLE} is not set)`, () => {
      it('runs the store suite', () => undefined);
    });
  }
  return [sqliteKind];
}

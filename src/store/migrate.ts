import { type Migration, type MigrationProvider, type MigrationResultSet, Migrator } from 'kysely';
import { type Logger } from '../labs/ports';
import { type DatabaseDialect, type LabbotDatabase } from './labbot-database';
import { initialMigration } from './migrations/001-initial';
import { lifecycleMigration } from './migrations/002-lifecycle';
import { reaperMigration } from './migrations/003-reaper';
import { networkMigration } from './migrations/004-network';
import { captureMigration } from './migrations/005-capture';
import { installationMigration } from './migrations/006-installation';
import { safetyLimitsMigration } from './migrations/007-safety-limits';
import { vcdCredentialsMigration } from './migrations/008-vcd-credentials';
import { slackRequestsMigration } from './migrations/010-slack-requests';
import { scheduledLabsMigration } from './migrations/011-scheduled-labs';
import { classesMigration } from './migrations/012-classes';
import { billingLedgerMigration } from './migrations/013-billing-ledger';
import { restoreWindowMigration } from './migrations/014-restore-window';
import { workRhythmsMigration } from './migrations/015-work-rhythms';
import { MigrationFailedError } from './store-errors';

/**
 * Every migration in order, keyed by the name Kysely records in `kysely_migration`. Listed statically rather than
 * read from a folder so that they are bundled, type-checked and the same under ts-jest and compiled JS.
 */
function migrationsFor(dialect: DatabaseDialect): Record<string, Migration> {
  return {
    '001-initial': initialMigration(dialect),
    '002-lifecycle': lifecycleMigration(),
    '003-reaper': reaperMigration(dialect),
    '004-network': networkMigration(),
    '005-capture': captureMigration(),
    '006-installation': installationMigration(),
    '007-safety-limits': safetyLimitsMigration(),
    '008-vcd-credentials': vcdCredentialsMigration(),
    '010-slack-requests': slackRequestsMigration(),
    '011-scheduled-labs': scheduledLabsMigration(),
    '012-classes': classesMigration(),
    '013-billing-ledger': billingLedgerMigration(dialect),
    '014-restore-window': restoreWindowMigration(),
    '015-work-rhythms': workRhythmsMigration(),
  };
}

/** Kysely's provider interface over the static list. */
class StaticMigrationProvider implements MigrationProvider {
  constructor(private readonly dialect: DatabaseDialect) {}

  getMigrations(): Promise<Record<string, Migration>> {
    return Promise.resolve(migrationsFor(this.dialect));
  }
}

/**
 * Brings the schema up to date. Idempotent: applies only the migrations not yet recorded, and is safe to run from
 * several processes at once (Kysely takes a lock).
 * @returns the names of the migrations applied by this call, empty when the schema was already current.
 * @throws MigrationFailedError naming the migration that failed; earlier ones stay applied.
 */
export async function migrateToLatest(
  database: LabbotDatabase,
  logger: Logger | undefined = database.logger,
): Promise<string[]> {
  return migrate(database, logger, (migrator) => migrator.migrateToLatest());
}

/**
 * Moves the schema to the named migration: applies the ones up to it, or undoes (drops) the later ones when it is
 * already past it. For tests of an upgrade, which build the old schema with it; never called by labbot itself.
 * @returns the names of the migrations applied or undone by this call.
 * @throws MigrationFailedError naming the migration that failed, or with no name when `migration` is unknown.
 */
export async function migrateTo(
  database: LabbotDatabase,
  migration: string,
  logger: Logger | undefined = database.logger,
): Promise<string[]> {
  return migrate(database, logger, (migrator) => migrator.migrateTo(migration));
}

async function migrate(
  database: LabbotDatabase,
  logger: Logger | undefined,
  run: (migrator: Migrator) => Promise<MigrationResultSet>,
): Promise<string[]> {
  const migrator = new Migrator({
    db: database.kysely,
    provider: new StaticMigrationProvider(database.dialect),
    ...(database.schema !== undefined ? { migrationTableSchema: database.schema } : {}),
  });
  const { error, results = [] } = await run(migrator);
  for (const result of results) {
    if (result.status === 'Success') {
      logger?.info({ migration: result.migrationName }, 'database migration applied');
    }
  }
  if (error !== undefined) {
    const failed = results.find((result) => result.status === 'Error');
    throw new MigrationFailedError(failed?.migrationName, { cause: error });
  }
  return results.filter((result) => result.status === 'Success').map((result) => result.migrationName);
}

import { inspect } from 'node:util';

/**
 * Failures of the store that its callers can tell apart. DuplicateLabError, which the LabStore contract names,
 * lives in labs/errors.ts; these are the store's own.
 */

/**
 * The database cannot be opened or reached. Its message names the location (never a password) and the fix, and is
 * meant to be shown to the operator as is, without a stack trace.
 */
export class DatabaseUnavailableError extends Error {
  override readonly name = 'DatabaseUnavailableError';
  constructor(
    /** Where the database is, safe to print: a file path or a URL without its password. */
    readonly location: string,
    readonly problem: string,
    /** What the operator should do, in one sentence. */
    readonly fix: string,
    options?: { cause?: unknown },
  ) {
    super(`cannot open the database at ${location}: ${problem}. Fix: ${fix}`, options);
  }
}

/** A schema migration failed; the database is left at the last migration that succeeded. */
export class MigrationFailedError extends Error {
  override readonly name = 'MigrationFailedError';
  constructor(
    /** The migration that failed, or undefined when the migrator failed before running any. */
    readonly migration: string | undefined,
    options?: { cause?: unknown },
  ) {
    const what = migration === undefined ? 'preparing migrations' : `migration ${migration}`;
    super(`database schema migration failed (${what}): ${errorMessage(options?.cause)}`, options);
  }
}

/** A row in `labs` holds something labbot never writes (edited by hand, or written by a newer version). */
export class CorruptLabRowError extends Error {
  override readonly name = 'CorruptLabRowError';
  constructor(
    readonly labId: string,
    readonly column: string,
    problem: string,
  ) {
    super(`lab ${labId} in the database has an invalid ${column}: ${problem}`);
  }
}

/** The message of anything thrown, for composing our own messages. */
export function errorMessage(error: unknown): string {
  // Duck-typed rather than `instanceof Error`: errors raised inside Node's own modules come from another realm
  // under jest's sandbox, and drivers may throw plain objects.
  if (typeof error !== 'object' || error === null) {
    return String(error);
  }
  const { message, errors } = error as { message?: unknown; errors?: unknown };
  // Node reports a refused connection to a name with several addresses (localhost: ::1 and 127.0.0.1) as an
  // AggregateError whose own message is empty.
  if (!message && Array.isArray(errors) && errors.length > 0) {
    return errors.map((inner) => errorMessage(inner)).join('; ');
  }
  return typeof message === 'string' ? message : inspect(error, { depth: 2, breakLength: Infinity });
}

/** A row in `audit_log` holds something labbot never writes (edited by hand, or written by a newer version). */
export class CorruptAuditRowError extends Error {
  override readonly name = 'CorruptAuditRowError';
  constructor(
    readonly entryId: string,
    readonly column: string,
    problem: string,
  ) {
    super(`audit log entry ${entryId} in the database has an invalid ${column}: ${problem}`);
  }
}

/** A row in `lab_signals` holds something labbot never writes (edited by hand, or written by a newer version). */
export class CorruptSignalRowError extends Error {
  override readonly name = 'CorruptSignalRowError';
  constructor(
    readonly signalId: string,
    readonly column: string,
    problem: string,
  ) {
    super(`lab signal ${signalId} in the database has an invalid ${column}: ${problem}`);
  }
}

/** A row of `classes` or `class_seats` holds something labbot never writes (migration 012). */
export class CorruptRowError extends Error {
  override readonly name = 'CorruptRowError';
  constructor(
    readonly table: string,
    readonly key: string,
    readonly column: string,
  ) {
    super(`${table} row ${key} has an unreadable ${column}`);
  }
}

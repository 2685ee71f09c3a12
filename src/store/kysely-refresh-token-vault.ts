/**
 * A VCD service account's rotating refresh token, in the store (migration 008), shared by every replica and by
 * `labbot doctor`. VCD accepts each refresh token once, so a process spends the token only while it holds a lock no
 * other process can hold: a row lock (SELECT … FOR UPDATE) on PostgreSQL, an immediate (write) transaction on SQLite.
 * The token is sealed with AES-256-GCM under LABBOT_SECRET_KEY; the row id is the additional data, so a sealed token
 * cannot be moved to another VCD's row.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { sql, type Kysely, type Transaction } from 'kysely';
import { type Logger } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';

/** Structurally the VCD adapter's RefreshTokenVault (the store does not import the adapter). */
export interface RefreshTokenVault {
  rotate<T>(spend: (current: string) => Promise<{ next?: string; value: T }>): Promise<T>;
}

export interface RefreshTokenVaultOptions {
  /** Which token: `<VCD_URL>#<org>`. */
  id: string;
  /** The token in VCD_API_TOKEN: the first of the chain, until VCD rotated it. */
  configuredToken: string;
  /** 32-byte AES-256 key (LABBOT_SECRET_KEY decoded). */
  key: Buffer;
  now: () => Date;
  logger?: Logger;
  /** Waits between attempts to take SQLite's write lock; default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
}

/** The stored token cannot be opened: another LABBOT_SECRET_KEY sealed it, or the row was altered. */
export class SealedTokenError extends Error {
  override readonly name = 'SealedTokenError';
}

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals `plain` with AES-256-GCM; `aad` binds it to its row. Output: base64 of IV ‖ tag ‖ ciphertext. */
export function sealToken(plain: string, key: Buffer, aad: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
}

/** @throws SealedTokenError when the key is not the one that sealed it, or the text was altered. */
export function openToken(sealed: string, key: Buffer, aad: string): string {
  const bytes = Buffer.from(sealed, 'base64');
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(aad, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch (error) {
    throw new SealedTokenError(
      'the stored VCD service account token cannot be decrypted: LABBOT_SECRET_KEY is not the key it was stored ' +
        'with (every replica and labbot doctor need the same one), or the row was altered',
      { cause: error },
    );
  }
}

type Row = { seed_mac: string; key_check: string; sealed: string; rotations: number };

/** How long a process waits for another one's rotation (a login exchange takes well under a second). */
const LOCK_WAIT_MS = 30_000;
const LOCK_POLL_MS = 50;
/** The busy timeout sqlite-database.ts sets, restored after a non-blocking attempt. */
const SQLITE_BUSY_TIMEOUT_MS = 5000;

export class KyselyRefreshTokenVault implements RefreshTokenVault {
  private readonly seedMac: string;
  private readonly keyCheck: string;

  constructor(
    private readonly database: LabbotDatabase,
    private readonly options: RefreshTokenVaultOptions,
  ) {
    // A MAC, not a hash: the row must not let anyone test guesses of the configured token without the key.
    this.seedMac = createHmac('sha256', options.key).update(options.configuredToken, 'utf8').digest('base64');
    this.keyCheck = createHmac('sha256', options.key)
      .update('labbot vcd refresh token key', 'utf8')
      .digest('base64');
  }

  rotate<T>(spend: (current: string) => Promise<{ next?: string; value: T }>): Promise<T> {
    return this.database.dialect === 'postgres' ? this.rotatePostgres(spend) : this.rotateSqlite(spend);
  }

  private rotatePostgres<T>(spend: (current: string) => Promise<{ next?: string; value: T }>): Promise<T> {
    return this.database.kysely.transaction().execute(async (trx) => {
      // The row must exist to be locked; a concurrent first insert loses quietly and then waits on the lock.
      await trx
        .insertInto('vcd_refresh_tokens')
        .values(this.rowValues(this.options.configuredToken, 0))
        .onConflict((c) => c.column('id').doNothing())
        .execute();
      const row = await trx
        .selectFrom('vcd_refresh_tokens')
        .select(['seed_mac', 'key_check', 'sealed', 'rotations'])
        .where('id', '=', this.options.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      return this.spendAndStore(trx, row, spend);
    });
  }

  /**
   * SQLite has no row locks: BEGIN IMMEDIATE takes the database's write lock before reading, so another process's
   * rotation waits until this one committed the next token. better-sqlite3 waits for a busy lock synchronously, which
   * would stall this process's event loop (and a lock holder in the same process forever), so each attempt is
   * non-blocking (busy_timeout 0) and the wait between attempts is asynchronous.
   */
  private async rotateSqlite<T>(
    spend: (current: string) => Promise<{ next?: string; value: T }>,
  ): Promise<T> {
    const sleep = this.options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
    const deadline = this.options.now().getTime() + LOCK_WAIT_MS;
    for (;;) {
      const outcome = await this.database.kysely.connection().execute(async (conn) => {
        if (!(await beginImmediate(conn))) {
          return { locked: true as const };
        }
        try {
          const row = await conn
            .selectFrom('vcd_refresh_tokens')
            .select(['seed_mac', 'key_check', 'sealed', 'rotations'])
            .where('id', '=', this.options.id)
            .executeTakeFirst();
          const value = await this.spendAndStore(conn, row, spend);
          await sql`COMMIT`.execute(conn);
          return { locked: false as const, value };
        } catch (error) {
          await sql`ROLLBACK`.execute(conn);
          throw error;
        }
      });
      if (!outcome.locked) {
        return outcome.value;
      }
      if (this.options.now().getTime() > deadline) {
        throw new Error(
          `another labbot process held the VCD token lock for ${LOCK_WAIT_MS / 1000} s; the login is retried later`,
        );
      }
      await sleep(LOCK_POLL_MS);
    }
  }

  private async spendAndStore<T>(
    db: Kysely<LabbotSchema> | Transaction<LabbotSchema>,
    row: Row | undefined,
    spend: (current: string) => Promise<{ next?: string; value: T }>,
  ): Promise<T> {
    const { id, configuredToken, key } = this.options;
    // The stored chain continues only while VCD_API_TOKEN is the token it started from: an operator who sets a new
    // token (after the old chain broke, or to rotate it) starts a new chain.
    if (row !== undefined && row.key_check !== this.keyCheck) {
      throw new SealedTokenError(
        'the stored VCD service account token was sealed with another LABBOT_SECRET_KEY: every replica and labbot ' +
          'doctor need the same key (or, to start over, set a newly granted token as VCD_API_TOKEN and delete the ' +
          'vcd_refresh_tokens row)',
      );
    }
    const chained = row !== undefined && row.seed_mac === this.seedMac;
    const current = chained ? openToken(row.sealed, key, id) : configuredToken;
    if (row !== undefined && !chained) {
      this.options.logger?.info(
        { id },
        'VCD_API_TOKEN changed: the stored service account token is replaced',
      );
    }
    const { next, value } = await spend(current);
    if (next !== undefined && (next !== current || !chained)) {
      const rotations = chained ? row.rotations + 1 : 1;
      await db
        .insertInto('vcd_refresh_tokens')
        .values(this.rowValues(next, rotations))
        .onConflict((c) =>
          c.column('id').doUpdateSet({
            seed_mac: this.seedMac,
            key_check: this.keyCheck,
            sealed: (eb) => eb.ref('excluded.sealed'),
            rotations,
            updated_at: this.options.now().toISOString(),
          }),
        )
        .execute();
      this.options.logger?.info({ id, rotations }, 'VCD service account token rotated and stored');
    }
    return value;
  }

  private rowValues(token: string, rotations: number): LabbotSchema['vcd_refresh_tokens'] {
    return {
      id: this.options.id,
      seed_mac: this.seedMac,
      key_check: this.keyCheck,
      sealed: sealToken(token, this.options.key, this.options.id),
      rotations,
      updated_at: this.options.now().toISOString(),
    };
  }
}

/** BEGIN IMMEDIATE without waiting: false when another connection holds the write lock. */
async function beginImmediate(conn: Kysely<LabbotSchema>): Promise<boolean> {
  await sql.raw(`PRAGMA busy_timeout = 0`).execute(conn);
  try {
    await sql`BEGIN IMMEDIATE`.execute(conn);
    return true;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      return false;
    }
    throw error;
  } finally {
    await sql.raw(`PRAGMA busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`).execute(conn);
  }
}

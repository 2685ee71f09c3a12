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

type Row = { seed_mac: string; sealed: string; rotations: number };

export class KyselyRefreshTokenVault implements RefreshTokenVault {
  private readonly seedMac: string;

  constructor(
    private readonly database: LabbotDatabase,
    private readonly options: RefreshTokenVaultOptions,
  ) {
    // A MAC, not a hash: the row must not let anyone test guesses of the configured token without the key.
    this.seedMac = createHmac('sha256', options.key).update(options.configuredToken, 'utf8').digest('base64');
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
        .select(['seed_mac', 'sealed', 'rotations'])
        .where('id', '=', this.options.id)
        .forUpdate()
        .executeTakeFirstOrThrow();
      return this.spendAndStore(trx, row, spend);
    });
  }

  /**
   * SQLite has no row locks: BEGIN IMMEDIATE takes the database's write lock before reading, so another process's
   * rotation waits (busy timeout) until this one committed the next token.
   */
  private rotateSqlite<T>(spend: (current: string) => Promise<{ next?: string; value: T }>): Promise<T> {
    return this.database.kysely.connection().execute(async (conn) => {
      await sql`BEGIN IMMEDIATE`.execute(conn);
      try {
        const row = await conn
          .selectFrom('vcd_refresh_tokens')
          .select(['seed_mac', 'sealed', 'rotations'])
          .where('id', '=', this.options.id)
          .executeTakeFirst();
        const value = await this.spendAndStore(conn, row, spend);
        await sql`COMMIT`.execute(conn);
        return value;
      } catch (error) {
        await sql`ROLLBACK`.execute(conn);
        throw error;
      }
    });
  }

  private async spendAndStore<T>(
    db: Kysely<LabbotSchema> | Transaction<LabbotSchema>,
    row: Row | undefined,
    spend: (current: string) => Promise<{ next?: string; value: T }>,
  ): Promise<T> {
    const { id, configuredToken, key } = this.options;
    // The stored chain continues only while VCD_API_TOKEN is the token it started from: an operator who sets a new
    // token (after the old chain broke, or to rotate it) starts a new chain.
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
      sealed: sealToken(token, this.options.key, this.options.id),
      rotations,
      updated_at: this.options.now().toISOString(),
    };
  }
}

import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { type Logger } from '../../src/labs/ports';
import { openDatabase } from '../../src/store/database';
import { migrateToLatest } from '../../src/store/migrate';
import { DatabaseUnavailableError } from '../../src/store/store-errors';

describe('store/database openDatabase', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'labbot-open-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  describe('SQLite', () => {
    it('creates the data directory and labbot.sqlite in WAL mode with a busy timeout', async () => {
      const dataDir = path.join(dir, 'nested', 'data');

      const database = await openDatabase({ kind: 'sqlite', dataDir });
      try {
        const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.kysely);
        const timeout = await sql<{ timeout: number }>`pragma busy_timeout`.execute(database.kysely);

        expect(database).toMatchObject({
          dialect: 'sqlite',
          location: path.join(dataDir, 'labbot.sqlite'),
          schema: undefined,
        });
        expect(existsSync(database.location)).toBe(true);
        expect(journal.rows[0]?.journal_mode).toBe('wal');
        expect(timeout.rows[0]?.timeout).toBeGreaterThan(0);
      } finally {
        await database.close();
      }
    });

    it('logs where it opened the database, and the migrations it applied', async () => {
      const info = jest.fn();
      const logger = { info } as unknown as Logger;

      const database = await openDatabase({ kind: 'sqlite', dataDir: dir }, logger);
      await migrateToLatest(database);
      await database.close();

      expect(info).toHaveBeenCalledWith(
        expect.objectContaining({ dialect: 'sqlite', location: database.location }),
        'database opened',
      );
      expect(info).toHaveBeenCalledWith({ migration: '001-initial' }, 'database migration applied');
    });

    it('says to fix LABBOT_DATA_DIR when the directory cannot be created', async () => {
      // A file where a directory should be: fails even for root, unlike a permission bit.
      const file = path.join(dir, 'not-a-directory');
      await writeFile(file, 'x');

      const opening = openDatabase({ kind: 'sqlite', dataDir: path.join(file, 'data') });

      await expect(opening).rejects.toThrow(DatabaseUnavailableError);
      await expect(opening).rejects.toThrow(
        /data directory cannot be created or written .*Fix: set LABBOT_DATA_DIR/,
      );
    });

    it('says what to do when labbot.sqlite is not a database', async () => {
      await writeFile(
        path.join(dir, 'labbot.sqlite'),
        'this is not SQLite, it is a text file that happens to be long enough',
      );

      const opening = openDatabase({ kind: 'sqlite', dataDir: dir });

      await expect(opening).rejects.toThrow(DatabaseUnavailableError);
      await expect(opening).rejects.toThrow(/not a database.*Fix: move labbot.sqlite out of the way/);
    });
  });

  describe('PostgreSQL (no server needed)', () => {
    it('says to start PostgreSQL or fix the host when nothing listens, without showing the password', async () => {
      // Port 1 on loopback: refused at once, no server or network involved.
      const opening = openDatabase({ kind: 'postgres', url: 'postgres://labbot:s3cret@127.0.0.1:1/labbot' });

      await expect(opening).rejects.toThrow(DatabaseUnavailableError);
      await expect(opening).rejects.toThrow(
        'cannot open the database at postgres://labbot@127.0.0.1:1/labbot: connecting failed (connect ECONNREFUSED 127.0.0.1:1). ' +
          'Fix: start PostgreSQL, or correct the host and port in DATABASE_URL (and check that no firewall is in the way)',
      );
    });

    it('reports every address it tried for a name that resolves to several', async () => {
      const opening = openDatabase({ kind: 'postgres', url: 'postgres://labbot@localhost:1/labbot' });

      await expect(opening).rejects.toThrow(/connecting failed \(.*ECONNREFUSED.*\)\. Fix: start PostgreSQL/);
    });

    it('refuses a URL that is not postgres:// without echoing it', async () => {
      const opening = openDatabase({ kind: 'postgres', url: 'mysql://root:s3cret@db/labbot' });

      await expect(opening).rejects.toThrow(DatabaseUnavailableError);
      await expect(opening).rejects.toThrow(/DATABASE_URL: it is not a PostgreSQL URL/);
      await expect(opening).rejects.not.toThrow(/s3cret/);
    });
  });
});

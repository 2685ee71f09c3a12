import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../src/store/database';

// A bot on SQLite must not load the PostgreSQL driver (issue 17 target 2: `pg` is about 10 MB of its memory). Any
// require of `pg`, at import time or when the database opens, fails this file.
jest.mock('pg', () => {
  throw new Error('pg was loaded by a bot on SQLite');
});

describe('store/database openDatabase loads only the chosen driver', () => {
  it('opens SQLite without loading pg', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'labbot-drivers-'));
    try {
      const database = await openDatabase({ kind: 'sqlite', dataDir: dir });
      await database.close();
      expect(database.dialect).toBe('sqlite');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('loads pg when PostgreSQL is asked for', async () => {
    await expect(
      openDatabase({ kind: 'postgres', url: 'postgres://nobody@127.0.0.1:1/none' }),
    ).rejects.toThrow('pg was loaded by a bot on SQLite');
  });
});

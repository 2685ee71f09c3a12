import { type Kysely } from 'kysely';
import { PublicIpsExhaustedError } from '../labs/errors';
import { addressesCovered, firstFreeAddress, inRange, type IpRange } from '../labs/ipv4';
import { type PublicIpPool } from '../labs/ports';
import { type LabbotDatabase } from './labbot-database';
import { type LabbotSchema } from './schema';
import { timestampToText } from './timestamp';

/**
 * PublicIpPool over `lab_public_ips` (migration 004), for SQLite and PostgreSQL alike. Uniqueness lives in the
 * table (the address is the primary key, the lab id is unique), so replicas sharing the database can allocate at
 * the same moment: the loser of a race on one address sees its INSERT do nothing and tries the next free one.
 */
export class KyselyPublicIps implements PublicIpPool {
  private readonly db: Kysely<LabbotSchema>;

  constructor(
    database: LabbotDatabase,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.db = database.kysely;
  }

  async allocate(labId: string, range: IpRange, avoid: readonly IpRange[] = []): Promise<string> {
    const inUse = addressesCovered(range, avoid);
    // Bounded: each round either wins an address or sees one more taken; the range size bounds the rounds.
    for (let round = 0; round < 1000; round++) {
      const held = await this.held(labId);
      if (held !== undefined) {
        return held;
      }
      const taken = new Set([
        ...inUse,
        ...(await this.db.selectFrom('lab_public_ips').select('ip').execute())
          .map((r) => r.ip)
          .filter((ip) => inRange(ip, range)),
      ]);
      const candidate = firstFreeAddress(range, taken);
      if (candidate === undefined) {
        throw new PublicIpsExhaustedError(range);
      }
      await this.db
        .insertInto('lab_public_ips')
        .values({ ip: candidate, lab_id: labId, allocated_at: timestampToText(this.now(), 'allocated_at') })
        // Another replica took the address (or this lab got one meanwhile): look again.
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    throw new PublicIpsExhaustedError(range);
  }

  async release(labId: string): Promise<void> {
    await this.db.deleteFrom('lab_public_ips').where('lab_id', '=', labId).execute();
  }

  async list(): Promise<{ labId: string; ip: string }[]> {
    const rows = await this.db.selectFrom('lab_public_ips').select(['lab_id', 'ip']).orderBy('ip').execute();
    return rows.map((r) => ({ labId: r.lab_id, ip: r.ip }));
  }

  private async held(labId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('lab_public_ips')
      .select('ip')
      .where('lab_id', '=', labId)
      .executeTakeFirst();
    return row?.ip;
  }
}

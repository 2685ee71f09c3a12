/**
 * Issue 15: a VCD service account's current refresh token, shared by every replica and by `labbot doctor`. VCD accepts
 * each refresh token once and answers the next, so the token that works lives here, encrypted (AES-256-GCM with
 * LABBOT_SECRET_KEY), not in the environment. One row per VCD endpoint and org.
 */
import { type Kysely, type Migration } from 'kysely';

export function vcdCredentialsMigration(): Migration {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('vcd_refresh_tokens')
        // `<VCD_URL>#<org>`: a store shared by installs of different VCDs keeps their tokens apart.
        .addColumn('id', 'text', (c) => c.primaryKey())
        // HMAC of the configured token it descends from: a new VCD_API_TOKEN replaces the stored chain.
        .addColumn('seed_mac', 'text', (c) => c.notNull())
        // HMAC of a fixed label: tells "another LABBOT_SECRET_KEY" from "another token" without trying to decrypt.
        .addColumn('key_check', 'text', (c) => c.notNull())
        // base64 of IV (12 bytes) ‖ tag (16 bytes) ‖ ciphertext.
        .addColumn('sealed', 'text', (c) => c.notNull())
        .addColumn('rotations', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },

    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('vcd_refresh_tokens').execute();
    },
  };
}

import { randomUUID } from 'node:crypto';
import { configuredVcd } from './compose-core';
import { loadConfig } from './config/load-config';
import { readPolicyFile } from './config/read-policy-file';
import { describeVcd, vcdDifferences } from './labs/installation';
import { createRootLogger } from './observability/logger';
import { KyselyInstallation } from './store/kysely-installation';
import { openDatabase } from './store/database';
import { migrateToLatest } from './store/migrate';

const USAGE = 'usage: labbot migrate-vcd --to-current';

/**
 * `labbot migrate-vcd --to-current`: an operator's explicit move of this installation to the VCD the configuration
 * names (VCD_URL, VCD_ORG, VCD_VDC, or the embedded simulator without VCD_URL). The store's installation id stays, so
 * vApps it tagged are still its own; its labs' vApps must exist in the new VCD (moved with them), else reconciliation
 * closes those labs (after its two-pass confirmation and within its cap). Without `--to-current` it only says what
 * would change. Touches no VCD and starts nothing.
 * @returns the exit code: 0, or 2 for bad arguments.
 * @throws ConfigError for a bad configuration; Error when the database cannot be opened.
 */
export async function runMigrateVcdCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  write: (text: string) => void,
): Promise<number> {
  if (args.some((a) => a !== '--to-current')) {
    write(USAGE);
    return 2;
  }
  const config = loadConfig(env, readPolicyFile(env));
  const logger = createRootLogger(env.LOG_LEVEL ? config.logLevel : 'warn');
  const database = await openDatabase(
    config.database.kind === 'sqlite'
      ? config.database
      : { kind: 'postgres', url: config.database.url.reveal() },
    logger,
  );
  try {
    await migrateToLatest(database);
    const installation = new KyselyInstallation(database);
    const current = configuredVcd(config);
    // On a new store this records the configured VCD, as the first start would.
    const recorded = await installation.ensure({ id: randomUUID(), vcd: current, createdAt: new Date() });
    if (vcdDifferences(recorded.vcd, current).length === 0) {
      write(`Installation ${recorded.id} already manages ${describeVcd(current)}; nothing to do.`);
      return 0;
    }
    if (!args.includes('--to-current')) {
      write(
        `Installation ${recorded.id} manages ${describeVcd(recorded.vcd)}; this configuration names ${describeVcd(current)}.\nTo move the installation there on purpose, run again with --to-current.`,
      );
      return 2;
    }
    await installation.moveTo(current);
    write(`Installation ${recorded.id} moved from ${describeVcd(recorded.vcd)} to ${describeVcd(current)}.`);
    return 0;
  } finally {
    await database.close();
  }
}

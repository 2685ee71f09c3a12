/**
 * `labbot doctor`: checks everything labbot needs before it starts (config, VCD, Slack, database) and prints each
 * as ok or as a failure with its fix. It uses the same adapters the bot uses, so what it proves is what the bot
 * will meet. With no VCD_URL it starts the embedded simulator, as `labbot start` does, and checks against it.
 *
 * One file per check group: config-check, vcd-checks (with edge-checks), slack-check, database-check; report.ts
 * holds the line type and how the report prints.
 */
import { type Config } from '../config/config';
import { ConfigError } from '../config/config-error';
import { loadConfig } from '../config/load-config';
import { readPolicyFile } from '../config/read-policy-file';
import { createRootLogger } from '../observability/logger';
import { configCheck } from './config-check';
import { databaseCheck } from './database-check';
import { type DoctorDeps } from './deps';
import { formatDoctorReport, type DoctorCheck } from './report';
import { slackCheck } from './slack-check';
import { vcdChecks } from './vcd-checks';

export { type DoctorDeps } from './deps';
export { formatDoctorReport, type CheckStatus, type DoctorCheck } from './report';

/** Exit code when the configuration itself is invalid (sysexits EX_CONFIG, as `labbot start` uses). */
export const EXIT_CONFIG = 78;

/**
 * Loads the configuration from the environment and labbot.yml, then runs the doctor. A configuration error is
 * reported as failed `config` checks, one per problem, each with its fix.
 *
 * @returns the exit code: 0 when nothing failed, 1 when a check failed, 78 when the configuration is invalid.
 * @throws nothing the caller must handle: every failure becomes a line of the report.
 */
export async function runDoctorCommand(env: NodeJS.ProcessEnv, deps: DoctorDeps = {}): Promise<number> {
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  let config: Config;
  try {
    config = loadConfig(env, readPolicyFile(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    const checks = error.problems.map((p): DoctorCheck => ({
      name: 'config',
      status: 'fail',
      detail: `${p.key}: ${p.message}`,
      fix: p.fix,
    }));
    write(formatDoctorReport(checks));
    return EXIT_CONFIG;
  }
  return runDoctor(config, { ...deps, write });
}

/**
 * Runs every check against the configured (or embedded) VCD, Slack and database, prints the report and returns the
 * exit code: 0 when nothing failed (warnings allowed), 1 otherwise.
 */
export async function runDoctor(config: Config, deps: DoctorDeps = {}): Promise<number> {
  const checks = await collectDoctorChecks(config, deps);
  (deps.write ?? ((text: string) => void process.stdout.write(text)))(formatDoctorReport(checks));
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

/** Runs every check and returns them in report order. Never throws: a check that throws is reported as failed. */
export async function collectDoctorChecks(config: Config, deps: DoctorDeps = {}): Promise<DoctorCheck[]> {
  const logger =
    deps.logger ?? createRootLogger(['trace', 'debug'].includes(config.logLevel) ? config.logLevel : 'error');
  const checks: DoctorCheck[] = [configCheck(config)];
  checks.push(...(await vcdChecks(config, logger, deps)));
  checks.push(await slackCheck(config, logger, deps));
  checks.push(await databaseCheck(config, logger));
  return checks;
}

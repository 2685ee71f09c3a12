import { type LabViewContext } from './commands/lab-reply';
import { createCommandRunner } from './commands/run-command';
import { checkEdgeAtStart, composeCore } from './compose-core';
import { type Config } from './config/config';
import { describeConfig } from './config/redact';
import { createRootLogger } from './observability/logger';
import { type ModeContext, type RunIo, type Running, Shutdown, type StartOptions } from './start/running';
import { startControllerPasses } from './start/scheduled-jobs';
import { startShellMode } from './start/shell-mode';
import { startSlackMode } from './start/slack-mode';

export { type RunIo, type Running, type StartOptions } from './start/running';

/**
 * The composition root: the only place that constructs concrete adapters and wires them together
 * (DESIGN.md section 2). Builds the core (compose-core.ts), checks the edge, starts the controller pass, then hands
 * over to the transport the config selects: the local shell (start/shell-mode.ts) or Slack (start/slack-mode.ts),
 * each of which starts the reaper's jobs (start/scheduled-jobs.ts) with its own messenger.
 * @throws Error when the database cannot be opened or migrated, or the Slack app cannot listen.
 */
export async function startLabbot(config: Config, io: RunIo, options: StartOptions = {}): Promise<Running> {
  const logger = options.logger ?? createRootLogger(config.logLevel);
  logger.info({ config: describeConfig(config) }, 'starting labbot');
  const core = await composeCore(
    config,
    logger,
    options.simSpeedFactor !== undefined ? { simSpeedFactor: options.simSpeedFactor } : {},
  );
  try {
    await checkEdgeAtStart(core.cloud, config, logger);
  } catch (error) {
    await core.close();
    throw error;
  }
  const shutdown = new Shutdown();
  shutdown.last(() => core.close());
  shutdown.add(startControllerPasses(core));
  const context: ModeContext = {
    config,
    logger,
    core,
    shutdown,
    view: (): LabViewContext => ({
      now: core.clock.now(),
      rates: config.policy.rates,
      simulated: core.cloud.simulated,
    }),
    commands: createCommandRunner({
      service: core.service,
      policy: config.policy,
      clock: core.clock,
      random: core.random,
      logger: logger.child({ component: 'commands' }),
      simulated: core.cloud.simulated,
      ...(config.publicUrl !== undefined ? { publicUrl: config.publicUrl } : {}),
      classes: core.classes,
    }),
  };
  return config.slack.kind === 'shell'
    ? startShellMode(context, io, config.slack)
    : startSlackMode(context, config.slack);
}

import { composeCore } from './compose-core';
import { loadConfig } from './config/load-config';
import { readPolicyFile } from './config/read-policy-file';
import { createRootLogger } from './observability/logger';
import { planReply } from './reaper/reaper-replies';
import { type ReaperMessenger } from './reaper/reaper-ports';
import { renderReplyText } from './shell/render-text';
import { ShellMessenger } from './shell/shell-messenger';
import { createSlackWebClient } from './slack/slack-web-client';
import { SlackMessenger } from './slack/slack-messenger';

/**
 * `labbot reap --plan | --enforce`: one reaper cycle from the command line (for cron outside the bot and for
 * operators). `--plan` prints what the reaper would do and changes nothing; `--enforce` does it, DMs owners
 * through Slack when a bot token is configured (else prints the DMs), and prints what was done.
 * @returns the exit code: 0, or 2 for bad arguments.
 * @throws ConfigError for a bad configuration.
 */
export async function runReapCommand(
  args: string[],
  env: NodeJS.ProcessEnv,
  write: (text: string) => void,
): Promise<number> {
  const mode = args.includes('--enforce') ? 'enforce' : args.includes('--plan') ? 'plan' : undefined;
  if (mode === undefined || args.some((a) => a !== '--plan' && a !== '--enforce') || args.length !== 1) {
    write('usage: labbot reap --plan | --enforce');
    return 2;
  }
  const config = loadConfig(env, readPolicyFile(env));
  const logger = createRootLogger(env.LOG_LEVEL ? config.logLevel : 'warn');
  const core = await composeCore(config, logger);
  try {
    let messenger: ReaperMessenger = new ShellMessenger(write);
    if (config.slack.kind !== 'shell') {
      const client = createSlackWebClient({
        botToken: config.slack.botToken.reveal(),
        ...(config.slack.apiUrl !== undefined ? { apiUrl: config.slack.apiUrl } : {}),
        logger,
      });
      messenger = new SlackMessenger(client, logger);
    }
    if (core.simulator) {
      write(
        'Note: no VCD_URL, so this runs against a fresh embedded simulator, which holds none of your labs.',
      );
    }
    const report = await core.reap(mode, messenger);
    // Let the controller carry out what an enforce cycle decided before the process exits.
    await core.controller.idle();
    write(renderReplyText(planReply(report.decisions, mode, report.at)));
    if (report.metricsFailed.length > 0) {
      write(`Usage could not be read for: ${report.metricsFailed.join(', ')}`);
    }
    return 0;
  } finally {
    await core.close();
  }
}

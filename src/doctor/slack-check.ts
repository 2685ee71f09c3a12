import { type Config } from '../config/config';
import { type Logger } from '../labs/ports';
import { createSlackWebClient, slackErrorCode } from '../slack/slack-web-client';
import { type DoctorDeps } from './deps';
import { type DoctorCheck } from './report';

/** auth.test with the bot token: the token is valid and Slack is reachable. */
export async function slackCheck(config: Config, logger: Logger, deps: DoctorDeps): Promise<DoctorCheck> {
  const slack = config.slack;
  if (slack.kind === 'shell') {
    return { name: 'Slack', status: 'skip', detail: 'local shell mode: no SLACK_BOT_TOKEN set' };
  }
  const client = createSlackWebClient({
    botToken: slack.botToken.reveal(),
    ...(slack.apiUrl !== undefined ? { apiUrl: slack.apiUrl } : {}),
    // A doctor reports; it does not wait out five minutes of retries.
    retry: { retries: 0 },
    requestTimeoutMs: deps.requestTimeoutMs ?? 15_000,
    logger: logger.child({ component: 'slack' }),
  });
  // Read as a loose record: the doctor prints whichever identity fields the answer has.
  const auth = (client as unknown as { auth?: { test?: () => Promise<Record<string, unknown>> } }).auth;
  if (typeof auth?.test !== 'function') {
    return {
      name: 'Slack',
      status: 'fail',
      detail: 'the Slack client has no auth.test',
      fix: 'report this bug',
    };
  }
  try {
    const answer = await auth.test();
    const text = (key: string): string => (typeof answer[key] === 'string' ? answer[key] : '?');
    return {
      name: 'Slack',
      status: 'ok',
      detail: `auth.test: bot ${text('user')} in workspace ${text('team')}`,
    };
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== undefined) {
      return {
        name: 'Slack',
        status: 'fail',
        detail: `auth.test refused the bot token: ${code}`,
        fix: "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…) from OAuth & Permissions, and reinstall the app if it was revoked",
      };
    }
    return {
      name: 'Slack',
      status: 'fail',
      detail: `could not reach Slack for auth.test: ${error instanceof Error ? error.message : String(error)}`,
      fix: `check network access to ${slack.apiUrl ?? 'https://slack.com/api/'} (proxy, firewall, SLACK_API_URL)`,
    };
  }
}

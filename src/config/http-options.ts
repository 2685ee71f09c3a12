import { type ConfigProblem } from './config-error';
import { optionValue } from './options';
import { secret } from './secret';
import { type MetricsEndpoint, type SlackTrust } from './config';

type Env = Readonly<Record<string, string | undefined>>;

/** A Slack workspace (T…) or Enterprise Grid organisation (E…) id. */
const TEAM_ID = /^[TE][A-Z0-9]{2,}$/;

function flag(env: Env, name: string, problems: ConfigProblem[]): boolean {
  const raw = (optionValue(env, name) ?? 'false').toLowerCase();
  if (raw === 'true' || raw === 'false') {
    return raw === 'true';
  }
  problems.push({ key: name, message: `"${raw}" is not true or false`, fix: 'write true or false' });
  return false;
}

/**
 * Who may use labbot through Slack: LABBOT_SLACK_TEAMS, LABBOT_SLACK_ALLOW_GUESTS, LABBOT_SLACK_ALLOW_EXTERNAL.
 * Problems are appended to `problems`. Never throws.
 */
export function slackTrust(env: Env, problems: ConfigProblem[]): SlackTrust {
  const raw = optionValue(env, 'LABBOT_SLACK_TEAMS');
  const teams = (raw ?? '')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => t !== '');
  const bad = teams.filter((t) => !TEAM_ID.test(t));
  if (bad.length > 0) {
    problems.push({
      key: 'LABBOT_SLACK_TEAMS',
      message: `${bad.map((t) => `"${t}"`).join(', ')} ${bad.length === 1 ? 'is not a' : 'are not'} Slack workspace or organisation id${bad.length === 1 ? '' : 's'}`,
      fix: 'list workspace ids (T…) and Enterprise Grid ids (E…), comma-separated, or unset it to serve only the bot token’s workspace',
    });
  }
  return {
    ...(teams.length > 0 ? { teams } : {}),
    allowGuests: flag(env, 'LABBOT_SLACK_ALLOW_GUESTS', problems),
    allowExternal: flag(env, 'LABBOT_SLACK_ALLOW_EXTERNAL', problems),
  };
}

/**
 * Where and how `/metrics` is served: LABBOT_METRICS_TOKEN, LABBOT_METRICS_PORT, LABBOT_METRICS_HOST. Problems
 * are appended to `problems`. Never throws.
 */
export function metricsEndpoint(env: Env, problems: ConfigProblem[]): MetricsEndpoint {
  const token = optionValue(env, 'LABBOT_METRICS_TOKEN');
  const rawPort = optionValue(env, 'LABBOT_METRICS_PORT');
  let port: number | undefined;
  if (rawPort !== undefined) {
    port = Number(rawPort);
    if (!/^\d+$/.test(rawPort) || port > 65535) {
      problems.push({
        key: 'LABBOT_METRICS_PORT',
        message: `"${rawPort}" is not a TCP port`,
        fix: 'use a number from 1 to 65535 other than PORT, or unset it to serve /metrics on PORT',
      });
      port = undefined;
    }
  }
  return {
    ...(token !== undefined ? { token: secret(token) } : {}),
    ...(port !== undefined ? { port, host: optionValue(env, 'LABBOT_METRICS_HOST') ?? '127.0.0.1' } : {}),
  };
}

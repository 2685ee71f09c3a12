import { parse as parseYaml } from 'yaml';
import { type Config, type DatabaseTarget, type SlackMode, type VcdTarget } from './config';
import { ConfigError, type ConfigProblem } from './config-error';
import { DEFAULT_POLICY } from './default-policy';
import { metricsEndpoint, slackTrust } from './http-options';
import { optionValue } from './options';
import { buildPolicy } from './policy-schema';
import { secret } from './secret';

type Env = Readonly<Record<string, string | undefined>>;

/** The labbot.yml to use: its path and text, or undefined for the built-in default. */
export interface PolicyFile {
  path: string;
  text: string;
}

const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

/**
 * Builds the validated Config from environment variables and the optional labbot.yml text. Pure: the caller
 * reads the file (see readPolicyFile).
 * @throws ConfigError listing every problem found, each with its fix.
 */
export function loadConfig(env: Env, file?: PolicyFile): Config {
  const problems: ConfigProblem[] = [];
  const slack = slackMode(env, problems);
  const vcdBase = vcdTarget(env, problems);
  const database = databaseTarget(env, problems);
  const trust = slackTrust(env, problems);
  const metrics = metricsEndpoint(env, problems);
  const logLevel = optionValue(env, 'LOG_LEVEL') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    problems.push({
      key: 'LOG_LEVEL',
      message: `"${logLevel}" is not a log level`,
      fix: `use one of ${LOG_LEVELS.join(', ')}`,
    });
  }

  let policy = DEFAULT_POLICY;
  if (file) {
    let parsed: unknown;
    try {
      parsed = parseYaml(file.text);
    } catch (error) {
      problems.push({
        key: file.path,
        message: `is not valid YAML: ${(error as Error).message.split('\n')[0] ?? ''}`,
        fix: 'fix the YAML syntax',
      });
    }
    if (parsed !== undefined) {
      const built = buildPolicy(parsed, DEFAULT_POLICY, file.path);
      problems.push(...built.problems);
      if (built.policy) {
        policy = built.policy;
      }
    }
  }

  const publicUrl = optionValue(env, 'LABBOT_PUBLIC_URL');
  if (publicUrl !== undefined && !isHttpUrl(publicUrl)) {
    problems.push({
      key: 'LABBOT_PUBLIC_URL',
      message: `"${publicUrl}" is not an http(s) URL`,
      fix: 'use the HTTPS address Slack reaches labbot at, e.g. https://labbot.example.com',
    });
  }

  if (problems.length > 0 || !slack || !vcdBase || !database) {
    throw new ConfigError(problems);
  }
  // The local shell's user runs this very process on their own machine: they are its admin.
  if (slack.kind === 'shell' && !policy.admins.includes(slack.user)) {
    policy = { ...policy, admins: [...policy.admins, slack.user] };
  }
  return {
    slack,
    vcd: vcdBase,
    database,
    logLevel: logLevel as Config['logLevel'],
    ...(publicUrl !== undefined ? { publicUrl: publicUrl.replace(/\/+$/, '') } : {}),
    ...(optionValue(env, 'LABBOT_REPLICA_ID') !== undefined
      ? { replicaId: optionValue(env, 'LABBOT_REPLICA_ID') }
      : {}),
    slackTrust: trust,
    metrics,
    policySource: file?.path ?? 'built-in',
    policy,
  };
}

function slackMode(env: Env, problems: ConfigProblem[]): SlackMode | undefined {
  const botToken = optionValue(env, 'SLACK_BOT_TOKEN');
  const appToken = optionValue(env, 'SLACK_APP_TOKEN');
  const signingSecret = optionValue(env, 'SLACK_SIGNING_SECRET');
  const apiUrl = optionValue(env, 'SLACK_API_URL');
  const port = parsePort(env, problems);
  if (apiUrl !== undefined && !isHttpUrl(apiUrl)) {
    problems.push({
      key: 'SLACK_API_URL',
      message: `"${apiUrl}" is not an http(s) URL`,
      fix: 'use e.g. https://slack.com/api/',
    });
  }
  if (!botToken) {
    if (appToken || signingSecret) {
      problems.push({
        key: 'SLACK_BOT_TOKEN',
        message: 'is missing while SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set',
        fix: 'set the bot token (xoxb-…) from OAuth & Permissions, or unset the others to use the local shell',
      });
      return undefined;
    }
    return { kind: 'shell', user: optionValue(env, 'LABBOT_USER') ?? 'U_LOCAL' };
  }
  if (!botToken.startsWith('xoxb-')) {
    problems.push({
      key: 'SLACK_BOT_TOKEN',
      message: 'must start with xoxb-',
      fix: "copy the Bot User OAuth Token from the app's OAuth & Permissions page",
    });
  }
  if (appToken && !appToken.startsWith('xapp-')) {
    problems.push({
      key: 'SLACK_APP_TOKEN',
      message: 'must start with xapp-',
      fix: 'create an app-level token with connections:write under Basic Information',
    });
  }
  if (port === undefined) {
    return undefined;
  }
  const common = { botToken: secret(botToken), port, ...(apiUrl ? { apiUrl } : {}) };
  if (appToken) {
    return { kind: 'socket', ...common, appToken: secret(appToken) };
  }
  if (signingSecret) {
    return { kind: 'http', ...common, signingSecret: secret(signingSecret) };
  }
  problems.push({
    key: 'SLACK_APP_TOKEN',
    message:
      'SLACK_BOT_TOKEN is set but neither SLACK_APP_TOKEN (Socket Mode) nor SLACK_SIGNING_SECRET (HTTP mode) is',
    fix: 'set one of them',
  });
  return undefined;
}

function vcdTarget(env: Env, problems: ConfigProblem[]): VcdTarget | undefined {
  const org = optionValue(env, 'VCD_ORG') ?? 'lab';
  const vdc = optionValue(env, 'VCD_VDC') ?? 'lab-vdc';
  const catalog = optionValue(env, 'VCD_CATALOG') ?? 'labs';
  // Absent means the deploy catalog; only a different one is carried, so that configs compare as before.
  const captureCatalog = optionValue(env, 'VCD_CAPTURE_CATALOG');
  const capture = captureCatalog !== undefined && captureCatalog !== catalog ? { captureCatalog } : {};
  const url = optionValue(env, 'VCD_URL');
  if (!url) {
    if (capture.captureCatalog !== undefined) {
      problems.push({
        key: 'VCD_CAPTURE_CATALOG',
        message: 'the embedded simulator has one catalog only',
        fix: 'unset VCD_CAPTURE_CATALOG (captures then go to VCD_CATALOG), or set VCD_URL',
      });
    }
    return { kind: 'simulated', org, vdc, catalog };
  }
  if (!isHttpUrl(url)) {
    problems.push({
      key: 'VCD_URL',
      message: `"${url}" is not an http(s) URL`,
      fix: 'use the base URL of your VCD, e.g. https://vcd.example.com',
    });
    return undefined;
  }
  if (url.startsWith('http://') && !isLoopbackUrl(url)) {
    problems.push({
      key: 'VCD_URL',
      message: 'uses plain http to a remote host; credentials would cross the network unencrypted',
      fix: 'use https://',
    });
  }
  for (const name of ['VCD_ORG', 'VCD_VDC'] as const) {
    if (!env[name]?.trim()) {
      problems.push({
        key: name,
        message: 'is required with VCD_URL',
        fix: `set ${name} to your ${name === 'VCD_ORG' ? 'organization' : 'organization VDC'} name`,
      });
    }
  }
  const apiToken = optionValue(env, 'VCD_API_TOKEN');
  const user = optionValue(env, 'VCD_USER');
  const password = optionValue(env, 'VCD_PASSWORD');
  const base = { kind: 'real' as const, url: url.replace(/\/+$/, ''), org, vdc, catalog, ...capture };
  if (apiToken) {
    return { ...base, auth: { kind: 'token', apiToken: secret(apiToken) } };
  }
  if (user && password) {
    return { ...base, auth: { kind: 'password', user, password: secret(password) } };
  }
  problems.push({
    key: 'VCD_API_TOKEN',
    message: 'VCD_URL is set but there are no credentials',
    fix: 'set VCD_API_TOKEN (User preferences → API Tokens in the VCD portal), or VCD_USER and VCD_PASSWORD',
  });
  return undefined;
}

function databaseTarget(env: Env, problems: ConfigProblem[]): DatabaseTarget | undefined {
  const url = optionValue(env, 'DATABASE_URL');
  if (url) {
    if (!/^postgres(ql)?:\/\//.test(url)) {
      problems.push({
        key: 'DATABASE_URL',
        message: 'must be a postgres:// or postgresql:// URL',
        fix: 'unset it to use SQLite, or use postgres://user:password@host:5432/labbot',
      });
      return undefined;
    }
    return { kind: 'postgres', url: secret(url) };
  }
  return { kind: 'sqlite', dataDir: optionValue(env, 'LABBOT_DATA_DIR') ?? './data' };
}

function parsePort(env: Env, problems: ConfigProblem[]): number | undefined {
  const raw = optionValue(env, 'PORT') ?? '3000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) {
    problems.push({
      key: 'PORT',
      message: `"${raw}" is not a TCP port`,
      fix: 'use a number from 0 to 65535',
    });
    return undefined;
  }
  return port;
}

function isHttpUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function isLoopbackUrl(value: string): boolean {
  const host = new URL(value).hostname;
  return host === 'localhost' || host === '[::1]' || host.startsWith('127.');
}

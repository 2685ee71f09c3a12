import { isIPv4, isIPv6 } from 'node:net';
import { parse as parseYaml } from 'yaml';
import {
  type Config,
  type DatabaseTarget,
  type SlackMode,
  type VcdAuthConfig,
  type VcdTarget,
  type VcdTlsConfig,
} from './config';
import { type LabPolicy } from '../labs/policy';
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

  const defaults = vcdBase?.kind === 'real' ? realVcdDefaults(file) : DEFAULT_POLICY;
  let policy = defaults;
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
      const built = buildPolicy(parsed, defaults, file.path);
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
    ticketHooks: ticketHookSecrets(env),
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
  if (new URL(url).protocol === 'http:' && !isLoopbackUrl(url)) {
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
  if (org.toLowerCase() === 'system') {
    // A provider session sees and may change every tenant; labbot needs one org VDC. Refused rather than supported, so
    // that a leaked labbot credential is a tenant's problem, never the whole cloud's (README "The VCD account").
    problems.push({
      key: 'VCD_ORG',
      message: 'is the provider (System) organization; labbot does not log in with provider accounts',
      fix:
        'create a user or service account in the tenant org that owns VCD_VDC (role: vApp Author plus edge gateway rights) ' +
        'and set VCD_ORG to that org',
    });
  }
  const tls = vcdTls(env, problems);
  const apiToken = optionValue(env, 'VCD_API_TOKEN');
  const user = optionValue(env, 'VCD_USER');
  const password = optionValue(env, 'VCD_PASSWORD');
  const base = { kind: 'real' as const, url: url.replace(/\/+$/, ''), org, vdc, catalog, ...capture, tls };
  if (apiToken) {
    const auth = tokenAuth(env, apiToken, problems);
    return auth === undefined ? undefined : { ...base, auth };
  }
  if (optionValue(env, 'VCD_API_TOKEN_KIND') === 'service-account') {
    problems.push({
      key: 'VCD_API_TOKEN',
      message: 'VCD_API_TOKEN_KIND is service-account but VCD_API_TOKEN is not set',
      fix: "set VCD_API_TOKEN to the service account's refresh token (shown once when the account is granted)",
    });
    return undefined;
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

const TOKEN_KINDS = ['user', 'service-account'] as const;

/** The API token login: a user token, or a service account's rotating refresh token with the key that seals it. */
function tokenAuth(env: Env, apiToken: string, problems: ConfigProblem[]): VcdAuthConfig | undefined {
  const kind = optionValue(env, 'VCD_API_TOKEN_KIND') ?? 'user';
  if (kind === 'user') {
    return { kind: 'token', tokenKind: 'user', apiToken: secret(apiToken) };
  }
  if (kind !== 'service-account') {
    problems.push({
      key: 'VCD_API_TOKEN_KIND',
      message: `"${kind}" is not a token kind`,
      fix: `use one of ${TOKEN_KINDS.join(', ')}`,
    });
    return undefined;
  }
  const key = optionValue(env, 'LABBOT_SECRET_KEY');
  if (key === undefined || decodeSecretKey(key) === undefined) {
    problems.push({
      key: 'LABBOT_SECRET_KEY',
      message:
        key === undefined
          ? 'is required with VCD_API_TOKEN_KIND=service-account: the rotated token is stored encrypted'
          : 'is not 32 bytes as base64 or 64 hex digits',
      fix: 'generate one with `openssl rand -base64 32` and give every replica (and labbot doctor) the same value',
    });
    return undefined;
  }
  return { kind: 'token', tokenKind: 'service-account', apiToken: secret(apiToken), secretKey: secret(key) };
}

/**
 * The 32-byte AES key in LABBOT_SECRET_KEY (64 hex digits, or base64/base64url of 32 bytes); undefined when it is
 * neither. A passphrase is refused rather than stretched: the key must be random to protect a token at rest.
 */
export function decodeSecretKey(text: string): Buffer | undefined {
  if (/^[0-9a-f]{64}$/i.test(text)) {
    return Buffer.from(text, 'hex');
  }
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(text)) {
    const bytes = Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    return bytes.length === 32 ? bytes : undefined;
  }
  return undefined;
}

function vcdTls(env: Env, problems: ConfigProblem[]): VcdTlsConfig {
  const caFile = optionValue(env, 'VCD_CA_FILE');
  const insecureText = (optionValue(env, 'VCD_INSECURE_TLS') ?? 'false').toLowerCase();
  if (insecureText !== 'true' && insecureText !== 'false') {
    problems.push({
      key: 'VCD_INSECURE_TLS',
      message: `"${insecureText}" is neither true nor false`,
      fix: 'unset it (certificates are verified), or set VCD_CA_FILE to trust a private CA',
    });
  }
  const insecure = insecureText === 'true';
  if (insecure && caFile !== undefined) {
    problems.push({
      key: 'VCD_INSECURE_TLS',
      message: 'is true while VCD_CA_FILE is set; the CA file would be ignored',
      fix: 'unset VCD_INSECURE_TLS: with VCD_CA_FILE the certificate is verified against that CA',
    });
  }
  return { ...(caFile !== undefined ? { caFile } : {}), insecure };
}

/**
 * The built-in policy matches the embedded simulator: its edge and public addresses exist only there. Against a real
 * VCD nothing of the simulator is assumed: no edge; the built-in templates keep their network blocks only when
 * labbot.yml names an edge (otherwise they deploy without labbot networking).
 */
function realVcdDefaults(file: PolicyFile | undefined): LabPolicy {
  const { edge: _simulatorEdge, ...rest } = DEFAULT_POLICY;
  if (file !== undefined && namesEdge(file.text)) {
    return rest;
  }
  return { ...rest, templates: rest.templates.map(({ network: _simulatorNetwork, ...t }) => t) };
}

function namesEdge(text: string): boolean {
  try {
    const parsed: unknown = parseYaml(text);
    return (
      typeof parsed === 'object' &&
      parsed !== null &&
      (parsed as Record<string, unknown>).edge !== undefined &&
      (parsed as Record<string, unknown>).edge !== null
    );
  } catch {
    return false;
  }
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

/**
 * True when the URL's host is a loopback address: 127.0.0.0/8 or ::1 as the URL parser normalizes them (so `127.1`,
 * `0x7f.0.0.1` and `[::ffff:127.0.0.1]` count, `127.evil.example` does not), or `localhost` (RFC 6761 reserves it
 * for loopback).
 */
export function isLoopbackUrl(value: string): boolean {
  const host = new URL(value).hostname.toLowerCase();
  if (host === 'localhost') {
    return true;
  }
  if (isIPv4(host)) {
    return host.startsWith('127.');
  }
  const v6 = host.replace(/^\[|\]$/g, '');
  if (!isIPv6(v6)) {
    return false;
  }
  // The parser writes an IPv4-mapped loopback as ::ffff:7fxx:xxxx.
  return v6 === '::1' || /^::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}$/.test(v6);
}

/** The ticket webhook secrets that are set (an empty value counts as unset, as for every option). */
function ticketHookSecrets(env: NodeJS.ProcessEnv): Config['ticketHooks'] {
  const jira = optionValue(env, 'LABBOT_JIRA_WEBHOOK_SECRET');
  const zendesk = optionValue(env, 'LABBOT_ZENDESK_WEBHOOK_SECRET');
  return {
    ...(jira !== undefined ? { jira: secret(jira) } : {}),
    ...(zendesk !== undefined ? { zendesk: secret(zendesk) } : {}),
  };
}

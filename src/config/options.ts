/**
 * The declarative table of every environment variable labbot reads (DESIGN.md section 3). It drives parsing,
 * validation messages, redaction and the README's table.
 */
export interface EnvOption {
  name: string;
  description: string;
  /** Shown instead of the value in logs. */
  secret: boolean;
  default?: string;
}

export const ENV_OPTIONS: readonly EnvOption[] = [
  {
    name: 'SLACK_BOT_TOKEN',
    description:
      'Bot token (xoxb-…). With SLACK_APP_TOKEN: Socket Mode; with SLACK_SIGNING_SECRET: HTTP mode. Neither: local shell.',
    secret: true,
  },
  { name: 'SLACK_APP_TOKEN', description: 'App-level token (xapp-…) for Socket Mode.', secret: true },
  {
    name: 'SLACK_SIGNING_SECRET',
    description: 'Signing secret for HTTP mode; Slack posts to /slack/events.',
    secret: true,
  },
  {
    name: 'SLACK_API_URL',
    description: 'Slack Web API base URL (tests point it at a local fake).',
    secret: false,
  },
  {
    name: 'PORT',
    description: 'HTTP port for /slack/events, /healthz, /readyz, /metrics.',
    secret: false,
    default: '3000',
  },
  {
    name: 'LABBOT_USER',
    description: 'Acting Slack user id in the local shell.',
    secret: false,
    default: 'U_LOCAL',
  },
  {
    name: 'VCD_URL',
    description: 'Base URL of a real VMware Cloud Director. Unset: the embedded simulator runs in-process.',
    secret: false,
  },
  { name: 'VCD_ORG', description: 'VCD organization (tenant) name.', secret: false, default: 'lab' },
  {
    name: 'VCD_VDC',
    description: 'Organization VDC that labs are deployed into.',
    secret: false,
    default: 'lab-vdc',
  },
  { name: 'VCD_CATALOG', description: 'Catalog holding the lab templates.', secret: false, default: 'labs' },
  {
    name: 'VCD_CAPTURE_CATALOG',
    description:
      'Catalog `/lab capture` saves labs to as templates (labs deploy from there too); unset: VCD_CATALOG.',
    secret: false,
  },
  {
    name: 'VCD_API_TOKEN',
    description:
      'VCD API token (preferred login, VCD 10.3.1+): a user API token, or a service account refresh token (see VCD_API_TOKEN_KIND).',
    secret: true,
  },
  {
    name: 'VCD_API_TOKEN_KIND',
    description:
      '`user` (a user API token, reusable) or `service-account` (single-use refresh token that VCD rotates at each login; labbot keeps the current one in the store, encrypted with LABBOT_SECRET_KEY).',
    secret: false,
    default: 'user',
  },
  {
    name: 'LABBOT_SECRET_KEY',
    description:
      'Key that encrypts the stored service-account token (AES-256-GCM): 32 bytes as base64 or 64 hex digits (`openssl rand -base64 32`). The same on every replica.',
    secret: true,
  },
  {
    name: 'VCD_CA_FILE',
    description:
      "PEM file of CA certificates to trust for VCD_URL, added to Node's default CAs (for a VCD with a private or self-signed CA).",
    secret: false,
  },
  {
    name: 'VCD_INSECURE_TLS',
    description:
      '`true` turns off certificate verification for VCD_URL (anyone on the path can read the credentials); labbot warns at every start. Prefer VCD_CA_FILE.',
    secret: false,
    default: 'false',
  },
  {
    name: 'VCD_USER',
    description: 'VCD user name (with VCD_PASSWORD) when no API token is set.',
    secret: false,
  },
  { name: 'VCD_PASSWORD', description: 'Password of VCD_USER.', secret: true },
  {
    name: 'DATABASE_URL',
    description: 'postgres://… for PostgreSQL; unset: SQLite in LABBOT_DATA_DIR.',
    secret: true,
  },
  {
    name: 'LABBOT_DATA_DIR',
    description: 'Folder of the SQLite database.',
    secret: false,
    default: './data',
  },
  {
    name: 'LABBOT_CONFIG',
    description: 'YAML file of templates, kinds, rates, admins.',
    secret: false,
    default: './labbot.yml',
  },
  {
    name: 'LABBOT_PUBLIC_URL',
    description: 'Public base URL of this bot, for the in-lab keep-alive URLs (https unless on loopback).',
    secret: false,
  },
  {
    name: 'LABBOT_JIRA_WEBHOOK_SECRET',
    description:
      'Secret of the Jira webhook that calls POST /hooks/tickets (HMAC X-Hub-Signature); unset: Jira webhooks are refused.',
    secret: true,
  },
  {
    name: 'LABBOT_ZENDESK_WEBHOOK_SECRET',
    description:
      'Signing secret of the Zendesk webhook that calls POST /hooks/tickets; unset: Zendesk webhooks are refused.',
    secret: true,
  },
  {
    name: 'LABBOT_REPLICA_ID',
    description: 'Name of this replica in lab claims (stable across restarts); default the host name.',
    secret: false,
  },
  {
    name: 'LABBOT_SLACK_TEAMS',
    description:
      "Slack workspaces (T…) and Enterprise Grid orgs (E…) whose requests labbot serves, comma-separated; unset: the bot token's own workspace (auth.test).",
    secret: false,
  },
  {
    name: 'LABBOT_SLACK_ALLOW_GUESTS',
    description: 'true: guests (multi- and single-channel) may use labbot; default false.',
    secret: false,
    default: 'false',
  },
  {
    name: 'LABBOT_SLACK_ALLOW_EXTERNAL',
    description:
      'true: Slack Connect users of other organisations may use labbot in shared channels; default false.',
    secret: false,
    default: 'false',
  },
  {
    name: 'LABBOT_METRICS_TOKEN',
    description: 'When set, /metrics answers only requests with `Authorization: Bearer <token>`.',
    secret: true,
  },
  {
    name: 'LABBOT_METRICS_PORT',
    description: 'When set, /metrics is served on this port (on LABBOT_METRICS_HOST) and not on PORT.',
    secret: false,
  },
  {
    name: 'LABBOT_METRICS_HOST',
    description: 'Interface of LABBOT_METRICS_PORT.',
    secret: false,
    default: '127.0.0.1',
  },
  {
    name: 'LOG_LEVEL',
    description: 'trace, debug, info, warn, error, fatal or silent.',
    secret: false,
    default: 'info',
  },
];

/** Reads one option: the environment's value when set and non-blank, else its default. */
export function optionValue(
  env: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const raw = env[name];
  if (raw !== undefined && raw.trim() !== '') {
    return raw.trim();
  }
  return ENV_OPTIONS.find((o) => o.name === name)?.default;
}

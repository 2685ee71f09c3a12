import { type LabPolicy } from '../labs/policy';

/** A secret value; `String(secret)` and JSON never reveal it (see redact.ts). */
export interface Secret {
  readonly reveal: () => string;
  /** Always `*** REDACTED ***`. */
  toString(): string;
  toJSON(): string;
}

export type SlackMode =
  | { kind: 'shell'; user: string }
  | { kind: 'http'; botToken: Secret; signingSecret: Secret; port: number; apiUrl?: string }
  | { kind: 'socket'; botToken: Secret; appToken: Secret; port: number; apiUrl?: string };

export type VcdTarget =
  | { kind: 'simulated'; org: string; vdc: string; catalog: string; captureCatalog?: string }
  | {
      kind: 'real';
      url: string;
      org: string;
      vdc: string;
      catalog: string;
      /** Where `/lab capture` puts templates (VCD_CAPTURE_CATALOG); absent: `catalog`. */
      captureCatalog?: string;
      auth: VcdAuthConfig;
      tls: VcdTlsConfig;
    };

/**
 * How labbot logs in to a real VCD. A user API token is reusable; a service account's refresh token is single-use and
 * VCD answers each exchange with the next one, which labbot keeps in the store, encrypted with `secretKey`.
 */
export type VcdAuthConfig =
  | { kind: 'token'; tokenKind: 'user'; apiToken: Secret }
  | { kind: 'token'; tokenKind: 'service-account'; apiToken: Secret; secretKey: Secret }
  | { kind: 'password'; user: string; password: Secret };

/** TLS to a real VCD: extra trusted CAs (a PEM file, beside Node's defaults), or no verification at all (insecure). */
export interface VcdTlsConfig {
  caFile?: string;
  insecure: boolean;
}

export type DatabaseTarget = { kind: 'sqlite'; dataDir: string } | { kind: 'postgres'; url: Secret };

/** Who may use labbot through Slack (issue 14 item 4). */
export interface SlackTrust {
  /** Workspace (T…) and Enterprise Grid (E…) ids served; absent: the bot token's own workspace (auth.test). */
  teams?: string[];
  /** Guests (restricted and ultra-restricted users) may use labbot. */
  allowGuests: boolean;
  /** Slack Connect users of other organisations may use labbot. */
  allowExternal: boolean;
}

/** How `/metrics` is served: behind a bearer token, and/or on a port of its own. */
export interface MetricsEndpoint {
  token?: Secret;
  port?: number;
  host?: string;
}

/** Everything labbot needs to start, validated. */
export interface Config {
  slack: SlackMode;
  vcd: VcdTarget;
  database: DatabaseTarget;
  logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';
  /** Public base URL of labbot's HTTP endpoints, when it has one (keep-alive URLs). */
  publicUrl?: string;
  /** Claim holder id of this replica (LABBOT_REPLICA_ID); the host name when unset. */
  replicaId?: string;
  slackTrust: SlackTrust;
  metrics: MetricsEndpoint;
  /** Ticket webhook secrets (`POST /hooks/tickets`, issue 19); a source without one is refused. */
  ticketHooks: { jira?: Secret; zendesk?: Secret };
  /** Where labbot.yml came from, or 'built-in'. */
  policySource: string;
  policy: LabPolicy;
}

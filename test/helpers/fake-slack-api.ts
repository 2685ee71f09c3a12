/**
 * A fake Slack: a node:http server on 127.0.0.1 that answers the Web API methods labbot calls and records every
 * call, plus a catch-all for `response_url` posts. Point Bolt's `clientOptions.slackApiUrl` (SLACK_API_URL) at
 * `apiUrl`, and slash-command `response_url`s at `responseUrl()`.
 *
 * Failures are scripted per method: `fail('chat.postMessage', { error: 'not_in_channel' })` answers
 * `{ ok: false, error }` once; `{ status: 429, retryAfter: 0 }` answers a rate limit. Tests wait for calls with
 * `waitFor()` (event driven, no polling or sleeps).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';

export interface RecordedCall {
  /** Web API method (`chat.postMessage`), or `response_url` for posts to a response URL. */
  method: string;
  path: string;
  /** Form or JSON body; JSON-encoded form fields (blocks, view, …) are decoded. */
  body: Record<string, unknown>;
  headers: IncomingHttpHeaders;
}

export type ScriptedFailure =
  | { error: string; status?: never; retryAfter?: never }
  | { status: 429; retryAfter: number; error?: never }
  | { status: number; error?: never; retryAfter?: never };

interface Script {
  method: string;
  failure: ScriptedFailure;
  times: number;
  when?: (body: Record<string, unknown>) => boolean;
}

interface Waiter {
  method: string;
  count: number;
  resolve: (call: RecordedCall) => void;
}

/** Form fields Slack's clients send as JSON strings. */
const JSON_FIELDS = new Set(['blocks', 'attachments', 'view', 'metadata', 'files']);

export class FakeSlackApi {
  readonly calls: RecordedCall[] = [];
  /** Members of each user group, as `usergroups.users.list` answers them (unknown groups: `no_such_subteam`). */
  readonly userGroups: Record<string, string[]> = {};
  /**
   * What users.info adds to its default member (team T0FAKE, UTC+1, not a guest) per user id, e.g. `{ is_bot: true }`,
   * `{ is_restricted: true }` for a guest, `{ team_id: 'T0OTHER' }` for a Slack Connect user; `null`: Slack knows no such
   * user (`user_not_found`).
   */
  readonly users: Record<string, Record<string, unknown> | null> = {};
  /** What `apps.connections.open` answers as the Socket Mode WebSocket URL (a local fake socket server). */
  socketModeUrl: string | undefined;
  private readonly scripts: Script[] = [];
  private readonly waiters: Waiter[] = [];
  private tsCounter = 0;

  private readonly server: Server;
  private listeningPort = 0;

  private constructor() {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const answer = this.handle(request.url ?? '/', request.headers, raw);
        response.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
        response.end(JSON.stringify(answer.body));
      });
    });
  }

  /** Starts the fake on an ephemeral loopback port. */
  static async start(): Promise<FakeSlackApi> {
    const fake = new FakeSlackApi();
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.listeningPort = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** Base URL for `slackApiUrl`, with the trailing slash web-api expects. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api/`;
  }

  /** A response_url that lands in this fake (recorded with method `response_url`). */
  responseUrl(id = 'T1/1/abc'): string {
    return `http://127.0.0.1:${this.port}/commands/${id}`;
  }

  /** Scripts the next `times` calls of `method` (optionally only those whose body matches `when`) to fail. */
  fail(
    method: string,
    failure: ScriptedFailure,
    options: { times?: number; when?: Script['when'] } = {},
  ): void {
    this.scripts.push({
      method,
      failure,
      times: options.times ?? 1,
      ...(options.when ? { when: options.when } : {}),
    });
  }

  /** Recorded calls of one method, in order. */
  callsTo(method: string): RecordedCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Resolves with the `count`-th call of `method` (1-based), now or when it arrives. */
  waitFor(method: string, count = 1): Promise<RecordedCall> {
    const existing = this.callsTo(method)[count - 1];
    if (existing) {
      return Promise.resolve(existing);
    }
    return new Promise((resolve) => this.waiters.push({ method, count, resolve }));
  }

  /** Forgets recorded calls, scripts and pending waiters, and restarts message timestamps. */
  reset(): void {
    this.calls.length = 0;
    this.scripts.length = 0;
    this.waiters.length = 0;
    this.tsCounter = 0;
    for (const group of Object.keys(this.userGroups)) {
      delete this.userGroups[group];
    }
    for (const user of Object.keys(this.users)) {
      delete this.users[user];
    }
  }

  /** Same as stop(). */
  close(): Promise<void> {
    return this.stop();
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) =>
      this.server.close((error) => (error ? reject(error) : resolve())),
    );
  }

  private handle(
    url: string,
    headers: IncomingHttpHeaders,
    raw: string,
  ): { status: number; body: unknown; headers?: Record<string, string> } {
    const path = new URL(url, 'http://127.0.0.1').pathname;
    const method = path.startsWith('/api/')
      ? path.slice('/api/'.length)
      : path.startsWith('/upload/')
        ? 'file_upload'
        : 'response_url';
    // The bytes of a file upload are the file, not form fields: kept as they came, under `content`.
    const body = method === 'file_upload' ? { content: raw } : parseBody(headers['content-type'], raw);
    const call: RecordedCall = { method, path, body, headers };
    this.calls.push(call);
    this.notify(call);

    const script = this.scripts.find((s) => s.method === method && s.times > 0 && (s.when?.(body) ?? true));
    if (script) {
      script.times -= 1;
      const { failure } = script;
      if (failure.error !== undefined) {
        return { status: 200, body: { ok: false, error: failure.error } };
      }
      if (failure.retryAfter !== undefined) {
        return {
          status: 429,
          body: { ok: false, error: 'ratelimited' },
          headers: { 'retry-after': String(failure.retryAfter) },
        };
      }
      return { status: failure.status ?? 500, body: { ok: false, error: 'internal_error' } };
    }
    return { status: 200, body: this.answer(method, body) };
  }

  private notify(call: RecordedCall): void {
    const count = this.callsTo(call.method).length;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      const waiter = this.waiters[i];
      if (waiter && waiter.method === call.method && waiter.count === count) {
        this.waiters.splice(i, 1);
        waiter.resolve(call);
      }
    }
  }

  private nextTs(): string {
    this.tsCounter += 1;
    return `1700000000.${String(this.tsCounter).padStart(6, '0')}`;
  }

  private answer(method: string, body: Record<string, unknown>): Record<string, unknown> {
    const channel = typeof body.channel === 'string' ? body.channel : undefined;
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: 'https://fake.slack.test/',
          team: 'Fake',
          user: 'labbot',
          team_id: 'T0FAKE',
          user_id: 'U0BOT',
          bot_id: 'B0BOT',
        };
      case 'chat.postMessage': {
        // Posting to a user id opens the app's DM with them; Slack answers with the DM channel id.
        const answered = channel !== undefined && /^[UW]/.test(channel) ? `D${channel.slice(1)}` : channel;
        const ts = this.nextTs();
        return { ok: true, channel: answered, ts, message: { ts, text: body.text } };
      }
      case 'chat.update':
        return { ok: true, channel, ts: body.ts, text: body.text };
      case 'chat.delete':
        return { ok: true, channel, ts: body.ts };
      case 'chat.postEphemeral':
        return { ok: true, message_ts: this.nextTs() };
      case 'conversations.open': {
        const users = typeof body.users === 'string' ? body.users : 'U0';
        return { ok: true, channel: { id: `D${users.split(',')[0]?.slice(1) ?? '0'}` } };
      }
      case 'views.publish':
        return { ok: true, view: { id: 'V0FAKE', type: 'home' } };
      case 'views.open':
        return { ok: true, view: { id: 'V0MODAL', type: 'modal' } };
      case 'usergroups.users.list': {
        const group = typeof body.usergroup === 'string' ? body.usergroup : '';
        const users = this.userGroups[group];
        return users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' };
      }
      case 'users.info': {
        const id = typeof body.user === 'string' ? body.user : 'U0';
        const overrides = this.users[id];
        if (overrides === null) {
          return { ok: false, error: 'user_not_found' };
        }
        // Everyone is in UTC+1 here, so a test can tell a time zone was applied.
        return {
          ok: true,
          user: {
            id,
            team_id: 'T0FAKE',
            tz_offset: 3600,
            is_restricted: false,
            is_ultra_restricted: false,
            ...overrides,
          },
        };
      }
      case 'apps.connections.open':
        return this.socketModeUrl !== undefined
          ? { ok: true, url: this.socketModeUrl }
          : { ok: false, error: 'invalid_auth' };
      case 'files.getUploadURLExternal': {
        // Slack's upload URL is on another host (files.slack.com); here it is this fake, recorded as `file_upload`.
        const id = `F0FILE${this.calls.filter((c) => c.method === method).length}`;
        return { ok: true, upload_url: `http://127.0.0.1:${this.port}/upload/${id}`, file_id: id };
      }
      case 'files.completeUploadExternal': {
        const files = Array.isArray(body.files) ? (body.files as { id?: string; title?: string }[]) : [];
        return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
      }
      case 'file_upload':
        return { ok: true };
      case 'response_url':
        return { ok: true };
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }
}

function parseBody(contentType: string | undefined, raw: string): Record<string, unknown> {
  if (raw.length === 0) {
    return {};
  }
  if (contentType?.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : { value: parsed };
  }
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    body[key] = JSON_FIELDS.has(key) ? (JSON.parse(value) as unknown) : value;
  }
  return body;
}

/**
 * The part of Slack's Web API the bot calls, as a narrow interface: Bolt's `WebClient` satisfies it, and tests
 * can hand in anything shaped like it. Keeping it narrow documents which methods (and so which scopes) we use.
 */
import { type types, webApi } from '@slack/bolt';
import { type Logger } from '../labs/ports';
import { BoltLoggerAdapter } from './bolt-logger';

type KnownBlock = types.KnownBlock;

/** What every Web API answer carries; `ok: false` answers arrive as thrown errors, never as values. */
export interface SlackApiResult {
  ok?: boolean;
  error?: string;
}

/**
 * Slack Web API methods labbot uses. Each method rejects with the Web API's error (see {@link slackErrorCode}) when
 * Slack answers `ok: false`, on HTTP failures, and after retries run out.
 */
export interface SlackWebClient {
  readonly chat: {
    postMessage(args: {
      channel: string;
      text: string;
      blocks?: KnownBlock[];
      unfurl_links?: boolean;
      unfurl_media?: boolean;
    }): Promise<SlackApiResult & { channel?: string; ts?: string }>;
    update(args: {
      channel: string;
      ts: string;
      text: string;
      blocks?: KnownBlock[];
    }): Promise<SlackApiResult & { channel?: string; ts?: string }>;
    postEphemeral(args: {
      channel: string;
      user: string;
      text: string;
      blocks?: KnownBlock[];
    }): Promise<SlackApiResult & { message_ts?: string }>;
    /** Deletes one of the app's own messages (scope `chat:write`); optional so that test doubles need not have it. */
    delete?(args: { channel: string; ts: string }): Promise<SlackApiResult>;
  };
  readonly views: {
    /** Opens a modal; `trigger_id` is single-use and valid for 3 s after the interaction. */
    open(args: { trigger_id: string; view: types.ModalView }): Promise<SlackApiResult>;
    /** Sets a user's Home tab. */
    publish(args: { user_id: string; view: types.HomeView }): Promise<SlackApiResult>;
  };
  /** Optional so that test doubles of the other methods need not have it; Bolt's client does. */
  readonly conversations?: {
    /**
     * One page of a conversation's member ids (scopes `channels:read`, `groups:read`); `response_metadata.next_cursor`
     * is empty on the last page.
     */
    members(args: {
      channel: string;
      cursor?: string;
      limit?: number;
    }): Promise<SlackApiResult & { members?: string[]; response_metadata?: { next_cursor?: string } }>;
    /** The app's DM with a user (scope `im:write`), to share a file there: file uploads need a conversation id. */
    open(args: { users: string }): Promise<SlackApiResult & { channel?: { id?: string } }>;
  };
  readonly usergroups: {
    readonly users: {
      /** Members of a user group (scope `usergroups:read`). */
      list(args: { usergroup: string }): Promise<SlackApiResult & { users?: string[] }>;
    };
  };
  readonly users: {
    /**
     * A user's profile (scope `users:read`): labbot reads `tz_offset` (seconds from UTC), for hand-offs whether the
     * account is active, human, a guest and of this team, and for the trust check its home workspace and organisation.
     * Rejects with `user_not_found` for an unknown id.
     */
    info(args: { user: string }): Promise<SlackApiResult & { user?: SlackUserInfo }>;
  };
  readonly auth: {
    /** The bot token's identity: its workspace (`team_id`) and, on Enterprise Grid, its organisation. */
    test(): Promise<SlackApiResult & { team_id?: string; enterprise_id?: string; user_id?: string }>;
  };
  readonly files: {
    /** Step 1 of an upload (scope `files:write`): where to POST the bytes, and the file's id. */
    getUploadURLExternal(args: {
      filename: string;
      length: number;
    }): Promise<SlackApiResult & { upload_url?: string; file_id?: string }>;
    /** Step 3: finishes the upload and shares the file in `channel_id` (private to the uploader without it). */
    completeUploadExternal(args: {
      files: [{ id: string; title?: string }];
      channel_id?: string;
      initial_comment?: string;
    }): Promise<SlackApiResult>;
  };
}

/** The fields of a users.info `user` object that labbot reads. */
export interface SlackUserInfo {
  id?: string;
  team_id?: string;
  tz_offset?: number;
  /** IANA time zone, e.g. `Europe/Paris` (scheduled labs read times in it). */
  tz?: string;
  deleted?: boolean;
  is_bot?: boolean;
  is_app_user?: boolean;
  /** Multi-channel guest. */
  is_restricted?: boolean;
  /** Single-channel guest. */
  is_ultra_restricted?: boolean;
  /** A user of another organisation met through Slack Connect. */
  is_stranger?: boolean;
  enterprise_user?: { enterprise_id?: string };
}

/**
 * Slack's error code (`not_in_channel`, `channel_not_found`, `ratelimited`, …) of a failed Web API call, or
 * undefined when the failure was not an `ok: false` answer (network, HTTP status, timeout).
 * Never throws.
 */
export function slackErrorCode(error: unknown): string | undefined {
  if (error instanceof webApi.WebAPIPlatformError) {
    return error.data.error;
  }
  // Test doubles and other clients throw plain errors carrying the same `data.error` shape.
  if (typeof error === 'object' && error !== null && 'data' in error) {
    const data: unknown = error.data;
    if (typeof data === 'object' && data !== null && 'error' in data && typeof data.error === 'string') {
      return data.error;
    }
  }
  return undefined;
}

/** How the Web API client retries failed calls (network errors, non-200s, 429 after its Retry-After). */
export interface SlackRetryPolicy {
  /** Attempts after the first. */
  retries: number;
  /** First backoff delay. */
  minTimeoutMs?: number;
  /** Largest backoff delay. */
  maxTimeoutMs?: number;
  factor?: number;
}

/**
 * The default policy: 5 retries spread over about five minutes (web-api's `fiveRetriesInFiveMinutes`). Bounded
 * because a message that cannot be delivered in five minutes is stale; web-api's own default keeps a call
 * pending for half an hour.
 */
export const DEFAULT_SLACK_RETRY_POLICY: SlackRetryPolicy = {
  retries: webApi.retryPolicies.fiveRetriesInFiveMinutes.retries ?? 5,
  factor: webApi.retryPolicies.fiveRetriesInFiveMinutes.factor ?? 3.86,
};

/** Our retry policy in node-retry's terms, which web-api's `retryConfig` takes. Never throws. */
export function toRetryConfig(policy: SlackRetryPolicy): webApi.RetryOptions {
  return {
    retries: policy.retries,
    ...(policy.factor !== undefined ? { factor: policy.factor } : {}),
    ...(policy.minTimeoutMs !== undefined ? { minTimeout: policy.minTimeoutMs } : {}),
    ...(policy.maxTimeoutMs !== undefined ? { maxTimeout: policy.maxTimeoutMs } : {}),
  };
}

export interface SlackWebClientOptions {
  botToken: string;
  /** SLACK_API_URL; defaults to https://slack.com/api/. */
  apiUrl?: string;
  retry?: SlackRetryPolicy;
  requestTimeoutMs?: number;
}

/**
 * The web-api client options labbot uses everywhere: bounded retries, 429s waited out per Retry-After (not
 * rejected), and a per-request timeout so that a hung connection is retried instead of hanging a caller.
 * Never throws.
 */
export function slackClientOptions(
  options: Omit<SlackWebClientOptions, 'botToken'>,
): webApi.WebClientOptions {
  return {
    ...(options.apiUrl !== undefined ? { slackApiUrl: options.apiUrl } : {}),
    retryConfig: toRetryConfig(options.retry ?? DEFAULT_SLACK_RETRY_POLICY),
    rejectRateLimitedCalls: false,
    timeout: options.requestTimeoutMs ?? 10_000,
  };
}

/**
 * A Web API client outside a Bolt app (for `labbot doctor` and tools); the app's own client is `SlackApp.client`.
 * Makes no call until used. Never throws.
 */
export function createSlackWebClient(options: SlackWebClientOptions & { logger: Logger }): SlackWebClient {
  return new webApi.WebClient(options.botToken, {
    ...slackClientOptions(options),
    logger: new BoltLoggerAdapter(options.logger),
  });
}

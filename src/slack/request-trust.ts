/**
 * Who may use labbot through Slack (issue 14 item 4): requests from other workspaces or Enterprise Grid
 * organisations, guests and Slack Connect users of other organisations are refused before any listener runs, with
 * an ephemeral reason where Slack lets one be shown.
 *
 * The request body says which workspace a request came from; it cannot say reliably whether the person is a guest
 * or from another organisation (slash commands carry neither), so that comes from `users.info`, cached per user.
 * Bolt's own `context.teamId` is no help: with a single bot token it is the token's team, whatever the request says.
 */
import { type Logger, type Sleep } from '../labs/ports';
import { NO_METRICS, tracked, type SlackMetrics } from './slack-metrics';
import { slackErrorCode, type SlackWebClient } from './slack-web-client';

/** Where a request says it came from. */
export interface RequestOrigin {
  teamId?: string;
  enterpriseId?: string;
  userId?: string;
  /** The acting user's own workspace, when the payload names it (interactions do; commands do not). */
  userTeamId?: string;
}

/** What `users.info` says about a person, reduced to what trust needs. */
export interface SlackPerson {
  teamId?: string;
  enterpriseId?: string;
  /** `is_restricted` or `is_ultra_restricted`: a multi- or single-channel guest. */
  guest: boolean;
  /** `is_stranger`: from a workspace the bot's token does not belong to and shares no channel with. */
  stranger: boolean;
  /** `tz` (an IANA zone such as Europe/Paris): scheduled-lab times are read in it. */
  timeZone?: string;
}

export interface TrustPolicy {
  /** Workspace (T…) and Enterprise Grid (E…) ids labbot serves. */
  teams: readonly string[];
  allowGuests: boolean;
  allowExternal: boolean;
}

export type TrustRefusal = 'team' | 'guest' | 'external' | 'unverified';

/** What the person is told, per refusal. None names an id: the person cannot act on one. */
export const REFUSAL_TEXT: Record<TrustRefusal, string> = {
  team: 'labbot serves only the Slack workspace it was installed for; this request came from another workspace or organisation.',
  guest:
    'labbot is not open to guest accounts. Ask a full member of the workspace, or a labbot admin, to deploy the lab for you.',
  external:
    'labbot is not open to people from other organisations (Slack Connect). Ask someone in the workspace that runs labbot.',
  unverified: 'labbot could not check your Slack account just now. Please try again in a minute.',
};

function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * The workspace, organisation and user a Slack request body names: slash commands (`team_id`, `enterprise_id`,
 * `user_id`), interactions (`team.id`, `enterprise.id` or `team.enterprise_id`, `user.id`, `user.team_id`) and
 * Events API callbacks (`team_id`, `enterprise_id`, `event.user`). Pure; never throws.
 */
export function requestOrigin(body: unknown): RequestOrigin {
  const b = record(body) ?? {};
  const team = record(b.team);
  const user = record(b.user);
  const event = record(b.event);
  const teamId = str(b.team_id) ?? str(team?.id);
  const enterpriseId = str(b.enterprise_id) ?? str(record(b.enterprise)?.id) ?? str(team?.enterprise_id);
  const userId = str(b.user_id) ?? str(user?.id) ?? str(event?.user) ?? str(record(event?.user)?.id);
  const userTeamId = str(user?.team_id);
  return {
    ...(teamId !== undefined ? { teamId } : {}),
    ...(enterpriseId !== undefined ? { enterpriseId } : {}),
    ...(userId !== undefined ? { userId } : {}),
    ...(userTeamId !== undefined ? { userTeamId } : {}),
  };
}

function served(policy: TrustPolicy, teamId: string | undefined, enterpriseId: string | undefined): boolean {
  return (
    (teamId !== undefined && policy.teams.includes(teamId)) ||
    (enterpriseId !== undefined && policy.teams.includes(enterpriseId))
  );
}

/**
 * The refusal the request body alone justifies: a workspace or organisation not served (or none named: fails
 * closed), or an acting user whose own workspace is another one. Undefined when the body is acceptable. Pure.
 */
export function judgeOrigin(origin: RequestOrigin, policy: TrustPolicy): TrustRefusal | undefined {
  if (!served(policy, origin.teamId, origin.enterpriseId)) {
    return 'team';
  }
  if (
    !policy.allowExternal &&
    origin.userTeamId !== undefined &&
    !served(policy, origin.userTeamId, origin.enterpriseId)
  ) {
    return 'external';
  }
  return undefined;
}

/** The refusal `users.info` justifies, or undefined. Pure. */
export function judgePerson(person: SlackPerson, policy: TrustPolicy): TrustRefusal | undefined {
  if (!policy.allowExternal && (person.stranger || !served(policy, person.teamId, person.enterpriseId))) {
    return 'external';
  }
  if (!policy.allowGuests && person.guest) {
    return 'guest';
  }
  return undefined;
}

/** The `users.info` answer fields read here (web-api's UsersInfoResponse, narrowed). */
interface UsersInfoUser {
  team_id?: string;
  enterprise_user?: { enterprise_id?: string };
  is_restricted?: boolean;
  is_ultra_restricted?: boolean;
  is_stranger?: boolean;
  tz?: string;
}

/** Reads a `users.info` user. Pure. */
export function slackPerson(user: UsersInfoUser): SlackPerson {
  const enterpriseId = user.enterprise_user?.enterprise_id;
  return {
    ...(user.team_id !== undefined ? { teamId: user.team_id } : {}),
    ...(enterpriseId !== undefined ? { enterpriseId } : {}),
    guest: user.is_restricted === true || user.is_ultra_restricted === true,
    stranger: user.is_stranger === true,
    ...(user.tz !== undefined ? { timeZone: user.tz } : {}),
  };
}

/** People kept in the cache at most (a workspace's members fit; made-up ids do not pile up). */
const MAX_PEOPLE = 10_000;

/** A stale answer is still served (while a refresh runs) up to this many TTLs old. */
const STALE_FACTOR = 4;

export interface TrustCheckOptions {
  client: Pick<SlackWebClient, 'users'>;
  /** The policy, once known (the default team comes from `auth.test` at start); undefined refuses everything. */
  policy: () => TrustPolicy | undefined;
  logger: Logger;
  sleep: Sleep;
  /** How long a person's answer is trusted. Default 5 minutes. */
  ttlMs?: number;
  /**
   * How long a request waits for `users.info` before it is refused as unverified. Default 500 ms: the slash
   * command listener's own 2.5 s ack budget starts after it, and Slack gives up at 3 s.
   */
  lookupBudgetMs?: number;
  /** Milliseconds since the epoch. Default Date.now. */
  clock?: () => number;
  metrics?: SlackMetrics;
}

/** Decides whether a request body may reach labbot's listeners. */
export interface TrustCheck {
  /** The refusal for this request, or undefined when it may go on. Never rejects: failures refuse. */
  check(body: unknown): Promise<TrustRefusal | undefined>;
  /**
   * The person's time zone from the same cached `users.info` answer the check used (no second lookup per command);
   * undefined when Slack does not say or does not answer within the budget.
   */
  timeZoneOf(user: string): Promise<string | undefined>;
}

/**
 * The trust check with a per-user `users.info` cache. A lookup that fails or does not answer within the budget
 * refuses the request as unverified (fail closed); the failure is logged, with the fix for a missing scope.
 * Never throws.
 */
export function createTrustCheck(options: TrustCheckOptions): TrustCheck {
  const ttl = options.ttlMs ?? 5 * 60_000;
  const budget = options.lookupBudgetMs ?? 500;
  const clock = options.clock ?? Date.now;
  const metrics = options.metrics ?? NO_METRICS;
  const people = new Map<string, { person: SlackPerson; at: number }>();
  const inflight = new Map<string, Promise<SlackPerson | undefined>>();

  /** Asks Slack, keeping the answer; undefined (logged) when Slack fails. Never rejects. */
  const fetchPerson = (user: string): Promise<SlackPerson | undefined> =>
    tracked(metrics, 'users.info', () => options.client.users.info({ user })).then(
      (answer) => {
        const person = slackPerson(answer.user ?? {});
        if (people.size >= MAX_PEOPLE) {
          // Bounded: a flood of made-up user ids cannot grow the cache without end.
          people.clear();
        }
        people.set(user, { person, at: clock() });
        return person;
      },
      (error: unknown) => {
        const code = slackErrorCode(error);
        options.logger.warn(
          {
            user,
            code,
            err: error,
            ...(code === 'missing_scope'
              ? { fix: 'add the users:read bot scope and reinstall the app' }
              : {}),
          },
          'Could not look up a Slack user; refusing the request',
        );
        return undefined;
      },
    );

  /**
   * The person, from the cache while it is fresh; a stale entry (up to STALE_FACTOR times the TTL) is served while a
   * refresh runs in the background, so only a person's first request waits for Slack, and that wait is bounded
   * by the budget (the slash command's 3 s ack comes after it). A lookup that misses the budget still fills the
   * cache, so trying again works.
   */
  async function lookup(user: string): Promise<SlackPerson | undefined> {
    const cached = people.get(user);
    const age = cached ? clock() - cached.at : Number.POSITIVE_INFINITY;
    if (cached && age < ttl) {
      return cached.person;
    }
    const call = inflight.get(user) ?? fetchPerson(user).finally(() => inflight.delete(user));
    inflight.set(user, call);
    if (cached && age < ttl * STALE_FACTOR) {
      return cached.person;
    }
    return Promise.race([call, options.sleep(budget).then(() => undefined)]);
  }

  return {
    async check(body) {
      const policy = options.policy();
      if (!policy) {
        return 'unverified';
      }
      const origin = requestOrigin(body);
      const fromBody = judgeOrigin(origin, policy);
      if (fromBody !== undefined) {
        return fromBody;
      }
      if (origin.userId === undefined) {
        // Events about no one (none labbot listens to today) carry no person to check.
        return undefined;
      }
      const person = await lookup(origin.userId);
      return person ? judgePerson(person, policy) : 'unverified';
    },
    async timeZoneOf(user) {
      return (await lookup(user))?.timeZone;
    },
  };
}

import { type Logger } from '../labs/ports';
import { NO_METRICS, tracked, type SlackMetrics } from './slack-metrics';
import { slackErrorCode, type SlackWebClient } from './slack-web-client';

/** Which of the configured user groups a user is in. */
export interface UserGroupResolver {
  /**
   * The configured groups the user belongs to. Answers from the cache when it has one (refreshing it in the
   * background once it is older than the TTL), so only the very first lookup waits for Slack. Never rejects: a
   * group Slack will not list counts as one the user is not in (and is logged with the fix).
   */
  groupsOf(user: string): Promise<string[]>;
  /** Starts filling the cache (at start-up, so the first command does not wait). Never throws. */
  warm(): void;
}

export interface UserGroupResolverOptions {
  client: Pick<SlackWebClient, 'usergroups'>;
  /** The user group ids the deploy allow list names; nothing is looked up when empty. */
  groups: readonly string[];
  logger: Logger;
  /** How long a membership list is fresh. Default 5 minutes. */
  ttlMs?: number;
  /** Milliseconds since the epoch; injected so tests move time. Default Date.now. */
  clock?: () => number;
  metrics?: SlackMetrics;
}

interface Snapshot {
  members: Map<string, ReadonlySet<string>>;
  fetchedAt: number;
}

/**
 * Resolves user group membership with `usergroups.users.list`, one call per configured group, the lists cached
 * for a few minutes (group membership changes rarely, and the lookups would otherwise sit in front of every
 * deploy). A failed refresh keeps the last good list of that group.
 * Never throws.
 */
export function createUserGroupResolver(options: UserGroupResolverOptions): UserGroupResolver {
  const ttl = options.ttlMs ?? 5 * 60_000;
  const clock = options.clock ?? Date.now;
  const metrics = options.metrics ?? NO_METRICS;
  let snapshot: Snapshot | undefined;
  let inflight: Promise<Snapshot> | undefined;

  async function fetchGroup(group: string): Promise<ReadonlySet<string> | undefined> {
    try {
      const result = await tracked(metrics, 'usergroups.users.list', () =>
        options.client.usergroups.users.list({ usergroup: group }),
      );
      return new Set(result.users ?? []);
    } catch (error) {
      const code = slackErrorCode(error);
      options.logger.error(
        {
          group,
          code,
          err: error,
          ...(code === 'missing_scope'
            ? { fix: 'add the usergroups:read bot scope and reinstall the app' }
            : {}),
        },
        'Could not list user group members; treating its members as outside the deploy allow list',
      );
      return undefined;
    }
  }

  function refresh(): Promise<Snapshot> {
    inflight ??= (async () => {
      const lists = await Promise.all(options.groups.map(async (g) => [g, await fetchGroup(g)] as const));
      const members = new Map<string, ReadonlySet<string>>();
      for (const [group, list] of lists) {
        const kept = list ?? snapshot?.members.get(group);
        if (kept) {
          members.set(group, kept);
        }
      }
      snapshot = { members, fetchedAt: clock() };
      return snapshot;
    })().finally(() => {
      inflight = undefined;
    });
    return inflight;
  }

  const groupsIn = (current: Snapshot, user: string): string[] =>
    options.groups.filter((g) => current.members.get(g)?.has(user) ?? false);

  return {
    async groupsOf(user) {
      if (options.groups.length === 0) {
        return [];
      }
      if (snapshot) {
        if (clock() - snapshot.fetchedAt >= ttl) {
          void refresh();
        }
        return groupsIn(snapshot, user);
      }
      return groupsIn(await refresh(), user);
    },
    warm() {
      if (options.groups.length > 0) {
        void refresh();
      }
    },
  };
}

/**
 * The user's groups if the resolver answers within `ms` (it does at once once the cache is warm), else
 * undefined, so that a slow Slack never holds an ack. Never rejects.
 */
export async function groupsWithin(
  resolver: UserGroupResolver,
  user: string,
  sleep: (ms: number) => Promise<void>,
  ms: number,
): Promise<string[] | undefined> {
  return Promise.race([resolver.groupsOf(user), sleep(ms).then(() => undefined)]);
}

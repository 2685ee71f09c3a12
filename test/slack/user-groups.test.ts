import { createUserGroupResolver, groupsWithin } from '../../src/slack/user-groups';
import { recordingLogger } from '../helpers/logger';

/** A usergroups.users.list double whose answers the test sets, recording each call. */
function fakeClient(members: Record<string, string[] | Error>) {
  const calls: string[] = [];
  const pending: (() => void)[] = [];
  let hold = false;
  const client = {
    usergroups: {
      users: {
        list: async ({ usergroup }: { usergroup: string }) => {
          calls.push(usergroup);
          if (hold) {
            await new Promise<void>((resolve) => pending.push(resolve));
          }
          const answer = members[usergroup];
          if (answer instanceof Error) {
            throw answer;
          }
          return { ok: true, users: answer ?? [] };
        },
      },
    },
  };
  return {
    client,
    calls,
    members,
    hold: () => (hold = true),
    release: () => {
      hold = false;
      pending.splice(0).forEach((resolve) => resolve());
    },
  };
}

function missingScope(): Error {
  return Object.assign(new Error('An API error occurred: missing_scope'), {
    data: { error: 'missing_scope' },
  });
}

/** Lets pending promise callbacks and I/O callbacks run (no timer, no wall-clock wait). */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('slack/user-groups', () => {
  let now = 0;
  const clock = () => now;
  beforeEach(() => {
    now = 1_000_000;
  });

  it('looks nothing up when the allow list names no group', async () => {
    const fake = fakeClient({});
    const resolver = createUserGroupResolver({ client: fake.client, groups: [], logger: recordingLogger() });

    resolver.warm();

    expect(await resolver.groupsOf('U1')).toEqual([]);
    expect(fake.calls).toEqual([]);
  });

  it('answers the configured groups a user is in, one call per group, then from the cache', async () => {
    const fake = fakeClient({ S1: ['U1', 'U2'], S2: ['U2'] });
    const resolver = createUserGroupResolver({
      client: fake.client,
      groups: ['S1', 'S2'],
      logger: recordingLogger(),
      clock,
    });

    expect(await resolver.groupsOf('U2')).toEqual(['S1', 'S2']);
    expect(await resolver.groupsOf('U1')).toEqual(['S1']);
    expect(await resolver.groupsOf('U3')).toEqual([]);
    expect(fake.calls).toEqual(['S1', 'S2']);
  });

  it('refreshes after the TTL in the background, answering from the old lists meanwhile', async () => {
    const fake = fakeClient({ S1: ['U1'] });
    const resolver = createUserGroupResolver({
      client: fake.client,
      groups: ['S1'],
      logger: recordingLogger(),
      clock,
      ttlMs: 60_000,
    });
    await resolver.groupsOf('U1');

    now += 60_000;
    fake.members.S1 = ['U2'];
    fake.hold();
    const during = await resolver.groupsOf('U1');
    fake.release();
    await settled();

    expect(during).toEqual(['S1']);
    expect(fake.calls).toEqual(['S1', 'S1']);
    expect(await resolver.groupsOf('U2')).toEqual(['S1']);
    expect(await resolver.groupsOf('U1')).toEqual([]);
  });

  it('treats a group Slack will not list as one nobody is in, and logs the fix for a missing scope', async () => {
    const logger = recordingLogger();
    const fake = fakeClient({ S1: missingScope(), S2: ['U1'] });
    const resolver = createUserGroupResolver({ client: fake.client, groups: ['S1', 'S2'], logger, clock });

    expect(await resolver.groupsOf('U1')).toEqual(['S2']);
    const [entry] = logger.lines.filter((e) => e.level === 'error');
    expect(entry?.fields).toMatchObject({
      group: 'S1',
      code: 'missing_scope',
      fix: 'add the usergroups:read bot scope and reinstall the app',
    });
  });

  it('keeps the last good list of a group whose refresh fails', async () => {
    const fake = fakeClient({ S1: ['U1'] });
    const resolver = createUserGroupResolver({
      client: fake.client,
      groups: ['S1'],
      logger: recordingLogger(),
      clock,
      ttlMs: 1000,
    });
    await resolver.groupsOf('U1');

    now += 1000;
    fake.members.S1 = missingScope();
    await resolver.groupsOf('U1');
    await settled();

    expect(await resolver.groupsOf('U1')).toEqual(['S1']);
  });

  it('gives up waiting for a cold lookup after the given time, so a slow Slack never holds an ack', async () => {
    const fake = fakeClient({ S1: ['U1'] });
    fake.hold();
    const resolver = createUserGroupResolver({
      client: fake.client,
      groups: ['S1'],
      logger: recordingLogger(),
    });

    const answer = await groupsWithin(resolver, 'U1', () => Promise.resolve(), 1000);
    fake.release();

    expect(answer).toBeUndefined();
    expect(await resolver.groupsOf('U1')).toEqual(['S1']);
  });
});

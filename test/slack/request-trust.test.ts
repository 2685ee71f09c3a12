import {
  createTrustCheck,
  judgeOrigin,
  judgePerson,
  requestOrigin,
  type TrustPolicy,
} from '../../src/slack/request-trust';
import { recordingLogger } from '../helpers/logger';

const POLICY: TrustPolicy = { teams: ['T0FAKE'], allowGuests: false, allowExternal: false };

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Lets promise callbacks already queued run (no timer involved). */
const settled = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('slack/request-trust', () => {
  it('reads the workspace, organisation and person of commands, interactions and events', () => {
    expect(requestOrigin({ team_id: 'T1', enterprise_id: 'E1', user_id: 'U1' })).toEqual({
      teamId: 'T1',
      enterpriseId: 'E1',
      userId: 'U1',
    });
    expect(
      requestOrigin({ team: { id: 'T1', enterprise_id: 'E1' }, user: { id: 'U2', team_id: 'T9' } }),
    ).toEqual({ teamId: 'T1', enterpriseId: 'E1', userId: 'U2', userTeamId: 'T9' });
    expect(requestOrigin({ team_id: 'T1', event: { type: 'app_home_opened', user: 'U3' } })).toEqual({
      teamId: 'T1',
      userId: 'U3',
    });
    expect(requestOrigin(null)).toEqual({});
    expect(requestOrigin({ team_id: 42, user: 'not an object' })).toEqual({});
  });

  it('fails closed on a body naming no workspace, and refuses other workspaces and their users', () => {
    expect(judgeOrigin({}, POLICY)).toBe('team');
    expect(judgeOrigin({ teamId: 'T0OTHER' }, POLICY)).toBe('team');
    expect(judgeOrigin({ teamId: 'T0FAKE', userTeamId: 'T0PARTNER' }, POLICY)).toBe('external');
    expect(
      judgeOrigin({ teamId: 'T0FAKE', userTeamId: 'T0PARTNER' }, { ...POLICY, allowExternal: true }),
    ).toBe(undefined);
    expect(
      judgeOrigin({ teamId: 'T0SISTER', enterpriseId: 'E0GRID' }, { ...POLICY, teams: ['E0GRID'] }),
    ).toBe(undefined);
  });

  it('judges a person: other organisations and strangers are external, restricted users guests', () => {
    const member = { teamId: 'T0FAKE', guest: false, stranger: false };
    expect(judgePerson(member, POLICY)).toBeUndefined();
    expect(judgePerson({ ...member, guest: true }, POLICY)).toBe('guest');
    expect(judgePerson({ ...member, guest: true }, { ...POLICY, allowGuests: true })).toBeUndefined();
    expect(judgePerson({ ...member, stranger: true }, POLICY)).toBe('external');
    expect(judgePerson({ ...member, teamId: 'T0PARTNER' }, POLICY)).toBe('external');
    expect(judgePerson({ guest: false, stranger: false }, POLICY)).toBe('external');
  });

  describe('the users.info cache', () => {
    function setup() {
      let now = 0;
      const answers: {
        user: string;
        reply: ReturnType<typeof deferred<{ user: Record<string, unknown> }>>;
      }[] = [];
      const budget = deferred<void>();
      const check = createTrustCheck({
        client: {
          users: {
            info: ({ user }) => {
              const reply = deferred<{ user: Record<string, unknown> }>();
              answers.push({ user, reply });
              return reply.promise;
            },
          },
        },
        policy: () => POLICY,
        logger: recordingLogger(),
        sleep: () => budget.promise,
        clock: () => now,
        ttlMs: 1000,
      });
      const command = { team_id: 'T0FAKE', user_id: 'U1' };
      return { check, answers, budget, command, advance: (ms: number) => (now += ms) };
    }

    it('refuses as unverified when Slack misses the budget, and serves the late answer to the next request', async () => {
      const t = setup();

      const first = t.check.check(t.command);
      t.budget.resolve();
      expect(await first).toBe('unverified');

      t.answers[0]?.reply.resolve({ user: { team_id: 'T0FAKE' } });
      await settled();
      expect(await t.check.check(t.command)).toBeUndefined();
      expect(t.answers).toHaveLength(1);
    });

    it('serves a stale answer while one refresh runs, and uses what the refresh learnt', async () => {
      const t = setup();
      const first = t.check.check(t.command);
      t.answers[0]?.reply.resolve({ user: { team_id: 'T0FAKE' } });
      expect(await first).toBeUndefined();

      t.advance(1500);
      expect(await t.check.check(t.command)).toBeUndefined();
      expect(await t.check.check(t.command)).toBeUndefined();
      expect(t.answers).toHaveLength(2);

      t.answers[1]?.reply.resolve({ user: { team_id: 'T0FAKE', is_restricted: true } });
      await settled();
      expect(await t.check.check(t.command)).toBe('guest');
    });
  });
});

import { directoryUser, SlackUserDirectory } from '../../src/slack/slack-user-directory';
import { type SlackUserInfo } from '../../src/slack/slack-web-client';

/** A Web API error as web-api throws it for `ok: false` answers (slackErrorCode reads `data.error`). */
function platformError(code: string): Error {
  return Object.assign(new Error(`An API error occurred: ${code}`), { data: { ok: false, error: code } });
}

function client(users: Record<string, SlackUserInfo>, team = { team_id: 'T1' }) {
  const calls: string[] = [];
  return {
    calls,
    users: {
      info: ({ user }: { user: string }) => {
        calls.push(`users.info ${user}`);
        const info = users[user];
        return info
          ? Promise.resolve({ ok: true, user: info })
          : Promise.reject(platformError('user_not_found'));
      },
    },
    auth: {
      test: () => {
        calls.push('auth.test');
        return Promise.resolve({ ok: true, ...team });
      },
    },
  };
}

describe('slack/slack-user-directory', () => {
  it.each<[string, SlackUserInfo, Partial<ReturnType<typeof directoryUser>>]>([
    ['a member', { id: 'U2', team_id: 'T1' }, { deleted: false, bot: false, guest: false, inTeam: true }],
    ['a deactivated member', { id: 'U2', team_id: 'T1', deleted: true }, { deleted: true }],
    ['a bot', { id: 'U2', team_id: 'T1', is_bot: true }, { bot: true }],
    ['an app user', { id: 'U2', team_id: 'T1', is_app_user: true }, { bot: true }],
    ['a multi-channel guest', { id: 'U2', team_id: 'T1', is_restricted: true }, { guest: true }],
    ['a single-channel guest', { id: 'U2', team_id: 'T1', is_ultra_restricted: true }, { guest: true }],
    ['a Slack Connect stranger', { id: 'U2', team_id: 'T1', is_stranger: true }, { inTeam: false }],
    ['a user of another workspace', { id: 'U2', team_id: 'T9' }, { inTeam: false }],
  ])('reads %s', (_what, info, expected) => {
    expect(directoryUser('U2', info, { teamId: 'T1' })).toMatchObject({ ...expected, verified: true });
  });

  it('counts a user of another workspace of the same Enterprise Grid organisation as in the team', () => {
    const info = { id: 'W2', team_id: 'T9', enterprise_user: { enterprise_id: 'E1' } };

    expect(directoryUser('W2', info, { teamId: 'T1', enterpriseId: 'E1' }).inTeam).toBe(true);
    expect(directoryUser('W2', info, { teamId: 'T1' }).inTeam).toBe(false);
  });

  it('answers undefined for an unknown user and asks auth.test once', async () => {
    const fake = client({ U2: { id: 'U2', team_id: 'T1' }, U3: { id: 'U3', team_id: 'T1' } });
    const directory = new SlackUserDirectory(fake);

    await expect(directory.lookup('U404')).resolves.toBeUndefined();
    await expect(directory.lookup('U2')).resolves.toMatchObject({ id: 'U2', inTeam: true });
    await expect(directory.lookup('U3')).resolves.toMatchObject({ id: 'U3', inTeam: true });
    expect(fake.calls.filter((c) => c === 'auth.test')).toHaveLength(1);
  });

  it('throws on any other Slack error rather than guessing', async () => {
    const fake = client({});
    fake.users.info = () => Promise.reject(platformError('missing_scope'));

    await expect(new SlackUserDirectory(fake).lookup('U2')).rejects.toThrow('missing_scope');
  });
});

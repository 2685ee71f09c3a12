/**
 * UserDirectory over Slack's `users.info` (scope `users:read`): who may receive a lab. The bot's own workspace (and
 * Enterprise Grid organisation) comes from `auth.test`, asked once; a user is of the team when Slack does not call
 * them a stranger (Slack Connect) and they belong to that workspace or organisation.
 */
import { type DirectoryUser, type UserDirectory } from '../labs/ports';
import { slackErrorCode, type SlackUserInfo, type SlackWebClient } from './slack-web-client';

/** The bot's workspace and organisation, as auth.test reports them. */
interface BotTeam {
  teamId?: string;
  enterpriseId?: string;
}

export class SlackUserDirectory implements UserDirectory {
  private team: Promise<BotTeam> | undefined;

  constructor(
    private readonly client: Pick<SlackWebClient, 'users' | 'auth'> &
      Partial<Pick<SlackWebClient, 'conversations' | 'usergroups'>>,
  ) {}

  /**
   * Every member of a channel (`conversations.members`, followed page by page), for `/lab class … for #channel`.
   * @throws the Web API error (`channel_not_found` when labbot cannot see the channel, a missing scope, …).
   */
  async channelMembers(channel: string): Promise<string[]> {
    const conversations = this.client.conversations;
    if (!conversations) {
      throw new Error('this Slack client cannot read conversation members');
    }
    const members: string[] = [];
    let cursor: string | undefined;
    // Bounded: a channel of 10,000 people is no class, and a cursor that never ends must not loop forever.
    for (let page = 0; page < 50; page++) {
      const answer = await conversations.members({
        channel,
        limit: 200,
        ...(cursor !== undefined ? { cursor } : {}),
      });
      members.push(...(answer.members ?? []));
      cursor = answer.response_metadata?.next_cursor;
      if (cursor === undefined || cursor === '') {
        break;
      }
    }
    return members;
  }

  /**
   * Every member of a user group (`usergroups.users.list`), for `/lab class … for @group`.
   * @throws the Web API error (`no_such_subteam`, a missing scope, …).
   */
  async userGroupMembers(userGroup: string): Promise<string[]> {
    const usergroups = this.client.usergroups;
    if (!usergroups) {
      throw new Error('this Slack client cannot read user groups');
    }
    return (await usergroups.users.list({ usergroup: userGroup })).users ?? [];
  }

  /**
   * The user, or undefined when Slack knows no such id (`user_not_found`, `user_not_visible`).
   * @throws the Web API error for anything else (missing scope, Slack down): no hand-off on a guess.
   */
  async lookup(userId: string): Promise<DirectoryUser | undefined> {
    let info: SlackUserInfo | undefined;
    try {
      info = (await this.client.users.info({ user: userId })).user;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === 'user_not_found' || code === 'user_not_visible') {
        return undefined;
      }
      throw error;
    }
    if (info === undefined) {
      return undefined;
    }
    return directoryUser(userId, info, await this.botTeam());
  }

  private botTeam(): Promise<BotTeam> {
    // Cached once it answered; a failed auth.test is asked again on the next hand-off.
    this.team ??= this.client.auth.test().then(
      (answer) => ({
        ...(answer.team_id !== undefined ? { teamId: answer.team_id } : {}),
        ...(answer.enterprise_id ? { enterpriseId: answer.enterprise_id } : {}),
      }),
      (error: unknown) => {
        this.team = undefined;
        throw error;
      },
    );
    return this.team;
  }
}

/** What users.info says, in the domain's words. Pure. */
export function directoryUser(userId: string, info: SlackUserInfo, team: BotTeam): DirectoryUser {
  const sameWorkspace = team.teamId !== undefined && info.team_id === team.teamId;
  const sameOrganisation =
    team.enterpriseId !== undefined && info.enterprise_user?.enterprise_id === team.enterpriseId;
  return {
    id: info.id ?? userId,
    deleted: info.deleted === true,
    // Workflow and app users answer is_bot or is_app_user; USLACKBOT answers neither but is no person either.
    bot: info.is_bot === true || info.is_app_user === true || userId === 'USLACKBOT',
    guest: info.is_restricted === true || info.is_ultra_restricted === true,
    inTeam: info.is_stranger !== true && (sameWorkspace || sameOrganisation),
    verified: true,
  };
}

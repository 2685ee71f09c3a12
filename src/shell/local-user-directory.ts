/**
 * UserDirectory of the local shell, which has no Slack to ask: it accepts any Slack-shaped user id (the parser has
 * checked the shape) as an active, human member of the team, and says so honestly: `verified: false`, which the
 * hand-off records in the audit log ("receiver not checked"). Never used with Slack, where SlackUserDirectory asks
 * users.info.
 */
import { type DirectoryUser, type UserDirectory } from '../labs/ports';

export class LocalUserDirectory implements UserDirectory {
  lookup(userId: string): Promise<DirectoryUser | undefined> {
    return Promise.resolve({
      id: userId,
      deleted: false,
      bot: false,
      guest: false,
      inTeam: true,
      verified: false,
    });
  }
}

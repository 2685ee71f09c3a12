/** Who may receive a lab (`/lab handoff`), as a pure rule over what the user directory says. */
import { type DirectoryUser } from './ports';

/**
 * Why `userId` cannot receive a lab, in words for the person handing it off; undefined when they can. A lab goes
 * only to an active, human member of the team: a bot, a deactivated account, a guest or an outsider would hold a
 * lab (and its bill) nobody in the team can act on.
 */
export function handoffRefusal(userId: string, user: DirectoryUser | undefined): string | undefined {
  const who = `<@${userId}>`;
  if (user === undefined) {
    return `There is no Slack user ${who} in this workspace; mention the new owner with @.`;
  }
  if (user.deleted) {
    return `${who} is deactivated; hand the lab to an active member of the team.`;
  }
  if (user.bot) {
    return `${who} is a bot or app; labs go to people.`;
  }
  if (!user.inTeam) {
    return `${who} is not a member of this workspace (an external user); labs stay within the team.`;
  }
  if (user.guest) {
    return `${who} is a guest of this workspace; labs go to full members.`;
  }
  return undefined;
}

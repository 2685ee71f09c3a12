import { type DirectoryUser, type UserDirectory } from '../../src/labs/ports';

/** An active, human, full member of the team, as a directory would answer. */
export function person(id: string, overrides: Partial<DirectoryUser> = {}): DirectoryUser {
  return { id, deleted: false, bot: false, guest: false, inTeam: true, verified: true, ...overrides };
}

/** A directory in which every id is an active member of the team (for tests about something else). */
export const EVERYONE: UserDirectory = { lookup: (id) => Promise.resolve(person(id)) };

/** A directory that knows exactly these users. */
export function directoryOf(users: readonly DirectoryUser[]): UserDirectory {
  return { lookup: (id) => Promise.resolve(users.find((u) => u.id === id)) };
}

/** A directory where everyone is a member, with these channel and user group memberships. */
export function directoryWithGroups(
  channels: Record<string, string[]>,
  groups: Record<string, string[]> = {},
): UserDirectory {
  const members = (table: Record<string, string[]>, id: string): Promise<string[]> => {
    const found = table[id];
    return found ? Promise.resolve(found) : Promise.reject(new Error(`unknown ${id}`));
  };
  return {
    lookup: (id) => Promise.resolve(person(id)),
    channelMembers: (channel) => members(channels, channel),
    userGroupMembers: (group) => members(groups, group),
  };
}

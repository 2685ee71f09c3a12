import { type Reply } from './reply';

/** Who ran a command, and where. */
export interface CommandContext {
  /** Slack user id (or LABBOT_USER in the local shell). */
  user: string;
  /** Conversation the command came from; lab messages go there. */
  channel?: string;
  /** Slack user groups the user belongs to, when the transport knows them (deploy allow lists use them). */
  userGroups?: string[];
  /** The user's offset from UTC in minutes, when known ("keep until tomorrow 9:00" means their 9:00). */
  utcOffsetMinutes?: number;
  /** The user's IANA time zone (Slack's `tz`), when known: `at 14:00` means their 14:00. */
  timeZone?: string;
}

/**
 * Runs one `/lab …` command text and answers with a Reply. Never throws: failures become error replies
 * (a UserError verbatim, anything else "something went wrong (ref …)" with the cause logged).
 * Fast: it only reads and writes the store; cloud work happens in the controller afterwards.
 */
export interface CommandRunner {
  run(text: string, context: CommandContext): Promise<Reply>;
}

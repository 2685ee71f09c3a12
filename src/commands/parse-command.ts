import { UserError } from '../labs/errors';
import { COMMAND_LIST, findCommand } from './command-registry';
import { type LabCommand } from './parsed-command';
import { clip } from './parse-verbs';

/** Longest command text we read; anything longer is refused before parsing (Slack allows ~4000 characters). */
export const MAX_COMMAND_LENGTH = 500;

export interface ParseOptions {
  /** Source of the anchored regular expression a ticket id must match. */
  ticketPattern: string;
}

/**
 * Parses the text after `/lab`: the first word picks the registry entry (command-registry.ts), whose parser reads
 * the rest. Pure.
 * @throws UserError (code `usage`) with a message saying what was wrong and the right usage.
 */
export function parseCommand(text: string, options: ParseOptions): LabCommand {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new UserError(
      'usage',
      `That command is ${text.length} characters long; labbot reads at most ${MAX_COMMAND_LENGTH}. Try \`/lab help\`.`,
    );
  }
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [first, ...args] = words;
  if (first === undefined) {
    return { verb: 'help' };
  }
  const spec = findCommand(first);
  if (spec === undefined) {
    throw new UserError(
      'usage',
      `Unknown command "${clip(first)}". Commands: ${COMMAND_LIST.map((c) => c.verb).join(', ')}. Try \`/lab help\`.`,
    );
  }
  return spec.parse(args, {
    ticketPattern: options.ticketPattern,
    usage: (problem) => new UserError('usage', `${capitalize(problem)}. Usage: \`${spec.usage}\``),
  });
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

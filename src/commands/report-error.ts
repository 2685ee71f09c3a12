import { causeChain, UserError } from '../labs/errors';
import { type Logger, type Random } from '../labs/ports';
import { type Reply } from './reply';

/**
 * The one place that decides what a user sees when something fails (DESIGN.md section 2): a UserError's
 * message verbatim; anything else "something went wrong (ref …)", with the whole cause chain logged under
 * that ref so an operator can find it.
 */
export function errorReply(error: unknown, logger: Logger, random: Random): Reply {
  if (error instanceof UserError) {
    return { visibility: 'ephemeral', tone: 'error', title: error.message, sections: [] };
  }
  const ref = Array.from({ length: 6 }, () => Math.floor(random() * 36).toString(36)).join('');
  logger.error({ ref, err: error, causes: causeChain(error) }, 'command failed');
  return {
    visibility: 'ephemeral',
    tone: 'error',
    title: `Something went wrong (ref ${ref}). Nothing was lost; try again, or give an admin this ref.`,
    sections: [],
  };
}

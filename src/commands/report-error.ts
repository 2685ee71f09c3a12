import { causeChain, UserError } from '../labs/errors';
import { type Logger, type Random } from '../labs/ports';
import { type Reply } from './reply';

/** How every reply about an unexpected failure starts (see errorReply); refusals never start so. */
const FAILURE_PREFIX = 'Something went wrong (ref ';

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
    title: `${FAILURE_PREFIX}${ref}). Nothing was lost; try again, or give an admin this ref.`,
    sections: [],
  };
}

/**
 * True when the reply reports an unexpected failure (logged under a ref) rather than a refusal the user can act
 * on; metrics count the two apart. Pure; never throws.
 */
export function isFailureReply(reply: Reply): boolean {
  return reply.tone === 'error' && reply.title.startsWith(FAILURE_PREFIX);
}

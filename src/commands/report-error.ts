import { causeChain, UserError } from '../labs/errors';
import { type Logger, type Random } from '../labs/ports';
import { type Reply } from './reply';

/** How every reply about an unexpected failure starts (see failureMessage); refusals never start so. */
const FAILURE_PREFIX = 'Something went wrong (ref ';

const REF_LENGTH = 6;

/**
 * The reference of one unexpected failure: 6 base-36 characters, logged with the cause and shown to the user, so
 * an operator can find the one from the other. The one ref format of labbot (commands, slash command, deploy form).
 */
export function failureRef(random: Random): string {
  return Array.from({ length: REF_LENGTH }, () => Math.floor(random() * 36).toString(36)).join('');
}

/**
 * The one sentence a user reads about an unexpected failure, wherever it happened. `outcome` says what the failure
 * left behind, e.g. "Nothing was deployed"; by default "Nothing was lost". Pure.
 */
export function failureMessage(ref: string, outcome = 'Nothing was lost'): string {
  return `${FAILURE_PREFIX}${ref}). ${outcome}; try again, or give an admin this ref.`;
}

/** {@link failureMessage} as an ephemeral error Reply. Pure. */
export function failureReply(ref: string, outcome?: string): Reply {
  return { visibility: 'ephemeral', tone: 'error', title: failureMessage(ref, outcome), sections: [] };
}

/**
 * The one place that decides what a user sees when a command fails (DESIGN.md section 2): a UserError's
 * message verbatim; anything else "something went wrong (ref …)", with the whole cause chain logged under
 * that ref so an operator can find it.
 */
export function errorReply(error: unknown, logger: Logger, random: Random): Reply {
  if (error instanceof UserError) {
    return { visibility: 'ephemeral', tone: 'error', title: error.message, sections: [] };
  }
  const ref = failureRef(random);
  logger.error({ ref, err: error, causes: causeChain(error) }, 'command failed');
  return failureReply(ref);
}

/**
 * True when the reply reports an unexpected failure (logged under a ref) rather than a refusal the user can act
 * on; metrics count the two apart. Pure; never throws.
 */
export function isFailureReply(reply: Reply): boolean {
  return reply.tone === 'error' && reply.title.startsWith(FAILURE_PREFIX);
}

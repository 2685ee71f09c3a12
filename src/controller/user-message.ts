import { isCloudError, LabNetworkError } from '../labs/errors';

/** What a user may read about a failure: cloud errors say what VCD said; anything else stays internal. */
export function userMessage(error: unknown): string {
  // Without its closing full stop: callers put the message inside sentences of their own.
  return isCloudError(error) || error instanceof LabNetworkError
    ? error.message.replace(/[.\s]+$/, '')
    : 'internal error';
}

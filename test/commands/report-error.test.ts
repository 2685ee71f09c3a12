import {
  errorReply,
  failureMessage,
  failureRef,
  failureReply,
  isFailureReply,
} from '../../src/commands/report-error';
import { UserError } from '../../src/labs/errors';
import { recordingLogger } from '../helpers/logger';

/** A Random that returns the given values in turn. */
function sequence(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] ?? 0;
}

describe('commands/report-error', () => {
  it('makes refs of 6 base-36 characters from the injected random', () => {
    expect(failureRef(sequence(0, 0.5, 0.999, 0.3, 0.99, 0.03))).toBe('0izaz1');
    expect(failureRef(Math.random)).toMatch(/^[0-9a-z]{6}$/);
  });

  it('says one sentence for every unexpected failure, with what it left behind', () => {
    expect(failureMessage('abc123')).toBe(
      'Something went wrong (ref abc123). Nothing was lost; try again, or give an admin this ref.',
    );
    expect(failureMessage('abc123', 'Nothing was deployed')).toBe(
      'Something went wrong (ref abc123). Nothing was deployed; try again, or give an admin this ref.',
    );
    expect(failureReply('abc123')).toEqual({
      visibility: 'ephemeral',
      tone: 'error',
      title: failureMessage('abc123'),
      sections: [],
    });
  });

  it('shows an unexpected error as the failure reply, logging the cause chain under the ref it shows', () => {
    const logger = recordingLogger();
    const cause = new Error('socket hang up');

    const reply = errorReply(new Error('deploy failed', { cause }), logger, sequence(0.1));

    expect(reply).toEqual(failureReply('333333'));
    expect(logger.lines).toEqual([
      {
        level: 'error',
        fields: expect.objectContaining({
          ref: '333333',
          causes: ['Error: deploy failed', 'Error: socket hang up'],
        }),
        message: 'command failed',
      },
    ]);
    expect(isFailureReply(reply)).toBe(true);
  });

  it('shows a UserError verbatim, logs nothing, and does not count it as a failure', () => {
    const logger = recordingLogger();

    const reply = errorReply(new UserError('quota', 'You already have 3 labs.'), logger, Math.random);

    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'error',
      title: 'You already have 3 labs.',
      sections: [],
    });
    expect(logger.lines).toEqual([]);
    expect(isFailureReply(reply)).toBe(false);
    expect(isFailureReply(failureReply('abc123', 'Nothing was deployed'))).toBe(true);
  });
});

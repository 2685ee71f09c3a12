import {
  causeChain,
  CloudError,
  DuplicateLabError,
  DuplicateTemplateError,
  isCloudError,
  LabNetworkError,
  LiveTicketConflictError,
  PublicIpsExhaustedError,
  UserError,
} from '../../src/labs/errors';

/** The error families (src/labs/errors.ts): their names and words, the cloud error test and the cause chain. */
describe('labs/errors', () => {
  it('names each error and words its message for logs and users', () => {
    const cause = new Error('row exists');
    const conflict = new LiveTicketConflictError('repro-t-1', 'T-1', { cause });
    expect(
      [
        new UserError('quota', 'over the limit'),
        new DuplicateLabError('demo-4kq'),
        new DuplicateTemplateError('my-esxi'),
        conflict,
        new PublicIpsExhaustedError({ start: '203.0.113.10', end: '203.0.113.12' }),
      ].map((e) => `${e.name}: ${e.message}`),
    ).toEqual([
      'UserError: over the limit',
      'DuplicateLabError: lab demo-4kq already exists',
      'DuplicateTemplateError: captured template my-esxi already exists',
      'LiveTicketConflictError: lab repro-t-1 cannot use ticket T-1: another live lab already has it',
      'LabNetworkError: no public IP is free in 203.0.113.10-203.0.113.12; tear down a lab or widen edge.publicIps',
    ]);
    expect([conflict.labId, conflict.ticket, conflict.cause]).toEqual(['repro-t-1', 'T-1', cause]);
    expect(new PublicIpsExhaustedError({ start: 'a', end: 'b' })).toBeInstanceOf(LabNetworkError);
  });

  it('keeps a user error’s code and cause', () => {
    const cause = new Error('slack said no');
    const error = new UserError('invalid_state', 'cannot read', { cause });
    expect([error.code, error.cause]).toEqual(['invalid_state', cause]);
  });

  describe('isCloudError', () => {
    const notFound = new CloudError('not_found', 'no such vApp');

    it('is true for any cloud error without a kind, and only for its own kind with one', () => {
      expect(isCloudError(notFound)).toBe(true);
      expect(isCloudError(notFound, 'not_found')).toBe(true);
      expect(isCloudError(notFound, 'unavailable')).toBe(false);
    });

    it('is false for other errors, even with a kind field', () => {
      expect(isCloudError(Object.assign(new Error('x'), { kind: 'not_found' }))).toBe(false);
      expect(isCloudError(undefined)).toBe(false);
    });
  });

  describe('causeChain', () => {
    it('lists an error and its causes, outermost first', () => {
      const root = new CloudError('api', 'HTTP 500');
      const error = new UserError('cloud_busy', 'VCD is busy', {
        cause: new Error('deploy failed', { cause: root }),
      });
      expect(causeChain(error)).toEqual([
        'UserError: VCD is busy',
        'Error: deploy failed',
        'Error: HTTP 500',
      ]);
    });

    it('words a thrown string and anything else that is not an error', () => {
      expect(causeChain('plain words')).toEqual(['plain words']);
      expect(causeChain(42)).toEqual(['non-error number thrown']);
      expect(causeChain(new Error('outer', { cause: { code: 1 } }))).toEqual([
        'Error: outer',
        'non-error object thrown',
      ]);
    });

    it('is empty for nothing, and stops at a null cause', () => {
      expect(causeChain(undefined)).toEqual([]);
      expect(causeChain(null)).toEqual([]);
      expect(causeChain(new Error('alone', { cause: null }))).toEqual(['Error: alone']);
    });

    it('stops after ten links of a cause loop', () => {
      const a = new Error('a');
      const b = new Error('b', { cause: a });
      Object.assign(a, { cause: b });
      expect(causeChain(a)).toEqual(
        ['a', 'b', 'a', 'b', 'a', 'b', 'a', 'b', 'a', 'b'].map((m) => `Error: ${m}`),
      );
    });
  });
});

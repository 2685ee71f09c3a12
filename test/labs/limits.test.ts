import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { handoffRefusal } from '../../src/labs/handoff';
import { countedLabs, limitRefusal, ticketKey } from '../../src/labs/limits';
import { minimalLab } from '../helpers/labs';
import { person } from '../helpers/directory';

const RATES = { vcpuHour: 1, memoryGbHour: 0, storageGbMonth: 0 };
const lab = (id: string, overrides = {}) =>
  minimalLab({ id, spec: { vcpus: 1, memoryGb: 0, storageGb: 0 }, ...overrides });

describe('labs/limits', () => {
  it('counts labs that have not ended and are not being torn down', () => {
    const labs = [
      lab('a'),
      lab('b', { phase: 'deleted' }),
      lab('c', { phase: 'failed' }),
      lab('d', { desired: 'deleted', phase: 'deleting' }),
      lab('e', { desired: 'suspended', phase: 'suspended' }),
    ];

    expect(countedLabs(labs).map((l) => l.id)).toEqual(['a', 'e']);
  });

  it('refuses at the lab count, then at the spend limit, else passes', () => {
    const limits = { maxLabsPerUser: 2, maxHourlySpendPerUser: 2.5 };

    expect(limitRefusal([lab('a'), lab('b')], 0, limits, RATES, 'you')).toMatchObject({
      detail: 'lab count limit 2',
      message: expect.stringContaining('You already have 2 live labs'),
    });
    expect(limitRefusal([lab('a')], 2, limits, RATES, 'you')).toMatchObject({
      detail: 'hourly spend limit 2.5',
      message: expect.stringContaining('That would bring your labs to $3.00/h, over the $2.50/h limit'),
    });
    expect(limitRefusal([lab('a')], 1.5, limits, RATES, 'you')).toBeUndefined();
    expect(limitRefusal([], 0, limits, RATES, 'you')).toBeUndefined();
  });

  it('words a refusal for the receiver of a hand-off and leaves out the lab being handed over', () => {
    const limits = { maxLabsPerUser: 1, maxHourlySpendPerUser: 100 };

    expect(limitRefusal([lab('a')], 1, limits, RATES, 'receiver')?.message).toContain(
      'The new owner already has 1 live labs',
    );
    expect(limitRefusal([lab('a')], 1, limits, RATES, 'receiver', 'a')).toBeUndefined();
  });

  it('uses the policy’s rates as given', () => {
    const refusal = limitRefusal([], 1000, DEFAULT_POLICY.limits, DEFAULT_POLICY.rates, 'you');
    expect(refusal?.detail).toBe('hourly spend limit 5');
  });

  it('compares tickets case-insensitively by upper-casing them', () => {
    expect(ticketKey('tkt-2')).toBe('TKT-2');
    expect(ticketKey('Tkt-2')).toBe(ticketKey('TKT-2'));
  });
});

describe('labs/handoff', () => {
  it('accepts an active, human, full member of the team', () => {
    expect(handoffRefusal('U2', person('U2'))).toBeUndefined();
    expect(handoffRefusal('U2', person('U2', { verified: false }))).toBeUndefined();
  });

  it.each([
    ['nobody', undefined, 'There is no Slack user <@U2>'],
    ['deactivated', person('U2', { deleted: true }), 'is deactivated'],
    ['a bot', person('U2', { bot: true }), 'a bot or app'],
    ['external', person('U2', { inTeam: false }), 'not a member of this workspace'],
    ['a guest', person('U2', { guest: true }), 'a guest'],
  ])('refuses %s', (_what, user, message) => {
    expect(handoffRefusal('U2', user)).toContain(message);
  });
});

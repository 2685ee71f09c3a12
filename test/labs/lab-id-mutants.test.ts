import { LAB_ID_PATTERN, randomLabId, reproLabId, vappNameFor } from '../../src/labs/lab-id';
import { handoffRefusal } from '../../src/labs/handoff';

/** Lab ids and vApp names (src/labs/lab-id.ts) and who may receive a lab (src/labs/handoff.ts). */
describe('labs/lab-id', () => {
  describe('randomLabId', () => {
    it('takes three characters by default, from the whole alphabet without look-alikes', () => {
      expect(randomLabId('demo', () => 0)).toBe('demo-aaa');
      expect(randomLabId('demo', () => 0.999_999)).toBe('demo-999');
      // 1/32 steps through the alphabet: a, b, c, … skipping l and o.
      let i = 0;
      const stepping = () => i++ / 32;
      expect(randomLabId('x', stepping, 32)).toBe('x-abcdefghijkmnpqrstuvwxyz23456789');
    });

    it('takes as many characters as asked', () => {
      expect(randomLabId('cls', () => 0.5, 5)).toBe('cls-sssss');
      expect(randomLabId('cls', () => 0.5, 0)).toBe('cls-');
    });

    it('falls back to x when the random source is out of range', () => {
      expect(randomLabId('demo', () => 1)).toBe('demo-xxx');
    });
  });

  describe('reproLabId', () => {
    it.each([
      ['TICKET-123', 'repro-ticket-123'],
      ['  Case #42 / urgent ', 'repro-case-42-urgent'],
      ['--abc--', 'repro-abc'],
      ['###', 'repro-ticket'],
      ['', 'repro-ticket'],
      ['A'.repeat(50), `repro-${'a'.repeat(40)}`],
    ])('%s is %s', (ticket, id) => {
      expect(reproLabId(ticket)).toBe(id);
    });
  });

  it('names the vApp after the lab', () => {
    expect(vappNameFor('demo-4kq')).toBe('lab-demo-4kq');
  });

  it('accepts the ids labbot makes, and no others', () => {
    expect(['demo-4kq', 'repro-ticket-123-2', 'class-ab2c'].every((id) => LAB_ID_PATTERN.test(id))).toBe(
      true,
    );
    expect(
      ['demo', 'Demo-4kq', '-4kq', 'demo-', 'demo_4kq', ' demo-4kq'].some((id) => LAB_ID_PATTERN.test(id)),
    ).toBe(false);
  });
});

describe('labs/handoff', () => {
  const person = { id: 'U0BOB', deleted: false, bot: false, inTeam: true, guest: false, verified: true };

  it('lets an active human member of the team receive a lab', () => {
    expect(handoffRefusal('U0BOB', person)).toBeUndefined();
  });

  it.each([
    [
      'unknown',
      undefined,
      'There is no Slack user <@U0BOB> in this workspace; mention the new owner with @.',
    ],
    [
      'deactivated',
      { ...person, deleted: true },
      '<@U0BOB> is deactivated; hand the lab to an active member of the team.',
    ],
    ['a bot', { ...person, bot: true }, '<@U0BOB> is a bot or app; labs go to people.'],
    [
      'external',
      { ...person, inTeam: false },
      '<@U0BOB> is not a member of this workspace (an external user); labs stay within the team.',
    ],
    [
      'a guest',
      { ...person, guest: true },
      '<@U0BOB> is a guest of this workspace; labs go to full members.',
    ],
  ])('refuses someone %s, saying why', (_who, user, words) => {
    expect(handoffRefusal('U0BOB', user)).toBe(words);
  });
});

import { commandVerb } from '../../src/commands/command-verb';
import { COMMAND_LIST } from '../../src/commands/command-registry';
import { parseCommand } from '../../src/commands/parse-command';
import { DEFAULT_POLICY } from '../../src/config/default-policy';

/** One valid command per verb word the parser accepts (aliases included). */
const VALID = [
  'help',
  '-h',
  '--help',
  'demo',
  'repro T-1',
  'list',
  'ls all',
  'status demo-4kq',
  'teardown demo-4kq',
  'delete demo-4kq',
  'destroy demo-4kq',
  'extend demo-4kq 2h',
  'keep demo-4kq 2h',
  'snooze demo-4kq tomorrow',
  'suspend demo-4kq',
  'resume demo-4kq',
  'handoff demo-4kq @U0BOB',
  'give demo-4kq @U0BOB',
  'cost week',
  'templates',
  'capture demo-4kq mytpl',
  'class esxi8 for @U0BOB',
  'cancel demo-4kq',
];

describe('commands/command-verb', () => {
  it.each([
    ['', 'help'],
    ['  ', 'help'],
    ['frobnicate demo-4kq', 'unknown'],
  ])('names the verb of %j as %s', (text, verb) => {
    expect(commandVerb(text)).toBe(verb);
  });

  // Regression (found by test/fuzz): `keep` and `snooze`, what the reaper's buttons run, were counted as `unknown`.
  it.each(VALID.map((text) => [text]))('agrees with the parser on %j', (text) => {
    const parsed = parseCommand(text, { ticketPattern: DEFAULT_POLICY.ticketPattern });
    expect(commandVerb(text)).toBe(parsed.verb);
    expect(commandVerb(text.toUpperCase())).toBe(parsed.verb);
  });

  it('has a usage line (shown by /lab help and in usage errors) for every verb the parser knows', () => {
    const verbs = new Set(
      VALID.map((text) => parseCommand(text, { ticketPattern: DEFAULT_POLICY.ticketPattern }).verb),
    );
    expect(COMMAND_LIST.map((c) => c.verb).sort()).toEqual([...verbs].sort());
  });
});

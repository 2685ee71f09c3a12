import { COMMAND_LIST } from '../../src/commands/command-registry';
import { MAX_COMMAND_LENGTH, parseCommand } from '../../src/commands/parse-command';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { UserError } from '../../src/labs/errors';

/**
 * Mutants of src/commands/parse-command.ts and parse-verbs.ts that survived parse-command.test.ts
 * (docs/mutation-testing.md): exact error wording, the edges of the length limits, words that must be refused
 * rather than ignored, and results compared strictly (an `undefined` field is not the same as no field).
 */
const options = { ticketPattern: DEFAULT_POLICY.ticketPattern };
const parse = (text: string) => parseCommand(text, options);

/** The UserError `text` is refused with. */
function refusal(text: string): UserError {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof UserError) {
      return error;
    }
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parseCommand: what the main suite left open (mutants)', () => {
  it('reads a command of exactly the maximum length and refuses one character more', () => {
    const padded = (length: number) => `list${' '.repeat(length - 4)}`;

    expect(parse(padded(MAX_COMMAND_LENGTH))).toStrictEqual({ verb: 'list', all: false });
    expect(refusal(padded(MAX_COMMAND_LENGTH + 1))).toMatchObject({
      code: 'usage',
      message: `That command is ${MAX_COMMAND_LENGTH + 1} characters long; labbot reads at most ${MAX_COMMAND_LENGTH}. Try \`/lab help\`.`,
    });
  });

  it('names every command when the first word is unknown', () => {
    expect(refusal('frobnicate')).toMatchObject({
      code: 'usage',
      message: `Unknown command "frobnicate". Commands: ${COMMAND_LIST.map((c) => c.verb).join(', ')}. Try \`/lab help\`.`,
    });
  });

  it('capitalises the problem and appends the verb’s usage', () => {
    const spec = COMMAND_LIST.find((c) => c.verb === 'extend');

    expect(refusal('extend')).toMatchObject({
      code: 'usage',
      message: `The lab id is missing (\`/lab list\` shows yours). Usage: \`${spec?.usage}\``,
    });
  });

  it('echoes a word of 40 characters whole and clips a longer one', () => {
    const forty = 'x'.repeat(40);

    expect(refusal(`demo ${forty}`).message).toMatch(new RegExp(`^Unexpected "${forty}"\\. Usage`));
    expect(refusal(`demo ${forty}y`).message).toMatch(new RegExp(`^Unexpected "${forty}…"\\. Usage`));
  });

  // Mostly two extra words: the echo must keep the space between them.
  it.each([
    ['repro T-1 esxi8 extra words', 'extra'],
    ['capture demo-4kq mine extra words', 'extra words'],
    ['list everything', 'everything'],
    ['list all more', 'all more'],
    ['extend demo-4kq 2h more words', 'more words'],
    ['keep demo-4kq someday', 'someday'],
    ['keep demo-4kq 2h 3h', '3h'],
    ['handoff demo-4kq @U123 right now', 'right now'],
    ['templates publish mine extra words', 'extra words'],
    ['status demo-4kq more script', 'more script'],
  ])('refuses the extra words of `%s`', (text, extra) => {
    expect(refusal(text).message).toMatch(new RegExp(`^Unexpected "${extra}"\\. Usage: `));
  });

  it.each(['by', '2hby', 'by2h'])('refuses `extend LAB %s`: only a whole duration extends', (duration) => {
    expect(refusal(`extend demo-4kq ${duration}`).message).toMatch(
      new RegExp(`^"${duration}" is not a duration such as 2h or 1d\\. Usage: `),
    );
  });

  it.each(['keep', 'handoff', 'capture'])('asks `%s` without a lab for the lab id', (verb) => {
    expect(refusal(verb).message).toMatch(/^The lab id is missing/);
  });

  it.each([
    ['demo', { verb: 'demo' }],
    ['keep demo-4kq', { verb: 'keep', labId: 'demo-4kq' }],
    ['cost', { verb: 'cost', scope: 'me' }],
    ['cost me', { verb: 'cost', scope: 'me' }],
    ['cost all', { verb: 'cost', scope: 'all' }],
    ['cost day', { verb: 'cost', scope: 'me', period: 'day' }],
    ['cost all week', { verb: 'cost', scope: 'all', period: 'week' }],
    ['status demo-4kq', { verb: 'status', labId: 'demo-4kq' }],
    ['status demo-4kq script', { verb: 'status', labId: 'demo-4kq', script: true }],
  ])('parses `%s` to exactly %o', (text, expected) => {
    expect(parse(text)).toStrictEqual(expected);
  });
});

import { COMMAND_LIST } from '../../src/commands/command-registry';
import { parseCommand } from '../../src/commands/parse-command';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { UserError } from '../../src/labs/errors';

/**
 * Mutants of src/commands/parse-verbs.ts that survived parse-command.test.ts and parse-command-mutants.test.ts
 * (docs/mutation-testing.md, src/commands): `ready` without `by`, `cost … csv`, `templates publish` of a bad
 * name, and `/lab class` (create with a time before the students, each refusal's words, extra words after a
 * sub-command), with results compared strictly.
 */
const options = { ticketPattern: DEFAULT_POLICY.ticketPattern };
const parse = (text: string) => parseCommand(text, options);
const usageOf = (verb: string): string => COMMAND_LIST.find((c) => c.verb === verb)?.usage ?? '';

/** The message `text` is refused with. */
function refusal(text: string): string {
  try {
    parse(text);
  } catch (error) {
    if (error instanceof UserError && error.code === 'usage') {
      return error.message;
    }
    throw error;
  }
  throw new Error(`"${text}" was accepted`);
}

describe('parse-verbs: deploy options, cost and templates (mutants)', () => {
  it('reads `ready` alone as a template, and `by` only after `ready`', () => {
    expect(parse('demo ready')).toStrictEqual({ verb: 'demo', template: 'ready' });
    expect(refusal('demo esxi8 by 14:00')).toBe(`Unexpected "by". Usage: \`${usageOf('demo')}\``);
  });

  it('reads `csv` in a cost command', () => {
    expect(parse('cost all month CSV')).toStrictEqual({
      verb: 'cost',
      scope: 'all',
      period: 'month',
      csv: true,
    });
    expect(parse('cost csv')).toStrictEqual({ verb: 'cost', scope: 'me', csv: true });
  });

  it('refuses to publish or remove a template under a name that is not a template key', () => {
    expect(refusal('templates publish Bad_Name')).toBe(
      `"Bad_Name" is not a template name. Usage: \`${usageOf('templates')}\``,
    );
    expect(parse('templates remove Old-One')).toStrictEqual({
      verb: 'templates',
      action: { kind: 'remove', template: 'old-one' },
    });
  });
});

describe('parse-verbs: /lab class (mutants)', () => {
  const refused = (problem: string): string => `${problem}. Usage: \`${usageOf('class')}\``;

  it('gives a class only the fields that were typed', () => {
    expect(parse('class for <@U0A>')).toStrictEqual({
      verb: 'class',
      action: { kind: 'create', students: [{ user: 'U0A' }] },
    });
  });

  it('reads a time given before the students, with `at` or `ready by`', () => {
    expect(parse('class esxi8 at 14:00 for <@U0A> name c1')).toStrictEqual({
      verb: 'class',
      action: {
        kind: 'create',
        template: 'esxi8',
        students: [{ user: 'U0A' }],
        name: 'c1',
        readyByText: '14:00',
      },
    });
    expect(parse('class esxi8 ready BY tomorrow 9:00 for <@U0A> for 3h')).toStrictEqual({
      verb: 'class',
      action: {
        kind: 'create',
        template: 'esxi8',
        students: [{ user: 'U0A' }],
        lifetimeMinutes: 180,
        readyByText: 'tomorrow 9:00',
      },
    });
  });

  it('refuses a time that is missing or given twice, and `ready` without `by`', () => {
    expect(refusal('class esxi8 for <@U0A> at')).toBe(
      refused('`at` needs one time, such as 14:00 or tomorrow 9:00'),
    );
    expect(refusal('class esxi8 for <@U0A> at 9:00 at 10:00')).toBe(
      refused('`at` needs one time, such as 14:00 or tomorrow 9:00'),
    );
    expect(refusal('class esxi8 for <@U0A> ready')).toBe(refused('Unexpected "ready"'));
  });

  it('names the words the trainer typed, `ready by`, when their time is missing or given twice', () => {
    expect(refusal('class esxi8 for <@U0A> ready by')).toBe(
      refused('`ready by` needs one time, such as 14:00 or tomorrow 9:00'),
    );
    expect(refusal('class esxi8 for <@U0A> at 9:00 ready by 10:00')).toBe(
      refused('`ready by` needs one time, such as 14:00 or tomorrow 9:00'),
    );
  });

  it('refuses a name that is missing or given twice, and a word that fits nowhere', () => {
    expect(refusal('class esxi8 for <@U0A> name')).toBe(refused('`name` needs one class name'));
    expect(refusal('class esxi8 for <@U0A> name a name b')).toBe(refused('`name` needs one class name'));
    expect(refusal('class esxi8 for <@U0A> name c1 oops more')).toBe(refused('Unexpected "oops"'));
    expect(refusal('class esxi8 for 2h oops')).toBe(refused('Unexpected "oops"'));
    // `by` starts a time only after `ready`.
    expect(refusal('class esxi8 for 2h oops by 9:00')).toBe(refused('Unexpected "oops"'));
  });

  it('refuses a template that is not a template key, and a second duration', () => {
    expect(refusal('class Bad_Tpl for <@U0A>')).toBe(refused('"Bad_Tpl" is not a template name'));
    expect(refusal('class esxi8 for 2h for 3h for <@U0A>')).toBe(refused('Give the class duration once'));
  });

  it('extends a class by its default without a duration, and refuses extra words after a sub-command', () => {
    expect(parse('class extend CLS-4kq')).toStrictEqual({
      verb: 'class',
      action: { kind: 'extend', name: 'cls-4kq' },
    });
    expect(refusal('class extend cls-4kq 2h right now')).toBe(refused('Unexpected "right now"'));
    expect(refusal('class show cls-4kq extra words')).toBe(refused('Unexpected "extra words"'));
    expect(refusal('class list all mine')).toBe(refused('Unexpected "all mine"'));
  });
});

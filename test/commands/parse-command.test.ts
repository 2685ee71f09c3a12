import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { UserError } from '../../src/labs/errors';
import { COMMAND_LIST } from '../../src/commands/command-registry';
import { type LabCommand, type Verb } from '../../src/commands/parsed-command';
import { parseCommand } from '../../src/commands/parse-command';
import { noiseCommand } from '../fuzz/command-strings';
import { FuzzRandom } from '../fuzz/fuzz-random';

const options = { ticketPattern: DEFAULT_POLICY.ticketPattern };
const parse = (text: string) => parseCommand(text, options);

/**
 * Valid commands and usage errors per verb. Partial on purpose: a verb added to the registry without cases here
 * compiles, and then fails "has parse and usage-error cases".
 */
const VERB_CASES: Partial<Record<Verb, { parses: [string, LabCommand][]; refuses: [string, RegExp][] }>> = {
  demo: {
    parses: [
      ['demo', { verb: 'demo' }],
      ['demo ESXI8 FOR 2d', { verb: 'demo', template: 'esxi8', lifetimeMinutes: 2880 }],
      ['demo at 14:00', { verb: 'demo', readyBy: ['14:00'] }],
      [
        'demo vsphere8 ready by Tomorrow 9:00 for 3h',
        { verb: 'demo', template: 'vsphere8', readyBy: ['tomorrow', '9:00'], lifetimeMinutes: 180 },
      ],
      ['demo at 2 pm esxi8', { verb: 'demo', readyBy: ['2', 'pm'], template: 'esxi8' }],
      ['demo at 2026-12-03T09:00+01:00', { verb: 'demo', readyBy: ['2026-12-03t09:00+01:00'] }],
    ],
    refuses: [
      ['demo esxi8 vsphere8', /^Unexpected "vsphere8"/],
      ['demo for 3x', /^"3x" is not a duration/],
      ['demo at', /^`at` needs a time such as 14:00/],
      ['demo ready by soon', /^`ready by` needs a time/],
      ['demo at 14:00 at 15:00', /^Give one ready time/],
    ],
  },
  repro: {
    parses: [
      ['repro T-1 ESXI8', { verb: 'repro', ticket: 'T-1', template: 'esxi8' }],
      [
        'repro T-1 esxi8 at monday 10:30 for 2d',
        {
          verb: 'repro',
          ticket: 'T-1',
          template: 'esxi8',
          readyBy: ['monday', '10:30'],
          lifetimeMinutes: 2880,
        },
      ],
      ['repro T-1 ready by 9am', { verb: 'repro', ticket: 'T-1', readyBy: ['9am'] }],
    ],
    refuses: [
      ['repro T-1 at never', /^`at` needs a time/],
      ['repro', /^The ticket id is missing/],
      ['repro T-1 bad_name', /^"bad_name" is not a template name/],
    ],
  },
  class: {
    parses: [
      [
        'class ESXI8 for <@U0ALICE|alice> @U0BOB for 3h name VSphere-101',
        {
          verb: 'class',
          action: {
            kind: 'create',
            template: 'esxi8',
            students: [{ user: 'U0ALICE' }, { user: 'U0BOB' }],
            lifetimeMinutes: 180,
            name: 'vsphere-101',
          },
        },
      ],
      [
        'class for <#C0TRAIN|training> <!subteam^S0GRP|@trainees> at tomorrow 9:00',
        {
          verb: 'class',
          action: {
            kind: 'create',
            students: [{ channel: 'C0TRAIN' }, { userGroup: 'S0GRP' }],
            readyByText: 'tomorrow 9:00',
          },
        },
      ],
      ['class list', { verb: 'class', action: { kind: 'list', all: false } }],
      ['class LIST all', { verb: 'class', action: { kind: 'list', all: true } }],
      ['class show vsphere-101', { verb: 'class', action: { kind: 'show', name: 'vsphere-101' } }],
      [
        'class add vsphere-101 <@U0CAROL>',
        { verb: 'class', action: { kind: 'add', name: 'vsphere-101', students: [{ user: 'U0CAROL' }] } },
      ],
      [
        'class extend cls-4kq 2h',
        { verb: 'class', action: { kind: 'extend', name: 'cls-4kq', minutes: 120 } },
      ],
      ['class Teardown cls-4kq', { verb: 'class', action: { kind: 'teardown', name: 'cls-4kq' } }],
    ],
    refuses: [
      ['class', /^Say the template and who the students are/],
      ['class esxi8', /^Say who the students are/],
      ['class esxi8 for alice', /^"alice" is not a Slack user, channel or user group/],
      ['class esxi8 for @U0BOB name bad_name', /^"bad_name" is not a class name/],
      ['class esxi8 for', /^`for` needs students/],
      ['class teardown', /^Say which class to teardown/],
      ['class extend cls-4kq soon', /^"soon" is not a duration/],
      ['class add cls-4kq', /^Say who joins the class/],
      ['class list mine', /^Unexpected "mine"/],
    ],
  },
  list: {
    parses: [
      ['list', { verb: 'list', all: false }],
      ['list ALL', { verb: 'list', all: true }],
    ],
    refuses: [['list mine', /^Unexpected "mine"/]],
  },
  status: {
    parses: [['status demo-4kq script', { verb: 'status', labId: 'demo-4kq', script: true }]],
    refuses: [['status demo_4kq', /^"demo_4kq" is not a lab id/]],
  },
  teardown: {
    parses: [['teardown demo-4kq', { verb: 'teardown', labId: 'demo-4kq' }]],
    refuses: [
      ['teardown', /^The lab id is missing/],
      ['teardown demo-4kq now', /^Unexpected "now"/],
    ],
  },
  extend: {
    parses: [
      ['extend demo-4kq', { verb: 'extend', labId: 'demo-4kq' }],
      ['extend demo-4kq 90m', { verb: 'extend', labId: 'demo-4kq', minutes: 90 }],
    ],
    refuses: [
      ['extend', /^The lab id is missing/],
      ['extend demo-4kq forever', /^"forever" is not a duration/],
      ['extend demo-4kq 2h more', /^Unexpected "more"/],
    ],
  },
  suspend: {
    parses: [['suspend Demo-4kq', { verb: 'suspend', labId: 'demo-4kq' }]],
    refuses: [['suspend', /^The lab id is missing/]],
  },
  resume: {
    parses: [['resume demo-4kq', { verb: 'resume', labId: 'demo-4kq' }]],
    refuses: [['resume demo-4kq demo-5kq', /^Unexpected "demo-5kq"/]],
  },
  keep: {
    parses: [
      ['keep demo-4kq', { verb: 'keep', labId: 'demo-4kq' }],
      ['keep demo-4kq 2h in-use', { verb: 'keep', labId: 'demo-4kq', minutes: 120, inUse: true }],
      ['keep demo-4kq TOMORROW', { verb: 'keep', labId: 'demo-4kq', tomorrow: true }],
    ],
    refuses: [
      ['keep demo-4kq 2h tomorrow', /^Give a duration or `tomorrow`, not both/],
      ['keep demo-4kq forever', /^Unexpected "forever"/],
    ],
  },
  handoff: {
    parses: [
      ['handoff demo-4kq <@U0BOB|bob>', { verb: 'handoff', labId: 'demo-4kq', newOwner: 'U0BOB' }],
      ['handoff demo-4kq @W0BOB', { verb: 'handoff', labId: 'demo-4kq', newOwner: 'W0BOB' }],
    ],
    refuses: [
      ['handoff demo-4kq', /^Say who gets the lab/],
      ['handoff demo-4kq bob', /^"bob" is not a Slack user/],
      ['handoff demo-4kq @U0BOB @U0EVE', /^Unexpected "@U0EVE"/],
    ],
  },
  cost: {
    parses: [
      ['cost', { verb: 'cost', scope: 'me' }],
      ['cost ALL month', { verb: 'cost', scope: 'all', period: 'month' }],
    ],
    refuses: [['cost year', /^Unexpected "year"/]],
  },
  capture: {
    parses: [['capture demo-4kq My-Tpl', { verb: 'capture', labId: 'demo-4kq', template: 'my-tpl' }]],
    refuses: [
      ['capture demo-4kq', /^The name of the new template is missing/],
      ['capture demo-4kq my_tpl', /^"my_tpl" is not a template name/],
      ['capture demo-4kq a b', /^Unexpected "b"/],
    ],
  },
  cancel: {
    parses: [['cancel Demo-4kq', { verb: 'cancel', labId: 'demo-4kq' }]],
    refuses: [
      ['cancel', /^The lab id is missing/],
      ['cancel demo-4kq now', /^Unexpected "now"/],
    ],
  },
  templates: {
    parses: [
      ['templates', { verb: 'templates' }],
      ['templates PUBLISH My-Tpl', { verb: 'templates', action: { kind: 'publish', template: 'my-tpl' } }],
      ['templates remove old', { verb: 'templates', action: { kind: 'remove', template: 'old' } }],
    ],
    refuses: [
      ['templates delete x', /^Unexpected "delete"/],
      ['templates publish', /^Say which template to publish/],
      ['templates remove a b', /^Unexpected "b"/],
    ],
  },
  help: {
    parses: [
      ['help', { verb: 'help' }],
      ['help demo', { verb: 'help' }],
    ],
    refuses: [],
  },
};

describe('commands/parse-command', () => {
  it.each([
    ['', { verb: 'help' }],
    ['   ', { verb: 'help' }],
    ['help', { verb: 'help' }],
    ['HELP', { verb: 'help' }],
    ['demo', { verb: 'demo' }],
    ['demo esxi8', { verb: 'demo', template: 'esxi8' }],
    ['demo for 4h', { verb: 'demo', lifetimeMinutes: 240 }],
    ['demo vsphere8 for 1h30m', { verb: 'demo', template: 'vsphere8', lifetimeMinutes: 90 }],
    ['repro TICKET-123', { verb: 'repro', ticket: 'TICKET-123' }],
    ['repro SUP-42 esxi7', { verb: 'repro', ticket: 'SUP-42', template: 'esxi7' }],
    ['list', { verb: 'list', all: false }],
    ['list all', { verb: 'list', all: true }],
    ['status demo-4kq', { verb: 'status', labId: 'demo-4kq' }],
    ['status DEMO-4kq Script', { verb: 'status', labId: 'demo-4kq', script: true }],
    ['teardown Demo-4KQ', { verb: 'teardown', labId: 'demo-4kq' }],
    ['templates', { verb: 'templates' }],
  ])('parses %j', (text, expected) => {
    expect(parse(text)).toEqual(expected);
  });

  it.each([
    ['frobnicate', /Unknown command "frobnicate"/],
    ['demo for', /for. needs a duration/],
    ['demo for ever', /"ever" is not a duration/],
    ['demo for 0h', /not a duration/],
    ['repro', /he ticket id is missing/],
    ['repro <!channel>', /"<!channel>" is not a ticket id/],
    ['repro TICKET-1<&>', /is not a ticket id/],
    ['repro T-1 esxi8 extra', /nexpected "extra"/],
    ['status', /he lab id is missing/],
    ['status <script>', /is not a lab id/],
    ['status script demo-4kq', /Unexpected "demo-4kq"/],
    ['status demo-4kq script now', /Unexpected "script now"/],
    ['teardown a b', /nexpected "b"/],
    ['list everything', /nexpected "everything"/],
  ])('refuses %j with a usage error', (text, message) => {
    expect(() => parse(text)).toThrow(UserError);
    expect(() => parse(text)).toThrow(message);
  });

  it('refuses 10 kB of text before parsing it', () => {
    expect(() => parse('demo '.repeat(2000))).toThrow(/10000 characters long; labbot reads at most 500/);
  });

  it('clips echoed user text so errors cannot carry a wall of text', () => {
    expect(() => parse(`x${'y'.repeat(300)}`)).toThrow(/Unknown command "xy{39}…"/);
  });

  // The alphabet noise generator is shared with test/fuzz, which also runs grammar-aware commands end to end.
  it('never throws anything but UserError on random input', () => {
    const random = new FuzzRandom(42);
    for (let i = 0; i < 2000; i++) {
      const text = noiseCommand(random);
      try {
        parse(text);
      } catch (error) {
        expect(error).toBeInstanceOf(UserError);
      }
    }
  });

  describe('every verb of the registry', () => {
    it.each(COMMAND_LIST.map((spec) => [spec.verb]))('has parse and usage-error cases for %s', (verb) => {
      const cases = VERB_CASES[verb];
      expect(cases?.parses.length).toBeGreaterThan(0);
      // `help` reads nothing after the verb, so nothing can be wrong with it.
      if (verb !== 'help') {
        expect(cases?.refuses.length).toBeGreaterThan(0);
      }
    });

    const parses = Object.values(VERB_CASES).flatMap((c) => c.parses);
    it.each(parses)('parses %j', (text, expected) => {
      expect(parse(text)).toEqual(expected);
    });

    const refusals = COMMAND_LIST.flatMap((spec) =>
      (VERB_CASES[spec.verb]?.refuses ?? []).map(([text, problem]) => [text, problem, spec.usage] as const),
    );
    it.each(refusals)('refuses %j saying what is wrong and the usage line', (text, problem, usage) => {
      expect(() => parse(text)).toThrow(UserError);
      expect(() => parse(text)).toThrow(problem);
      expect(() => parse(text)).toThrow(`Usage: \`${usage}\``);
    });

    // Each alias, in any case, is its verb: the first valid example with the verb word swapped.
    const aliases = COMMAND_LIST.flatMap((spec) =>
      spec.aliases.map((alias) => [alias, spec.verb, VERB_CASES[spec.verb]?.parses[0]] as const),
    );
    it.each(aliases)('reads %j as %s', (alias, _verb, example) => {
      expect(example).toBeDefined();
      const [text, expected] = example!;
      const rest = text.split(' ').slice(1).join(' ');
      expect(parse(`${alias.toUpperCase()} ${rest}`)).toEqual(expected);
    });
  });
});

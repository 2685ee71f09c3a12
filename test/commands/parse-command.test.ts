import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { UserError } from '../../src/labs/errors';
import { parseCommand } from '../../src/commands/parse-command';
import { noiseCommand } from '../fuzz/command-strings';
import { FuzzRandom } from '../fuzz/fuzz-random';

const options = { ticketPattern: DEFAULT_POLICY.ticketPattern };
const parse = (text: string) => parseCommand(text, options);

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
});

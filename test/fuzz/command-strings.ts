/**
 * Random `/lab …` texts for fuzzing, from two sources: grammar-aware commands (every verb and alias parseCommand
 * knows, with plausible and implausible arguments: durations, ticket ids, lab ids, templates, mentions) mutated
 * with hostile text (mrkdwn and mention injections, XML and filter metacharacters, unicode, control characters,
 * very long words), and plain noise over a small alphabet (the parser test's original generator).
 */
import { MAX_COMMAND_LENGTH } from '../../src/commands/parse-command';
import { type FuzzRandom } from './fuzz-random';

/** Every word parseCommand accepts as a verb (aliases included); keep in step with parse-command.ts. */
export const VERBS = [
  'help',
  '-h',
  '--help',
  'demo',
  'repro',
  'list',
  'ls',
  'status',
  'teardown',
  'delete',
  'destroy',
  'extend',
  'keep',
  'snooze',
  'suspend',
  'resume',
  'handoff',
  'give',
  'cost',
  'templates',
] as const;

/** Text Slack or VCD would treat as markup or syntax if it were pasted raw. */
export const INJECTIONS = [
  '<!channel>',
  '<!here>',
  '<!everyone>',
  '<@U0ADMIN>',
  '<@U0ADMIN|admin>',
  '<#C0LABS>',
  '<!subteam^S0DEPLOY>',
  '<https://evil.example|click me>',
  '&amp;',
  '&lt;!channel&gt;',
  '*bold*',
  '_it_',
  '~strike~',
  '`code`',
  '```block```',
  '> quote',
  "' OR 1=1 --",
  '"quoted"',
  'a;b',
  'a,b',
  '(x)',
  '*',
  '<Error/>',
  ']]>',
  '<![CDATA[x]]>',
  '&#60;',
  'name==*;(a,b)',
  '%00',
  '${process.exit()}',
  '__proto__',
  'constructor',
  'toString',
  '[object Object]',
];

const UNICODE = [
  'é',
  'ß',
  'İ',
  'ﬁ',
  '😀',
  '👩‍💻',
  '\u202e',
  '\u200b',
  '\ufeff',
  '\u00a0',
  '\u3000',
  'e\u0301',
  '\ud800',
  '\udfff',
  '𝔡𝔢𝔪𝔬',
  'демо',
  '演示',
  'ﾃﾞﾓ',
];

const CONTROL = [
  '\u0000',
  '\u0007',
  '\u0008',
  '\u001b[31m',
  '\r',
  '\n',
  '\t',
  '\u000b',
  '\u000c',
  '\u007f',
  '\u0085',
];

const DURATIONS = [
  '4h',
  '90m',
  '2d',
  '1h30m',
  '1.5h',
  '1w',
  '30min',
  '2hr',
  '0h',
  '0m',
  '-1h',
  '1e3h',
  '99999d',
  '367d',
  '366d',
  '4 h',
  'h',
  '4',
  '4x',
  'NaN',
  'Infinity',
  '1h-1m',
  '0.0001m',
  '９h',
];

const TICKETS = ['TICKET-123', 'SUP-42', 'T-1', 'ABC-0', 'ticket-9', 'SUP-', '-1', 'X'.repeat(60), 'T-1<&>'];

const TEMPLATES = ['esxi8', 'esxi7', 'vsphere8', 'ESXI8', 'nope', 'a'.repeat(33), 'esxi8;drop', '-x', '0'];

const LAB_IDS = [
  'demo-4kq',
  'repro-sup-42',
  'demo-zzz',
  'Demo-4KQ',
  'x-1',
  'demo-',
  '-demo',
  'demo_4kq',
  'a'.repeat(70),
];

const USERS = [
  '<@U0BOB|bob>',
  '<@U0BOB>',
  '@U0BOB',
  'U0BOB',
  '<@W0ENT>',
  '<@u0bob>',
  '<@U>',
  '@',
  '<!channel>',
];

const WORDS = ['all', 'me', 'day', 'week', 'month', 'tomorrow', 'in-use', 'for', 'by', 'ALL', 'Tomorrow'];

/** The original parser-fuzz alphabet (test/commands/parse-command.test.ts). */
const NOISE_ALPHABET = 'ab demo repro list status teardown for 4h <>&!@#`*_~\n\t-0123456789';

/** Where generated texts may pick real lab ids from (those the runner has created so far). */
export interface CommandWorld {
  labIds: readonly string[];
}

/** One random command text. About 70% grammar-aware, 20% hostile, 10% noise. */
export function randomCommand(random: FuzzRandom, world: CommandWorld = { labIds: [] }): string {
  const roll = random.next();
  if (roll < 0.1) {
    return noiseCommand(random);
  }
  const base = grammarCommand(random, world);
  return roll < 0.8 ? maybeMutate(random, base, 0.3) : maybeMutate(random, base, 1);
}

/** Characters from the parser test's small alphabet: short noise that stays near the grammar. */
export function noiseCommand(random: FuzzRandom, maxLength = 60): string {
  const length = random.int(0, maxLength);
  return Array.from({ length }, () => random.pick([...NOISE_ALPHABET])).join('');
}

function labId(random: FuzzRandom, world: CommandWorld): string {
  if (world.labIds.length > 0 && random.chance(0.6)) {
    const id = random.pick(world.labIds);
    return random.chance(0.1) ? id.toUpperCase() : id;
  }
  return random.chance(0.3) ? hostileWord(random) : random.pick(LAB_IDS);
}

function hostileWord(random: FuzzRandom): string {
  const parts = Array.from({ length: random.int(1, 3) }, () =>
    random.pick([random.pick(INJECTIONS), random.pick(UNICODE), random.pick(CONTROL), 'x']),
  );
  return parts.join('');
}

/** A command as people type it: a verb (any case, alias or not) with arguments that fit it or nearly do. */
export function grammarCommand(random: FuzzRandom, world: CommandWorld = { labIds: [] }): string {
  const verb = random.pick(VERBS);
  const verbWord = random.chance(0.1) ? verb.toUpperCase() : verb;
  const id = (): string => labId(random, world);
  const some = <T>(items: readonly T[]): T => random.pick(items);
  let args: string[];
  switch (verb) {
    case 'demo':
      args = [
        ...(random.chance(0.6) ? [some(TEMPLATES)] : []),
        ...(random.chance(0.5) ? ['for', ...(random.chance(0.9) ? [some(DURATIONS)] : [])] : []),
      ];
      break;
    case 'repro':
      args = [
        ...(random.chance(0.9) ? [random.chance(0.3) ? hostileWord(random) : some(TICKETS)] : []),
        ...(random.chance(0.4) ? [some(TEMPLATES)] : []),
      ];
      break;
    case 'extend':
      args = [id(), ...(random.chance(0.6) ? [random.chance(0.2) ? 'by' : some(DURATIONS)] : [])];
      break;
    case 'keep':
    case 'snooze':
      args = [id(), ...Array.from({ length: random.int(0, 2) }, () => some([...WORDS, ...DURATIONS]))];
      break;
    case 'handoff':
    case 'give':
      args = [id(), ...(random.chance(0.9) ? [random.chance(0.2) ? hostileWord(random) : some(USERS)] : [])];
      break;
    case 'cost':
    case 'list':
    case 'ls':
      args = Array.from({ length: random.int(0, 2) }, () => some(WORDS));
      break;
    case 'status':
    case 'teardown':
    case 'delete':
    case 'destroy':
    case 'suspend':
    case 'resume':
      args = random.chance(0.9) ? [id()] : [];
      break;
    default:
      args = [];
  }
  if (random.chance(0.1)) {
    args.push(some([...WORDS, ...INJECTIONS]));
  }
  const separator = (): string => random.pick([' ', ' ', ' ', '  ', '\t', '\n', '\u00a0', '\u3000']);
  return [verbWord, ...args].reduce((text, word) => text + separator() + word);
}

/** Applies up to a few mutations with the given probability each round: insert, replace, cut, repeat, pad. */
function maybeMutate(random: FuzzRandom, text: string, probability: number): string {
  let out = text;
  for (let round = 0; round < 3 && random.chance(probability); round++) {
    const at = random.int(0, out.length);
    switch (random.int(0, 7)) {
      case 0:
        out = out.slice(0, at) + random.pick(INJECTIONS) + out.slice(at);
        break;
      case 1:
        out = out.slice(0, at) + random.pick(UNICODE) + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + random.pick(CONTROL) + out.slice(at);
        break;
      case 3:
        out = out.slice(0, at) + out.slice(at + random.int(1, 5));
        break;
      case 4: {
        // Very long: around the parser's limit, and far beyond it.
        const length = random.pick([
          MAX_COMMAND_LENGTH - 5,
          MAX_COMMAND_LENGTH,
          MAX_COMMAND_LENGTH + 1,
          5000,
        ]);
        out = out.padEnd(length, random.pick(['x', ' ', '<!channel>', '&', 'é']));
        break;
      }
      case 5:
        out = random.chance(0.5) ? '' : random.pick(['   ', '\n', '\t\t', '\u200b']);
        break;
      case 6:
        out = `${out} ${random.pick(INJECTIONS)}`;
        break;
      default:
        out = out.replace(/[a-z]/, (c) => c.toUpperCase());
    }
  }
  return out;
}

/**
 * One parser per verb: each reads the words after its verb (case kept as typed) and returns the parsed command.
 * Pure. The command registry (command-registry.ts) lists them; parse-command.ts picks one by the first word.
 */
import { CLASS_NAME_PATTERN, type StudentRef } from '../labs/class';
import { parseDurationMinutes } from '../labs/duration';
import { LAB_ID_PATTERN } from '../labs/lab-id';
import { isTimeWord } from '../labs/ready-time';
import { TEMPLATE_KEY_PATTERN } from '../labs/templates';
import { type VerbParseContext } from './command-spec';
import { type CommandOf, type CostPeriod } from './parsed-command';

/** `help`, `-h`, `--help`: nothing after the verb is read. */
export function parseHelp(): CommandOf<'help'> {
  return { verb: 'help' };
}

export function parseDemo(args: readonly string[], context: VerbParseContext): CommandOf<'demo'> {
  const options = readDeployOptions(args, 0, context);
  return { verb: 'demo', ...options };
}

export function parseRepro(args: readonly string[], context: VerbParseContext): CommandOf<'repro'> {
  const [ticket] = args;
  if (ticket === undefined) {
    throw context.usage('the ticket id is missing');
  }
  if (!new RegExp(context.ticketPattern).test(ticket)) {
    throw context.usage(`"${clip(ticket)}" is not a ticket id (expected something like TICKET-123)`);
  }
  return { verb: 'repro', ticket, ...readDeployOptions(args, 1, context) };
}

/** What may follow `demo` or `repro TICKET`, in any order: a template, `for DURATION`, `at TIME` / `ready by TIME`. */
interface DeployOptions {
  template?: string;
  lifetimeMinutes?: number;
  readyBy?: string[];
}

function readDeployOptions(args: readonly string[], from: number, context: VerbParseContext): DeployOptions {
  const options: DeployOptions = {};
  for (let i = from; i < args.length; i++) {
    const word = args[i] ?? '';
    const lower = word.toLowerCase();
    if (lower === 'for') {
      const value = args[i + 1];
      const minutes = value === undefined ? undefined : parseDurationMinutes(value);
      if (minutes === undefined) {
        throw context.usage(
          value === undefined
            ? '`for` needs a duration such as 4h or 90m'
            : `"${clip(value)}" is not a duration such as 4h, 90m or 2d`,
        );
      }
      options.lifetimeMinutes = minutes;
      i++;
    } else if (lower === 'at' || (lower === 'ready' && args[i + 1]?.toLowerCase() === 'by')) {
      const start = lower === 'at' ? i + 1 : i + 2;
      let end = start;
      while (end < args.length && isTimeWord(args[end] ?? '')) {
        end++;
      }
      if (end === start) {
        throw context.usage(
          `\`${lower === 'at' ? 'at' : 'ready by'}\` needs a time such as 14:00, 2pm, tomorrow 9:00 or monday 10:30`,
        );
      }
      if (options.readyBy !== undefined) {
        throw context.usage('give one ready time');
      }
      options.readyBy = args.slice(start, end).map((w) => w.toLowerCase());
      i = end - 1;
    } else if (options.template === undefined && TEMPLATE_KEY_PATTERN.test(lower)) {
      options.template = lower;
    } else if (from > 0 && i === from) {
      // Right after the ticket only a template fits.
      throw context.usage(`"${clip(word)}" is not a template name`);
    } else {
      throw context.usage(`unexpected "${clip(word)}"`);
    }
  }
  return options;
}

export function parseCapture(args: readonly string[], context: VerbParseContext): CommandOf<'capture'> {
  const [id, name, ...rest] = args;
  const labId = oneLabId(context, id === undefined ? [] : [id]);
  if (name === undefined) {
    throw context.usage('the name of the new template is missing');
  }
  if (rest.length > 0) {
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  // Lowercased like every template key users type; a clash with an existing key is the use case's to find.
  const template = name.toLowerCase();
  if (!TEMPLATE_KEY_PATTERN.test(template)) {
    throw context.usage(
      `"${clip(name)}" is not a template name: up to 32 lowercase letters, digits and dashes, starting with a letter or digit`,
    );
  }
  return { verb: 'capture', labId, template };
}

export function parseList(args: readonly string[], context: VerbParseContext): CommandOf<'list'> {
  if (args.length === 0) {
    return { verb: 'list', all: false };
  }
  if (args.length === 1 && args[0]?.toLowerCase() === 'all') {
    return { verb: 'list', all: true };
  }
  throw context.usage(`unexpected "${clip(args.join(' '))}"`);
}

export function parseExtend(args: readonly string[], context: VerbParseContext): CommandOf<'extend'> {
  const [id, duration, ...rest] = args;
  const labId = oneLabId(context, id === undefined ? [] : [id]);
  if (rest.length > 0) {
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  if (duration === undefined) {
    return { verb: 'extend', labId };
  }
  const minutes = parseDurationMinutes(duration.replace(/^by$/i, ''));
  if (minutes === undefined) {
    throw context.usage(`"${clip(duration)}" is not a duration such as 2h or 1d`);
  }
  return { verb: 'extend', labId, minutes };
}

export function parseKeep(args: readonly string[], context: VerbParseContext): CommandOf<'keep'> {
  const [id, ...rest] = args;
  const labId = oneLabId(context, id === undefined ? [] : [id]);
  let minutes: number | undefined;
  let tomorrow = false;
  let inUse = false;
  for (const word of rest.map((w) => w.toLowerCase())) {
    if (word === 'tomorrow') {
      tomorrow = true;
    } else if (word === 'in-use') {
      inUse = true;
    } else if (minutes === undefined && parseDurationMinutes(word) !== undefined) {
      minutes = parseDurationMinutes(word);
    } else {
      throw context.usage(`unexpected "${clip(word)}"`);
    }
  }
  if (tomorrow && minutes !== undefined) {
    throw context.usage('give a duration or `tomorrow`, not both');
  }
  return {
    verb: 'keep',
    labId,
    ...(minutes !== undefined ? { minutes } : {}),
    ...(tomorrow ? { tomorrow } : {}),
    ...(inUse ? { inUse } : {}),
  };
}

/** Slack sends a mention as `<@U123|name>` (slash commands with should_escape); people also type ids. */
const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$|^@?([UW][A-Z0-9]{2,})$/;

export function parseHandoff(args: readonly string[], context: VerbParseContext): CommandOf<'handoff'> {
  const [id, user, ...rest] = args;
  const labId = oneLabId(context, id === undefined ? [] : [id]);
  if (user === undefined) {
    throw context.usage('say who gets the lab (@user)');
  }
  if (rest.length > 0) {
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  const match = MENTION.exec(user);
  const newOwner = match?.[1] ?? match?.[2];
  if (newOwner === undefined) {
    throw context.usage(`"${clip(user)}" is not a Slack user; mention them with @`);
  }
  return { verb: 'handoff', labId, newOwner };
}

export function parseTemplates(args: readonly string[], context: VerbParseContext): CommandOf<'templates'> {
  const [action, name, ...rest] = args;
  if (action === undefined) {
    return { verb: 'templates' };
  }
  const kind = action.toLowerCase();
  if (kind !== 'publish' && kind !== 'remove') {
    throw context.usage(`unexpected "${clip(action)}"`);
  }
  if (name === undefined) {
    throw context.usage(`say which template to ${kind}`);
  }
  if (rest.length > 0) {
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  const template = name.toLowerCase();
  if (!TEMPLATE_KEY_PATTERN.test(template)) {
    throw context.usage(`"${clip(name)}" is not a template name`);
  }
  return { verb: 'templates', action: { kind, template } };
}

export function parseCost(args: readonly string[], context: VerbParseContext): CommandOf<'cost'> {
  let scope: 'me' | 'all' = 'me';
  let period: CostPeriod | undefined;
  let csv = false;
  for (const word of args.map((a) => a.toLowerCase())) {
    if (word === 'me' || word === 'all') {
      scope = word;
    } else if (word === 'day' || word === 'week' || word === 'month') {
      period = word;
    } else if (word === 'csv') {
      csv = true;
    } else {
      throw context.usage(`unexpected "${clip(word)}"`);
    }
  }
  return { verb: 'cost', scope, ...(period !== undefined ? { period } : {}), ...(csv ? { csv } : {}) };
}

export function parseCancel(args: readonly string[], context: VerbParseContext): CommandOf<'cancel'> {
  return { verb: 'cancel', labId: oneLabId(context, args) };
}

export function parseTeardown(args: readonly string[], context: VerbParseContext): CommandOf<'teardown'> {
  return { verb: 'teardown', labId: oneLabId(context, args) };
}

export function parseSuspend(args: readonly string[], context: VerbParseContext): CommandOf<'suspend'> {
  return { verb: 'suspend', labId: oneLabId(context, args) };
}

export function parseResume(args: readonly string[], context: VerbParseContext): CommandOf<'resume'> {
  return { verb: 'resume', labId: oneLabId(context, args) };
}

/** `status LAB` or `status LAB script`. */
export function parseStatus(args: readonly string[], context: VerbParseContext): CommandOf<'status'> {
  const last = args[args.length - 1];
  if (args.length === 2 && last !== undefined && last.toLowerCase() === 'script') {
    return { verb: 'status', labId: oneLabId(context, args.slice(0, 1)), script: true };
  }
  return { verb: 'status', labId: oneLabId(context, args) };
}

/** Exactly one lab id, lowercased. */
function oneLabId(context: VerbParseContext, args: readonly string[]): string {
  const [id, ...rest] = args;
  if (id === undefined) {
    throw context.usage('the lab id is missing (`/lab list` shows yours)');
  }
  if (rest.length > 0) {
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  const labId = id.toLowerCase();
  if (!LAB_ID_PATTERN.test(labId)) {
    throw context.usage(`"${clip(id)}" is not a lab id such as demo-4kq`);
  }
  return labId;
}

/** Keeps echoed user text short so an error cannot be used to post a wall of text. */
export function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** `<#C123|general>` as Slack escapes a channel (slash commands with should_escape), or a bare id. */
const CHANNEL = /^<#([CG][A-Z0-9]{2,})(?:\|[^>]*)?>$|^#([CG][A-Z0-9]{2,})$/;
/** `<!subteam^S123|@trainees>` as Slack escapes a user group, or a bare id. */
const USER_GROUP = /^<!subteam\^(S[A-Z0-9]{2,})(?:\|[^>]*)?>$|^@?(S[A-Z0-9]{2,})$/;

/** Words that end a list of students or a time in `/lab class`. */
const CLASS_KEYWORDS = new Set(['for', 'at', 'ready', 'name']);

/** Sub-commands of `/lab class` that act on an existing class by name. */
const CLASS_NAMED = new Set(['show', 'add', 'teardown', 'extend', 'suspend', 'resume']);

/**
 * `/lab class TEMPLATE for @alice @bob … | #channel | @group [at TIME] [for DURATION] [name NAME]`, or a
 * sub-command: `list [all]`, `show NAME`, `add NAME @carol`, `teardown|suspend|resume NAME`, `extend NAME [DURATION]`.
 */
export function parseClass(args: readonly string[], context: VerbParseContext): CommandOf<'class'> {
  const [first, ...rest] = args;
  if (first === undefined) {
    throw context.usage('say the template and who the students are (`for @alice @bob`, `for #channel`)');
  }
  const sub = first.toLowerCase();
  if (sub === 'list') {
    if (rest.length === 0 || (rest.length === 1 && rest[0]?.toLowerCase() === 'all')) {
      return { verb: 'class', action: { kind: 'list', all: rest.length === 1 } };
    }
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  if (CLASS_NAMED.has(sub)) {
    return { verb: 'class', action: parseNamedClassAction(sub, rest, context) };
  }
  return { verb: 'class', action: parseClassCreate(args, context) };
}

function parseNamedClassAction(
  sub: string,
  args: readonly string[],
  context: VerbParseContext,
): Extract<CommandOf<'class'>['action'], { name: string }> {
  const [nameWord, ...rest] = args;
  if (nameWord === undefined) {
    throw context.usage(`say which class to ${sub} (\`/lab class list\` shows yours)`);
  }
  const name = className(nameWord, context);
  if (sub === 'add') {
    if (rest.length === 0) {
      throw context.usage('say who joins the class (@user, #channel or @group)');
    }
    return { kind: 'add', name, students: rest.map((word) => studentRef(word, context)) };
  }
  if (sub === 'extend') {
    const [duration, ...more] = rest;
    if (more.length > 0) {
      throw context.usage(`unexpected "${clip(more.join(' '))}"`);
    }
    if (duration === undefined) {
      return { kind: 'extend', name };
    }
    const minutes = parseDurationMinutes(duration);
    if (minutes === undefined) {
      throw context.usage(`"${clip(duration)}" is not a duration such as 2h or 1d`);
    }
    return { kind: 'extend', name, minutes };
  }
  if (rest.length > 0) {
    throw context.usage(`unexpected "${clip(rest.join(' '))}"`);
  }
  return sub === 'show' ? { kind: 'show', name } : { kind: sub as 'teardown' | 'suspend' | 'resume', name };
}

function parseClassCreate(
  args: readonly string[],
  context: VerbParseContext,
): Extract<CommandOf<'class'>['action'], { kind: 'create' }> {
  let template: string | undefined;
  const students: ReturnType<typeof studentRef>[] = [];
  let lifetimeMinutes: number | undefined;
  let name: string | undefined;
  let readyByText: string | undefined;
  let i = 0;
  const first = args[0];
  if (first !== undefined && !CLASS_KEYWORDS.has(first.toLowerCase())) {
    if (!TEMPLATE_KEY_PATTERN.test(first.toLowerCase())) {
      throw context.usage(`"${clip(first)}" is not a template name`);
    }
    template = first.toLowerCase();
    i = 1;
  }
  while (i < args.length) {
    const word = (args[i] ?? '').toLowerCase();
    i++;
    if (word === 'for') {
      const next = args[i];
      const minutes = next === undefined ? undefined : parseDurationMinutes(next);
      if (minutes !== undefined) {
        if (lifetimeMinutes !== undefined) {
          throw context.usage('give the class duration once');
        }
        lifetimeMinutes = minutes;
        i++;
        continue;
      }
      const before = students.length;
      while (i < args.length && !CLASS_KEYWORDS.has((args[i] ?? '').toLowerCase())) {
        students.push(studentRef(args[i] ?? '', context));
        i++;
      }
      if (students.length === before) {
        throw context.usage('`for` needs students (@user, #channel, @group) or a duration such as 3h');
      }
    } else if (word === 'at' || (word === 'ready' && args[i]?.toLowerCase() === 'by')) {
      // The refusal names the words the trainer typed, as the deploy verbs' does.
      const typed = word === 'ready' ? 'ready by' : 'at';
      if (word === 'ready') {
        i++;
      }
      const words: string[] = [];
      while (i < args.length && !CLASS_KEYWORDS.has((args[i] ?? '').toLowerCase())) {
        words.push(args[i] ?? '');
        i++;
      }
      if (words.length === 0 || readyByText !== undefined) {
        throw context.usage(`\`${typed}\` needs one time, such as 14:00 or tomorrow 9:00`);
      }
      readyByText = clip(words.join(' '));
    } else if (word === 'name') {
      const value = args[i];
      if (value === undefined || name !== undefined) {
        throw context.usage('`name` needs one class name');
      }
      name = className(value, context);
      i++;
    } else {
      throw context.usage(`unexpected "${clip(args[i - 1] ?? '')}"`);
    }
  }
  if (students.length === 0) {
    throw context.usage('say who the students are: `for @alice @bob`, `for #channel` or `for @group`');
  }
  return {
    kind: 'create',
    ...(template !== undefined ? { template } : {}),
    students,
    ...(lifetimeMinutes !== undefined ? { lifetimeMinutes } : {}),
    ...(name !== undefined ? { name } : {}),
    ...(readyByText !== undefined ? { readyByText } : {}),
  };
}

function studentRef(word: string, context: VerbParseContext): StudentRef {
  const user = MENTION.exec(word);
  const userId = user?.[1] ?? user?.[2];
  if (userId !== undefined) {
    return { user: userId };
  }
  const channel = CHANNEL.exec(word);
  const channelId = channel?.[1] ?? channel?.[2];
  if (channelId !== undefined) {
    return { channel: channelId };
  }
  const group = USER_GROUP.exec(word);
  const groupId = group?.[1] ?? group?.[2];
  if (groupId !== undefined) {
    return { userGroup: groupId };
  }
  throw context.usage(`"${clip(word)}" is not a Slack user, channel or user group; mention them with @ or #`);
}

function className(word: string, context: VerbParseContext): string {
  const name = word.toLowerCase();
  if (!CLASS_NAME_PATTERN.test(name)) {
    throw context.usage(`"${clip(word)}" is not a class name: up to 32 lowercase letters, digits and dashes`);
  }
  return name;
}

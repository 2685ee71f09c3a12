import { UserError } from '../labs/errors';
import { parseDurationMinutes } from '../labs/duration';
import { LAB_ID_PATTERN } from '../labs/lab-id';
import { TEMPLATE_KEY_PATTERN } from '../labs/templates';
import { COMMAND_USAGE, type CostPeriod, type LabCommand, type Verb } from './lab-command';

/** Longest command text we read; anything longer is refused before parsing (Slack allows ~4000 characters). */
export const MAX_COMMAND_LENGTH = 500;

const TEMPLATE_KEY = TEMPLATE_KEY_PATTERN;

export interface ParseOptions {
  /** Source of the anchored regular expression a ticket id must match. */
  ticketPattern: string;
}

/**
 * Parses the text after `/lab`. Pure.
 * @throws UserError (code `usage`) with a message saying what was wrong and the right usage.
 */
export function parseCommand(text: string, options: ParseOptions): LabCommand {
  if (text.length > MAX_COMMAND_LENGTH) {
    throw new UserError(
      'usage',
      `That command is ${text.length} characters long; labbot reads at most ${MAX_COMMAND_LENGTH}. Try \`/lab help\`.`,
    );
  }
  const words = text
    .trim()
    .split(/\s+/)
    .filter((w) => w !== '');
  const [first, ...args] = words;
  if (first === undefined) {
    return { verb: 'help' };
  }
  const verb = first.toLowerCase();
  switch (verb) {
    case 'help':
    case '-h':
    case '--help':
      return { verb: 'help' };
    case 'demo':
      return parseDemo(args);
    case 'repro':
      return parseRepro(args, options);
    case 'list':
    case 'ls':
      return parseList(args);
    case 'status':
      return { verb: 'status', labId: oneLabId('status', args) };
    case 'teardown':
    case 'delete':
    case 'destroy':
      return { verb: 'teardown', labId: oneLabId('teardown', args) };
    case 'extend':
      return parseExtend(args);
    case 'keep':
    case 'snooze':
      return parseKeep(args);
    case 'suspend':
      return { verb: 'suspend', labId: oneLabId('suspend', args) };
    case 'resume':
      return { verb: 'resume', labId: oneLabId('resume', args) };
    case 'handoff':
    case 'give':
      return parseHandoff(args);
    case 'cost':
      return parseCost(args);
    case 'templates':
      return parseTemplates(args);
    case 'capture':
      return parseCapture(args);
    default:
      throw new UserError(
        'usage',
        `Unknown command "${clip(first)}". Commands: ${COMMAND_USAGE.map((c) => c.verb).join(', ')}. Try \`/lab help\`.`,
      );
  }
}

function parseDemo(args: string[]): LabCommand {
  let template: string | undefined;
  let lifetimeMinutes: number | undefined;
  for (let i = 0; i < args.length; i++) {
    const word = args[i] ?? '';
    if (word.toLowerCase() === 'for') {
      const value = args[i + 1];
      const minutes = value === undefined ? undefined : parseDurationMinutes(value);
      if (minutes === undefined) {
        throw usage(
          'demo',
          value === undefined
            ? '`for` needs a duration such as 4h or 90m'
            : `"${clip(value)}" is not a duration such as 4h, 90m or 2d`,
        );
      }
      lifetimeMinutes = minutes;
      i++;
    } else if (template === undefined && TEMPLATE_KEY.test(word.toLowerCase())) {
      template = word.toLowerCase();
    } else {
      throw usage('demo', `unexpected "${clip(word)}"`);
    }
  }
  return {
    verb: 'demo',
    ...(template !== undefined ? { template } : {}),
    ...(lifetimeMinutes !== undefined ? { lifetimeMinutes } : {}),
  };
}

function parseRepro(args: string[], options: ParseOptions): LabCommand {
  const [ticket, template, ...rest] = args;
  if (ticket === undefined) {
    throw usage('repro', 'the ticket id is missing');
  }
  if (!new RegExp(options.ticketPattern).test(ticket)) {
    throw usage('repro', `"${clip(ticket)}" is not a ticket id (expected something like TICKET-123)`);
  }
  if (template !== undefined && !TEMPLATE_KEY.test(template.toLowerCase())) {
    throw usage('repro', `"${clip(template)}" is not a template name`);
  }
  if (rest.length > 0) {
    throw usage('repro', `unexpected "${clip(rest.join(' '))}"`);
  }
  return { verb: 'repro', ticket, ...(template !== undefined ? { template: template.toLowerCase() } : {}) };
}

function parseCapture(args: string[]): LabCommand {
  const [id, name, ...rest] = args;
  const labId = oneLabId('capture', id === undefined ? [] : [id]);
  if (name === undefined) {
    throw usage('capture', 'the name of the new template is missing');
  }
  if (rest.length > 0) {
    throw usage('capture', `unexpected "${clip(rest.join(' '))}"`);
  }
  // Lowercased like every template key users type; a clash with an existing key is the use case's to find.
  const template = name.toLowerCase();
  if (!TEMPLATE_KEY.test(template)) {
    throw usage(
      'capture',
      `"${clip(name)}" is not a template name: up to 32 lowercase letters, digits and dashes, starting with a letter or digit`,
    );
  }
  return { verb: 'capture', labId, template };
}

function parseList(args: string[]): LabCommand {
  if (args.length === 0) {
    return { verb: 'list', all: false };
  }
  if (args.length === 1 && args[0]?.toLowerCase() === 'all') {
    return { verb: 'list', all: true };
  }
  throw usage('list', `unexpected "${clip(args.join(' '))}"`);
}

function parseExtend(args: string[]): LabCommand {
  const [id, duration, ...rest] = args;
  const labId = oneLabId('extend', id === undefined ? [] : [id]);
  if (rest.length > 0) {
    throw usage('extend', `unexpected "${clip(rest.join(' '))}"`);
  }
  if (duration === undefined) {
    return { verb: 'extend', labId };
  }
  const minutes = parseDurationMinutes(duration.replace(/^by$/i, ''));
  if (minutes === undefined) {
    throw usage('extend', `"${clip(duration)}" is not a duration such as 2h or 1d`);
  }
  return { verb: 'extend', labId, minutes };
}

function parseKeep(args: string[]): LabCommand {
  const [id, ...rest] = args;
  const labId = oneLabId('keep', id === undefined ? [] : [id]);
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
      throw usage('keep', `unexpected "${clip(word)}"`);
    }
  }
  if (tomorrow && minutes !== undefined) {
    throw usage('keep', 'give a duration or `tomorrow`, not both');
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

function parseHandoff(args: string[]): LabCommand {
  const [id, user, ...rest] = args;
  const labId = oneLabId('handoff', id === undefined ? [] : [id]);
  if (user === undefined) {
    throw usage('handoff', 'say who gets the lab (@user)');
  }
  if (rest.length > 0) {
    throw usage('handoff', `unexpected "${clip(rest.join(' '))}"`);
  }
  const match = MENTION.exec(user);
  const newOwner = match?.[1] ?? match?.[2];
  if (newOwner === undefined) {
    throw usage('handoff', `"${clip(user)}" is not a Slack user; mention them with @`);
  }
  return { verb: 'handoff', labId, newOwner };
}

function parseTemplates(args: string[]): LabCommand {
  const [action, name, ...rest] = args;
  if (action === undefined) {
    return { verb: 'templates' };
  }
  const kind = action.toLowerCase();
  if (kind !== 'publish' && kind !== 'remove') {
    throw usage('templates', `unexpected "${clip(action)}"`);
  }
  if (name === undefined) {
    throw usage('templates', `say which template to ${kind}`);
  }
  if (rest.length > 0) {
    throw usage('templates', `unexpected "${clip(rest.join(' '))}"`);
  }
  const template = name.toLowerCase();
  if (!TEMPLATE_KEY_PATTERN.test(template)) {
    throw usage('templates', `"${clip(name)}" is not a template name`);
  }
  return { verb: 'templates', action: { kind, template } };
}

function parseCost(args: string[]): LabCommand {
  let scope: 'me' | 'all' = 'me';
  let period: CostPeriod | undefined;
  for (const word of args.map((a) => a.toLowerCase())) {
    if (word === 'me' || word === 'all') {
      scope = word;
    } else if (word === 'day' || word === 'week' || word === 'month') {
      period = word;
    } else {
      throw usage('cost', `unexpected "${clip(word)}"`);
    }
  }
  return { verb: 'cost', scope, ...(period !== undefined ? { period } : {}) };
}

function oneLabId(verb: Verb, args: string[]): string {
  const [id, ...rest] = args;
  if (id === undefined) {
    throw usage(verb, 'the lab id is missing (`/lab list` shows yours)');
  }
  if (rest.length > 0) {
    throw usage(verb, `unexpected "${clip(rest.join(' '))}"`);
  }
  const labId = id.toLowerCase();
  if (!LAB_ID_PATTERN.test(labId)) {
    throw usage(verb, `"${clip(id)}" is not a lab id such as demo-4kq`);
  }
  return labId;
}

function usage(verb: Verb, problem: string): UserError {
  const line = COMMAND_USAGE.find((c) => c.verb === verb)?.usage ?? '/lab help';
  return new UserError('usage', `${capitalize(problem)}. Usage: \`${line}\``);
}

/** Keeps echoed user text short so an error cannot be used to post a wall of text. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

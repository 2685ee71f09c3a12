/**
 * The shape of one entry of the command registry (command-registry.ts): everything labbot knows about a verb.
 * Kept apart from the registry so that the parsers and runners it lists can name these types without importing it.
 */
import { type UserError } from '../labs/errors';
import { type ClassService } from '../labs/class-service';
import { type LabService } from '../labs/lab-service';
import { type LabPolicy } from '../labs/policy';
import { type Clock, type Logger, type Random } from '../labs/ports';
import { type CommandContext } from './command-context';
import { type LabViewContext } from './lab-reply';
import { type CommandOf, type Verb } from './parsed-command';
import { type Reply } from './reply';

export interface CommandRunnerDeps {
  service: LabService;
  policy: LabPolicy;
  clock: Clock;
  random: Random;
  logger: Logger;
  simulated: boolean;
  /** Public base URL of labbot's HTTP endpoints (keep-alive URLs); none in the local shell. */
  publicUrl?: string;
  /** Classrooms (`/lab class`); without it the verb says classes are not enabled. */
  classes?: ClassService;
}

/** What a verb's parser gets besides its words. */
export interface VerbParseContext {
  /** Source of the anchored regular expression a ticket id must match. */
  ticketPattern: string;
  /** The UserError for a malformed command: `problem`, then the verb's usage line from the registry. */
  usage(problem: string): UserError;
}

/**
 * Reads the words after the verb (as typed, case kept). Pure.
 * @throws UserError (code `usage`), made with `context.usage`.
 */
export type VerbParser<V extends Verb> = (args: readonly string[], context: VerbParseContext) => CommandOf<V>;

/** What a verb's runner gets besides the command and who ran it. */
export interface RunEnv {
  deps: CommandRunnerDeps;
  /** How lab replies are rendered now (time, rates, simulated). */
  view: () => LabViewContext;
  /** The reply made for the caller only (answers to commands are never posted to the channel). */
  answer: (reply: Reply) => Reply;
}

/** Runs one parsed command through the use cases. May throw: the command runner turns errors into replies. */
export type VerbRunner<V extends Verb> = (
  command: CommandOf<V>,
  context: CommandContext,
  env: RunEnv,
) => Promise<Reply>;

/** A button on a lab message that runs this verb on the lab: `/lab <verb> <lab id> <args>`. */
export interface ButtonCommand {
  /** What follows the lab id, e.g. `2h in-use`; empty for none. */
  args: string;
  /** The presser's UTC offset matters to the command (`keep … tomorrow` means their 9:00). */
  usesTimeZone?: boolean;
}

export interface CommandSpec<V extends Verb> {
  verb: V;
  /** Other words that mean the verb, lowercase (`ls` for `list`). */
  aliases: readonly string[];
  /** Usage line, shown by `/lab help` and in usage errors. */
  usage: string;
  /** One line on what it does, shown by `/lab help`. */
  purpose: string;
  parse: VerbParser<V>;
  run: VerbRunner<V>;
  /** Buttons running this verb, by Block Kit action id (the Slack listeners register one handler per id). */
  actions?: Readonly<Record<string, ButtonCommand>>;
}

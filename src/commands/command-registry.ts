/**
 * The command registry: every `/lab` verb once, with its aliases, usage line, purpose, parser, runner and the lab
 * buttons that run it. `/lab help`, parsing (parse-command.ts), metrics' verb names (command-verb.ts), the buttons'
 * commands (lab-actions.ts) and the Slack action listeners (slack/listeners/index.ts) all read this table, so a
 * new verb is one entry here (see docs/architecture.md).
 */
import { type CommandContext } from './command-context';
import { type ButtonCommand, type CommandSpec, type RunEnv } from './command-spec';
import { LAB_ACTION, type LabActionId } from './lab-action-ids';
import { type CommandOf, type Verb } from './parsed-command';
import {
  parseCancel,
  parseCapture,
  parseClass,
  parseCost,
  parseDemo,
  parseExtend,
  parseHandoff,
  parseHelp,
  parseKeep,
  parseList,
  parseRepro,
  parseResume,
  parseStatus,
  parseSuspend,
  parseTeardown,
  parseTemplates,
} from './parse-verbs';
import { type Reply } from './reply';
import {
  runCancel,
  runCapture,
  runClass,
  runCost,
  runDemo,
  runExtend,
  runHandoff,
  runKeep,
  runList,
  runRepro,
  runResume,
  runStatus,
  runSuspend,
  runTeardown,
  runTemplates,
} from './run-verbs';

/**
 * Every verb, in the order `/lab help` lists them. Typed per verb, so the compiler refuses a verb of LabCommand
 * without an entry, or a parser or runner of the wrong verb.
 */
export const COMMANDS: { readonly [V in Verb]: CommandSpec<V> } = {
  demo: {
    verb: 'demo',
    aliases: [],
    usage: '/lab demo [template] [for DURATION] [at TIME|ready by TIME]',
    purpose:
      'deploy a demo lab (default lifetime a few hours), e.g. `/lab demo vsphere8 for 3h`; with a TIME (14:00, 2pm, tomorrow 9:00, monday 10:30, 2026-12-03 09:00, in your time zone) it is ready then and bills from then',
    parse: parseDemo,
    run: runDemo,
  },
  repro: {
    verb: 'repro',
    aliases: [],
    usage: '/lab repro TICKET [template] [for DURATION] [at TIME|ready by TIME]',
    purpose:
      'deploy the lab for a support ticket; one per ticket, asking again returns it; `at TIME` schedules it',
    parse: parseRepro,
    run: runRepro,
  },
  class: {
    verb: 'class',
    aliases: [],
    usage:
      '/lab class TEMPLATE for @user… | #channel | @group [for DURATION] [name NAME] | list | show|add|extend|suspend|resume|teardown NAME',
    purpose:
      'a classroom: one lab per student, owned by the student, with a roster in the channel; the trainer manages every lab, e.g. `/lab class esxi8 for #vsphere-101 for 3h`',
    parse: parseClass,
    run: runClass,
  },
  list: {
    verb: 'list',
    aliases: ['ls'],
    usage: '/lab list [all]',
    purpose: 'your labs with state, cost and expiry (`all`: everyone’s, admins only)',
    parse: parseList,
    run: runList,
  },
  status: {
    verb: 'status',
    aliases: [],
    usage: '/lab status LAB [script]',
    purpose:
      'one lab: state, VMs, cost so far and per hour; how to reach it (IP, URLs, vmnic MACs) for its owner and admins (`script`: the esxcli script that sets up the 1:1 MAC mapping in each nested ESXi host)',
    parse: parseStatus,
    run: runStatus,
  },
  teardown: {
    verb: 'teardown',
    aliases: ['delete', 'destroy'],
    usage: '/lab teardown LAB',
    purpose: 'delete a lab and stop its bill (owner or admin)',
    parse: parseTeardown,
    run: runTeardown,
    // The lab message's "Tear down" and the reaper warning's "Tear down now".
    actions: { [LAB_ACTION.teardown]: { args: '' } },
  },
  cancel: {
    verb: 'cancel',
    aliases: [],
    usage: '/lab cancel LAB',
    purpose:
      'cancel a scheduled lab before its deploy starts; nothing was deployed or billed (owner or admin)',
    parse: parseCancel,
    run: runCancel,
  },
  extend: {
    verb: 'extend',
    aliases: [],
    usage: '/lab extend LAB [DURATION]',
    purpose: 'more time for a lab (its kind sets the default and the most it may live)',
    parse: parseExtend,
    run: runExtend,
    actions: { [LAB_ACTION.extend]: { args: '' } },
  },
  suspend: {
    verb: 'suspend',
    aliases: [],
    usage: '/lab suspend LAB',
    purpose: 'pause a lab: CPU and RAM stop billing, only storage goes on',
    parse: parseSuspend,
    run: runSuspend,
    actions: { [LAB_ACTION.suspend]: { args: '' } },
  },
  resume: {
    verb: 'resume',
    aliases: [],
    usage: '/lab resume LAB',
    purpose: 'power a suspended lab on again (also brings back a lab in the reaper’s restore window)',
    parse: parseResume,
    run: runResume,
    actions: { [LAB_ACTION.resume]: { args: '' }, [LAB_ACTION.bringBack]: { args: '' } },
  },
  keep: {
    verb: 'keep',
    aliases: ['snooze'],
    usage: '/lab keep LAB [DURATION|tomorrow|in-use]',
    purpose: 'tell the idle reaper to leave a lab alone, as the buttons of its warning do',
    parse: parseKeep,
    run: runKeep,
    // The reaper warning's buttons (reaper/reaper-replies.ts).
    actions: {
      [LAB_ACTION.keep2h]: { args: '2h' },
      [LAB_ACTION.keepTomorrow]: { args: 'tomorrow', usesTimeZone: true },
      [LAB_ACTION.inUse]: { args: '2h in-use' },
    },
  },
  handoff: {
    verb: 'handoff',
    aliases: ['give'],
    usage: '/lab handoff LAB @user',
    purpose: 'give a lab to someone else (owner or admin)',
    parse: parseHandoff,
    run: runHandoff,
  },
  cost: {
    verb: 'cost',
    aliases: [],
    usage: '/lab cost [me|all] [day|week|month] [csv]',
    purpose:
      'what your labs billed this day, week or month (`all`: everyone’s, admins only; `csv`: a file per owner, kind, ticket and template)',
    parse: parseCost,
    run: runCost,
  },
  capture: {
    verb: 'capture',
    aliases: [],
    usage: '/lab capture LAB NAME',
    purpose:
      'save a lab to the catalog as new template NAME, private to you until an admin publishes it; it powers off meanwhile (owner or admin)',
    parse: parseCapture,
    run: runCapture,
  },
  templates: {
    verb: 'templates',
    aliases: [],
    usage: '/lab templates [publish|remove NAME]',
    purpose:
      'templates you can deploy, with their hourly rate; `publish` a captured one to everyone (admins), `remove` one (its owner or an admin)',
    parse: parseTemplates,
    run: runTemplates,
  },
  help: {
    verb: 'help',
    aliases: ['-h', '--help'],
    usage: '/lab help',
    purpose: 'this help',
    parse: parseHelp,
    run: runHelp,
  },
};

/** One entry of the registry, whatever its verb. */
export type AnyCommandSpec = { [V in Verb]: CommandSpec<V> }[Verb];

/** The registry as a list, in help order. */
export const COMMAND_LIST: readonly AnyCommandSpec[] = Object.values(COMMANDS);

// A Map, not an object: a word like `constructor` must not find Object.prototype's.
const BY_WORD: ReadonlyMap<string, AnyCommandSpec> = new Map(
  COMMAND_LIST.flatMap((spec) =>
    [spec.verb, ...spec.aliases].map((word): [string, AnyCommandSpec] => [word, spec]),
  ),
);

/** The entry a typed first word names (verb or alias, any case); undefined for an unknown word. Pure. */
export function findCommand(word: string): AnyCommandSpec | undefined {
  return BY_WORD.get(word.toLowerCase());
}

/** Runs a parsed command with its verb's runner. */
export function runParsed(command: CommandOf<Verb>, context: CommandContext, env: RunEnv): Promise<Reply> {
  // TypeScript cannot tie COMMANDS[command.verb] to the member of the union `command` is; the table's type does.
  const run = COMMANDS[command.verb].run as (
    c: CommandOf<Verb>,
    x: CommandContext,
    e: RunEnv,
  ) => Promise<Reply>;
  return run(command, context, env);
}

/** A button's action id with the verb it runs and what follows the lab id. */
export interface LabButton extends ButtonCommand {
  actionId: LabActionId;
  verb: Verb;
}

/** Every lab button, from the registry's `actions`. */
export const LAB_BUTTONS: readonly LabButton[] = COMMAND_LIST.flatMap((spec) =>
  Object.entries(spec.actions ?? {}).map(([actionId, button]) => ({
    // Only the ids of LAB_ACTION are written as keys above; test/commands/command-registry.test.ts checks each
    // of them appears exactly once.
    actionId: actionId as LabActionId,
    verb: spec.verb,
    ...button,
  })),
);

/** What the caller may do, so help lists only commands they can run. */
export interface HelpAudience {
  mayDeploy: boolean;
  isAdmin: boolean;
}

/** Usage of the commands the caller may run, generated from the registry. */
export function helpReply(
  simulated: boolean,
  audience: HelpAudience = { mayDeploy: true, isAdmin: true },
): Reply {
  const shown = COMMAND_LIST.filter(
    (c) => audience.mayDeploy || (c.verb !== 'demo' && c.verb !== 'repro' && c.verb !== 'class'),
  ).map((c) =>
    audience.isAdmin
      ? c
      : {
          ...c,
          usage: c.usage.replace(' [all]', '').replace('[me|all] ', ''),
          purpose: c.purpose.replace(/ \(`all`:[^)]*\)/, ''),
        },
  );
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: 'labbot: self-service nested-ESXi labs that clean up after themselves',
    sections: [
      { type: 'list', items: shown.map((c) => [{ code: c.usage }, `  ${c.purpose}`]) },
      {
        type: 'context',
        text: [
          `DURATION: 90m, 4h, 2d. Every lab shows its cost so far and per hour.${audience.mayDeploy ? '' : ' Deploying is not open to you here; ask a labbot admin.'}${simulated ? ' Running against the simulated VCD.' : ''}`,
        ],
      },
    ],
  };
}

function runHelp(_command: CommandOf<'help'>, context: CommandContext, { deps }: RunEnv): Promise<Reply> {
  return Promise.resolve(
    helpReply(deps.simulated, {
      mayDeploy: deps.service.mayDeploy(context.user, context.channel, context.userGroups ?? []),
      isAdmin: deps.service.isAdmin(context.user),
    }),
  );
}

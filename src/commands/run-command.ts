import { costSoFar, costTotals, formatUsd, hourlyRate } from '../labs/cost';
import { UserError } from '../labs/errors';
import { type Lab } from '../labs/lab';
import { formatMinutes } from '../labs/duration';
import { type LabService } from '../labs/lab-service';
import { type LabPolicy } from '../labs/policy';
import { type Clock, type Logger, type Random } from '../labs/ports';
import { type CommandContext, type CommandRunner } from './command-context';
import { COMMAND_USAGE, type LabCommand } from './lab-command';
import { labLine, labReply, type LabViewContext } from './lab-reply';
import { parseCommand } from './parse-command';
import { type Reply } from './reply';
import { errorReply } from './report-error';

export interface CommandRunnerDeps {
  service: LabService;
  policy: LabPolicy;
  clock: Clock;
  random: Random;
  logger: Logger;
  simulated: boolean;
  /** Public base URL of labbot's HTTP endpoints (keep-alive URLs); none in the local shell. */
  publicUrl?: string;
}

/**
 * Turns `/lab …` text into a use case call and its Reply. The same runner serves Slack and the local shell.
 */
export function createCommandRunner(deps: CommandRunnerDeps): CommandRunner {
  const view = (): LabViewContext => ({
    now: deps.clock.now(),
    rates: deps.policy.rates,
    simulated: deps.simulated,
  });
  // Answers to commands are for the caller only: the lab's own message, which the notifier posts and keeps up
  // to date, is what the channel sees, so the channel gets one message per lab rather than one per command.
  const answer = (reply: Reply): Reply => ({ ...reply, visibility: 'ephemeral' });

  async function execute(command: LabCommand, context: CommandContext): Promise<Reply> {
    switch (command.verb) {
      case 'help':
        return helpReply(deps.simulated, {
          mayDeploy: deps.service.mayDeploy(context.user, context.channel, context.userGroups ?? []),
          isAdmin: deps.service.isAdmin(context.user),
        });
      case 'templates':
        if (command.action?.kind === 'publish') {
          await deps.service.publishTemplate(context.user, command.action.template);
          return {
            visibility: 'ephemeral',
            tone: 'success',
            title: `Template ${command.action.template} is published: everyone can deploy it now (\`/lab demo ${command.action.template}\`).`,
            sections: [],
          };
        }
        if (command.action?.kind === 'remove') {
          return removedTemplateReply(
            command.action.template,
            await deps.service.removeTemplate(context.user, command.action.template),
          );
        }
        return templatesReply(deps, context.user);
      case 'capture': {
        const lab = await deps.service.capture(context.user, command.labId, command.template);
        return {
          ...answer(labReply(lab, view())),
          title: `Capturing lab ${lab.id} as template ${command.template}: it powers off, is saved to the catalog and comes back. You will be told when \`/lab demo ${command.template}\` can deploy it.`,
        };
      }
      case 'demo': {
        const { lab } = await deps.service.deploy({
          user: context.user,
          ...(context.channel !== undefined ? { channel: context.channel } : {}),
          ...(context.userGroups !== undefined ? { userGroups: context.userGroups } : {}),
          kind: 'demo',
          ...(command.template !== undefined ? { template: command.template } : {}),
          ...(command.lifetimeMinutes !== undefined ? { lifetimeMinutes: command.lifetimeMinutes } : {}),
        });
        const estimate = hourlyRate(lab.spec, deps.policy.rates);
        const reply = answer(labReply(lab, view()));
        return {
          ...reply,
          sections: [
            {
              type: 'text',
              text: [
                `Estimated ≈ ${formatUsd(estimate.total)}/h while running, ${formatUsd(estimate.storage)}/h while suspended. Progress follows here.`,
              ],
            },
            ...reply.sections,
          ],
        };
      }
      case 'repro': {
        const { lab, existing } = await deps.service.deploy({
          user: context.user,
          ...(context.channel !== undefined ? { channel: context.channel } : {}),
          ...(context.userGroups !== undefined ? { userGroups: context.userGroups } : {}),
          kind: 'repro',
          ticket: command.ticket,
          ...(command.template !== undefined ? { template: command.template } : {}),
        });
        const reply = answer(labReply(lab, view()));
        return existing
          ? {
              ...reply,
              title: `Ticket ${command.ticket} already has lab ${lab.id}: ${reply.title.split(': ').slice(1).join(': ')}`,
            }
          : reply;
      }
      case 'list': {
        const labs = await deps.service.list(context.user, command.all);
        const live = labs.filter((l) => l.phase !== 'deleted' && l.phase !== 'failed');
        if (live.length === 0) {
          return {
            visibility: 'ephemeral',
            tone: 'info',
            title: command.all ? 'No live labs.' : 'You have no live labs. `/lab demo` deploys one.',
            sections: [],
          };
        }
        return {
          visibility: 'ephemeral',
          tone: 'info',
          title: command.all
            ? `${live.length} live lab${live.length === 1 ? '' : 's'}`
            : `Your labs (${live.length})`,
          sections: [
            {
              type: 'list',
              items: live.map((lab) =>
                command.all
                  ? [labLine(lab, view()), '  owner ', { user: lab.owner }]
                  : [labLine(lab, view())],
              ),
            },
          ],
        };
      }
      case 'status': {
        const lab = await deps.service.status(command.labId);
        if (lab.owner === context.user) {
          await deps.service.touch(lab.id);
        }
        return answer(
          labReply(lab, {
            ...view(),
            viewer: context.user,
            ...(deps.publicUrl !== undefined ? { publicUrl: deps.publicUrl } : {}),
            ...(deps.service.mayAccess(context.user, lab) ? {} : { hideAccess: true }),
          }),
        );
      }
      case 'extend':
        return answer(
          labReply(await deps.service.extend(context.user, command.labId, command.minutes), view()),
        );
      case 'keep': {
        const now = deps.clock.now();
        const until = command.tomorrow
          ? tomorrowAt(now, 9, context.utcOffsetMinutes ?? 0)
          : new Date(now.getTime() + (command.minutes ?? 120) * 60_000);
        const lab = await deps.service.keep(context.user, command.labId, until, command.inUse === true);
        const reply = answer(labReply(lab, view()));
        return {
          ...reply,
          title: `Kept lab ${lab.id} until ${until.toISOString().slice(0, 16).replace('T', ' ')} UTC${command.inUse ? '; thanks, the false alarm is recorded' : ''}.`,
        };
      }
      case 'suspend':
        return answer(labReply(await deps.service.suspend(context.user, command.labId), view()));
      case 'resume':
        return answer(labReply(await deps.service.resume(context.user, command.labId), view()));
      case 'handoff': {
        const lab = await deps.service.handoff(context.user, command.labId, command.newOwner);
        return {
          ...answer(labReply(lab, view())),
          title: `Lab ${lab.id} now belongs to ${command.newOwner}.`,
        };
      }
      case 'cost':
        if (command.scope === 'all' && !deps.service.isAdmin(context.user)) {
          throw new UserError(
            'not_owner',
            'Only labbot admins can see everyone’s costs. `/lab cost` shows yours.',
          );
        }
        return costReply(
          await deps.service.history(command.scope === 'all' ? undefined : context.user),
          command,
          context.user,
          deps,
        );
      case 'teardown':
        return answer(labReply(await deps.service.teardown(context.user, command.labId), view()));
    }
  }

  return {
    async run(text, context) {
      try {
        return await execute(parseCommand(text, { ticketPattern: deps.policy.ticketPattern }), context);
      } catch (error) {
        return errorReply(error, deps.logger, deps.random);
      }
    },
  };
}

/** What the caller may do, so help lists only commands they can run. */
export interface HelpAudience {
  mayDeploy: boolean;
  isAdmin: boolean;
}

/** Usage of the commands the caller may run, generated from the command table. */
export function helpReply(
  simulated: boolean,
  audience: HelpAudience = { mayDeploy: true, isAdmin: true },
): Reply {
  const shown = COMMAND_USAGE.filter(
    (c) => audience.mayDeploy || (c.verb !== 'demo' && c.verb !== 'repro'),
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

/** The next `hour`:00 in the user's local time (given as an offset from UTC) after `now`, at least a day ahead. */
export function tomorrowAt(now: Date, hour: number, utcOffsetMinutes: number): Date {
  const local = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  const target = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, hour, 0, 0);
  return new Date(target - utcOffsetMinutes * 60_000);
}

const PERIOD_MS = { day: 86_400_000, week: 7 * 86_400_000, month: 30 * 86_400_000 } as const;

/** Cost so far of the labs created in the period, in total and per kind, ticket and (for `all`) person. */
function costReply(
  labs: Lab[],
  command: Extract<LabCommand, { verb: 'cost' }>,
  user: string,
  deps: CommandRunnerDeps,
): Reply {
  const now = deps.clock.now();
  const since = command.period ? new Date(now.getTime() - PERIOD_MS[command.period]) : undefined;
  const inPeriod = since ? labs.filter((l) => l.createdAt >= since) : labs;
  const rates = deps.policy.rates;
  const total = inPeriod.reduce((sum, l) => sum + costSoFar(l, now, rates), 0);
  const rows = (by: 'owner' | 'kind' | 'ticket'): string[][] =>
    costTotals(inPeriod, by, now, rates).map((t) => [t.key, String(t.labs), formatUsd(t.cost)]);
  const sections: Reply['sections'] = [
    { type: 'table', columns: ['kind', 'labs', 'cost'], rows: rows('kind') },
  ];
  const tickets = rows('ticket');
  if (tickets.length > 0) {
    sections.push({ type: 'table', columns: ['ticket', 'labs', 'cost'], rows: tickets });
  }
  if (command.scope === 'all') {
    sections.push({ type: 'table', columns: ['owner', 'labs', 'cost'], rows: rows('owner') });
  }
  sections.push({
    type: 'context',
    text: [
      `Labs created ${command.period ? `in the last ${command.period}` : 'ever'}; cost so far, billed per minute.`,
    ],
  });
  const whose = command.scope === 'all' ? 'All labs' : user === '' ? 'Labs' : 'Your labs';
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: `${whose}: ${formatUsd(total)} (${inPeriod.length} lab${inPeriod.length === 1 ? '' : 's'})`,
    sections,
  };
}

/** What `/lab templates remove` did, saying what it left in VCD. */
function removedTemplateReply(template: string, kept: { catalog: string; catalogItem: string }): Reply {
  return {
    visibility: 'ephemeral',
    tone: 'success',
    title: `Template ${template} is removed from labbot; nobody can deploy it any more.`,
    sections: [
      {
        type: 'context',
        text: [
          'Its catalog item ',
          { code: kept.catalogItem },
          ` is still in VCD catalog ${kept.catalog}: labbot never deletes catalog content; a VCD administrator deletes it there once nobody needs it.`,
        ],
      },
    ],
  };
}

async function templatesReply(deps: CommandRunnerDeps, user: string): Promise<Reply> {
  const templates = await deps.service.templates(user);
  const rows = templates.map(({ template, rate, private: unpublished, capturedBy }) => [
    template.key,
    unpublished
      ? `${template.description} (private to ${capturedBy === user ? 'you' : (capturedBy ?? 'its owner')} until an admin publishes it)`
      : template.description,
    `${template.vcpus} vCPU, ${template.memoryGb} GB RAM, ${template.storageGb} GB disk`,
    `${formatUsd(rate.total)}/h`,
  ]);
  const kinds = deps.policy.kinds.map(
    (k) =>
      `${k.name}: ${k.defaultTemplate}, ${formatMinutes(k.defaultLifetimeHours * 60)} (max ${formatMinutes(k.maxLifetimeHours * 60)})`,
  );
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: 'Templates',
    sections: [
      { type: 'table', columns: ['template', 'what', 'size', 'rate'], rows },
      {
        type: 'context',
        text: [
          `Defaults per kind: ${kinds.join('; ')}${templates.some((t) => t.private) ? '. Captured templates are private to whoever captured them until an admin publishes them (`/lab templates publish NAME`); `/lab templates remove NAME` removes one of yours.' : ''}`,
        ],
      },
    ],
  };
}

/**
 * One runner per verb: each turns its parsed command into use case calls and the Reply the caller sees. The
 * command registry (command-registry.ts) lists them; run-command.ts picks one by the parsed verb. Runners may
 * throw; the command runner turns what they throw into the one failure reply (report-error.ts).
 */
import {
  billLabs,
  billRows,
  billTotals,
  type BillingPeriod,
  type LabBill,
  periodToDate,
} from '../labs/billing';
import { billCsv } from '../labs/billing-csv';
import { formatUsd, hourlyRate } from '../labs/cost';
import { UserError } from '../labs/errors';
import { formatMinutes } from '../labs/duration';
import { classActionReply, classCreatedReply, classListReply, rosterReply } from './class-reply';
import { type Lab } from '../labs/lab';
import { type DeployResult } from '../labs/lab-service';
import { schedulePolicy } from '../labs/policy';
import { formatReadyTime, isTimeZone, parseReadyTime, utcOffsetMinutesAt } from '../labs/ready-time';
import { type CommandContext } from './command-context';
import { type CommandRunnerDeps, type RunEnv } from './command-spec';
import { labLine, labReply, scriptReply } from './lab-reply';
import { type CommandOf } from './parsed-command';
import { type Reply } from './reply';

/** Where a deploy starts: the caller, and where they asked from. */
function requester(context: CommandContext): { user: string; channel?: string; userGroups?: string[] } {
  return {
    user: context.user,
    ...(context.channel !== undefined ? { channel: context.channel } : {}),
    ...(context.userGroups !== undefined ? { userGroups: context.userGroups } : {}),
  };
}

export async function runTemplates(
  command: CommandOf<'templates'>,
  context: CommandContext,
  { deps }: RunEnv,
): Promise<Reply> {
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
}

export async function runCapture(
  command: CommandOf<'capture'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  const lab = await deps.service.capture(context.user, command.labId, command.template);
  return {
    ...answer(labReply(lab, view())),
    title: `Capturing lab ${lab.id} as template ${command.template}: it powers off, is saved to the catalog and comes back. You will be told when \`/lab demo ${command.template}\` can deploy it.`,
  };
}

export async function runDemo(
  command: CommandOf<'demo'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  const timeZone = userTimeZone(context, deps);
  const readyBy = readyByOf(command.readyBy, timeZone, deps);
  const { lab, schedule } = await deps.service.deploy({
    ...requester(context),
    kind: 'demo',
    ...(command.template !== undefined ? { template: command.template } : {}),
    ...(command.lifetimeMinutes !== undefined ? { lifetimeMinutes: command.lifetimeMinutes } : {}),
    ...(readyBy !== undefined ? { readyBy } : {}),
  });
  const estimate = hourlyRate(lab.spec, deps.policy.rates);
  const reply = answer(labReply(lab, { ...view(), timeZone }));
  return {
    ...reply,
    sections: [
      {
        type: 'text',
        text: [
          `Estimated ≈ ${formatUsd(estimate.total)}/h while running, ${formatUsd(estimate.storage)}/h while suspended. ${
            schedule !== undefined ? scheduleWords(lab, schedule, timeZone) : 'Progress follows here.'
          }`,
        ],
      },
      ...reply.sections,
    ],
  };
}

export async function runRepro(
  command: CommandOf<'repro'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  const timeZone = userTimeZone(context, deps);
  const readyBy = readyByOf(command.readyBy, timeZone, deps);
  const { lab, existing, schedule } = await deps.service.deploy({
    ...requester(context),
    kind: 'repro',
    ticket: command.ticket,
    ...(command.template !== undefined ? { template: command.template } : {}),
    ...(command.lifetimeMinutes !== undefined ? { lifetimeMinutes: command.lifetimeMinutes } : {}),
    ...(readyBy !== undefined ? { readyBy } : {}),
  });
  const reply = answer(labReply(lab, { ...view(), timeZone }));
  if (existing) {
    return {
      ...reply,
      title: `Ticket ${command.ticket} already has lab ${lab.id}: ${reply.title.split(': ').slice(1).join(': ')}`,
    };
  }
  return schedule !== undefined
    ? {
        ...reply,
        sections: [{ type: 'text', text: [scheduleWords(lab, schedule, timeZone)] }, ...reply.sections],
      }
    : reply;
}

/** The caller's time zone: Slack's, else the configured default. */
/**
 * Where the caller's day, week and month start: a button's UTC offset, else the caller's Slack time zone at `now`
 * (its offset now: a period spanning a DST change is off by that hour at its start), else UTC.
 */
function costOffsetMinutes(context: CommandContext, now: Date): number {
  if (context.utcOffsetMinutes !== undefined) {
    return context.utcOffsetMinutes;
  }
  return context.timeZone !== undefined && isTimeZone(context.timeZone)
    ? utcOffsetMinutesAt(now, context.timeZone)
    : 0;
}

function userTimeZone(context: CommandContext, deps: CommandRunnerDeps): string {
  return context.timeZone ?? schedulePolicy(deps.policy).defaultTimeZone;
}

/**
 * The instant the words after `at` / `ready by` name, in the caller's time zone.
 * @throws UserError (usage) when they name none: in the past, ambiguous, too far ahead.
 */
function readyByOf(words: string[] | undefined, timeZone: string, deps: CommandRunnerDeps): Date | undefined {
  if (words === undefined) {
    return undefined;
  }
  const result = parseReadyTime(words, deps.clock.now(), timeZone, {
    maxDaysAhead: schedulePolicy(deps.policy).maxDaysAhead,
  });
  if ('problem' in result) {
    throw new UserError('usage', `Cannot schedule the lab: ${result.problem}`);
  }
  return result.at;
}

/** What the schedule means for the caller, in their time zone. */
function scheduleWords(lab: Lab, schedule: NonNullable<DeployResult['schedule']>, timeZone: string): string {
  const readyBy = lab.readyBy === undefined ? '' : formatReadyTime(lab.readyBy, timeZone);
  const expected = `${formatMinutes(schedule.expected.minutes)} (${schedule.expected.source})`;
  return schedule.tight
    ? `Scheduled for ${readyBy}, but deploying this template is expected to take ${expected}: it starts now and may be a little late. You will be told if it is.`
    : `Scheduled: ready by ${readyBy}. The deploy starts at ${lab.deployAt === undefined ? '' : formatReadyTime(lab.deployAt, timeZone)} (expected deploy time ${expected}); it bills from then and its lifetime counts from ${readyBy}. \`/lab cancel ${lab.id}\` cancels it.`;
}

export async function runList(
  command: CommandOf<'list'>,
  context: CommandContext,
  { deps, view }: RunEnv,
): Promise<Reply> {
  const labs = await deps.service.list(context.user, command.all);
  const listView = { ...view(), timeZone: userTimeZone(context, deps) };
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
          command.all ? [labLine(lab, listView), '  owner ', { user: lab.owner }] : [labLine(lab, listView)],
        ),
      },
    ],
  };
}

export async function runStatus(
  command: CommandOf<'status'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  const lab = await deps.service.status(command.labId);
  if (command.script === true) {
    // The same rule as the status reply's access details: the lab's owner or an admin.
    if (lab.owner !== context.user && !deps.service.isAdmin(context.user)) {
      throw new UserError(
        'not_owner',
        `Lab ${lab.id} belongs to someone else; only its owner or an admin can see its host scripts.`,
      );
    }
    return answer(scriptReply(lab));
  }
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

export async function runExtend(
  command: CommandOf<'extend'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  return answer(labReply(await deps.service.extend(context.user, command.labId, command.minutes), view()));
}

export async function runKeep(
  command: CommandOf<'keep'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
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

export async function runSuspend(
  command: CommandOf<'suspend'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  return answer(labReply(await deps.service.suspend(context.user, command.labId), view()));
}

export async function runResume(
  command: CommandOf<'resume'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  return answer(labReply(await deps.service.resume(context.user, command.labId), view()));
}

export async function runHandoff(
  command: CommandOf<'handoff'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  const lab = await deps.service.handoff(context.user, command.labId, command.newOwner);
  return { ...answer(labReply(lab, view())), title: `Lab ${lab.id} now belongs to ${command.newOwner}.` };
}

export async function runCost(
  command: CommandOf<'cost'>,
  context: CommandContext,
  { deps }: RunEnv,
): Promise<Reply> {
  if (command.scope === 'all' && !deps.service.isAdmin(context.user)) {
    throw new UserError('not_owner', 'Only labbot admins can see everyone’s costs. `/lab cost` shows yours.');
  }
  if (command.csv === true && command.scope !== 'all') {
    throw new UserError(
      'usage',
      'The CSV export is everyone’s costs, for admins: `/lab cost all month csv`.',
    );
  }
  const now = deps.clock.now();
  const period: BillingPeriod = command.period
    ? periodToDate(command.period, now, costOffsetMinutes(context, now))
    : { from: new Date(0), to: now };
  const { labs, intervals } = await deps.service.billing(
    period,
    command.scope === 'all' ? undefined : context.user,
  );
  const bills = billLabs(labs, intervals, deps.policy.rates, period, now);
  const reply = costReply(bills, command, context.user, period);
  if (command.csv !== true) {
    return reply;
  }
  const label = command.period ?? 'all-time';
  return {
    ...reply,
    file: {
      name: `labbot-cost-${label}-${period.from.toISOString().slice(0, 10)}.csv`,
      title: `labbot cost, ${periodWords(command, period)}`,
      mimeType: 'text/csv',
      content: billCsv(billRows(bills), period),
    },
  };
}

export async function runTeardown(
  command: CommandOf<'teardown'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  return answer(labReply(await deps.service.teardown(context.user, command.labId), view()));
}

export async function runCancel(
  command: CommandOf<'cancel'>,
  context: CommandContext,
  { deps, view, answer }: RunEnv,
): Promise<Reply> {
  const lab = await deps.service.cancel(context.user, command.labId);
  return {
    ...answer(labReply(lab, { ...view(), timeZone: userTimeZone(context, deps) })),
    title: `Lab ${lab.id} is cancelled: nothing had been deployed, so nothing was billed.`,
  };
}

/** The next `hour`:00 in the user's local time (given as an offset from UTC) after `now`, at least a day ahead. */
export function tomorrowAt(now: Date, hour: number, utcOffsetMinutes: number): Date {
  const local = new Date(now.getTime() + utcOffsetMinutes * 60_000);
  const target = Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() + 1, hour, 0, 0);
  return new Date(target - utcOffsetMinutes * 60_000);
}

/** What the report covers, in words: `this month (since 2026-03-01 00:00 UTC)`. */
function periodWords(command: CommandOf<'cost'>, period: BillingPeriod): string {
  return command.period
    ? `this ${command.period} (since ${period.from.toISOString().slice(0, 16).replace('T', ' ')} UTC)`
    : 'since the first lab';
}

/** What billed in the period, in total and per kind, ticket and (for `all`) person, from the ledger. */
function costReply(
  bills: readonly LabBill[],
  command: CommandOf<'cost'>,
  user: string,
  period: BillingPeriod,
): Reply {
  const total = bills.reduce((sum, b) => sum + b.cost, 0);
  const rows = (by: 'owner' | 'kind' | 'ticket'): string[][] =>
    billTotals(bills, by).map((t) => [t.key, String(t.labs), formatUsd(t.cost)]);
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
      `What ran ${periodWords(command, period)}: CPU and RAM while powered on, storage while the lab existed.${command.csv === true ? ' The CSV has a row per owner, kind, ticket and template.' : ''}`,
    ],
  });
  const whose = command.scope === 'all' ? 'All labs' : user === '' ? 'Labs' : 'Your labs';
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: `${whose}: ${formatUsd(total)} (${bills.length} lab${bills.length === 1 ? '' : 's'})`,
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

export async function runClass(
  command: CommandOf<'class'>,
  context: CommandContext,
  { deps, view }: RunEnv,
): Promise<Reply> {
  const classes = deps.classes;
  if (!classes) {
    throw new UserError('invalid_state', 'Classes are not enabled in this labbot.');
  }
  const action = command.action;
  switch (action.kind) {
    case 'create': {
      // `at 14:00` / `ready by tomorrow 9:00`, in the trainer's time zone, as for a scheduled demo.
      const timeZone = userTimeZone(context, deps);
      const readyBy =
        action.readyByText !== undefined
          ? readyByOf(action.readyByText.split(/\s+/), timeZone, deps)
          : undefined;
      const result = await classes.create({
        trainer: context.user,
        ...(context.channel !== undefined ? { channel: context.channel } : {}),
        ...(context.userGroups !== undefined ? { userGroups: context.userGroups } : {}),
        ...(action.template !== undefined ? { template: action.template } : {}),
        students: action.students,
        ...(action.lifetimeMinutes !== undefined ? { lifetimeMinutes: action.lifetimeMinutes } : {}),
        ...(action.name !== undefined ? { name: action.name } : {}),
        ...(readyBy !== undefined ? { readyBy } : {}),
      });
      const reply = classCreatedReply(result, false);
      return readyBy === undefined
        ? reply
        : {
            ...reply,
            sections: [
              {
                type: 'text',
                text: [
                  `Scheduled: every lab ready by ${formatReadyTime(readyBy, timeZone)}; the class's hours and the labs' lifetimes count from then. Deploys start early enough, learned from this template's recent deploys.`,
                ],
              },
              ...reply.sections,
            ],
          };
    }
    case 'add':
      return classCreatedReply(await classes.add(context.user, action.name, action.students), true);
    case 'list':
      return classListReply(await classes.list(context.user, action.all));
    case 'show': {
      const shown = await classes.show(action.name);
      return { ...rosterReply(shown.classroom, shown.seats, shown.labs, view()), visibility: 'ephemeral' };
    }
    case 'extend':
      return classActionReply(
        'extend',
        await classes.forAll(context.user, action.name, 'extend', action.minutes),
      );
    case 'teardown':
    case 'suspend':
    case 'resume':
      return classActionReply(action.kind, await classes.forAll(context.user, action.name, action.kind));
  }
}

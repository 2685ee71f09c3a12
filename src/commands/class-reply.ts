/**
 * What `/lab class …` answers, and the class's roster: the one channel message per class that the roster notifier
 * posts once and keeps up to date (each student's state, access and cost, and the class total). Pure.
 */
import { formatUsd } from '../labs/cost';
import { type ClassSeat, type Classroom, rosterRows, type RosterRow } from '../labs/class';
import { type ClassActionResult, type ClassResult } from '../labs/class-service';
import { type Lab } from '../labs/lab';
import { type LabViewContext, phaseWords } from './lab-reply';
import { type Reply, type RichText, type Section } from './reply';

/** The roster: one line per student, then the total. Shown in the class's channel, so it carries no secrets. */
export function rosterReply(
  classroom: Classroom,
  seats: readonly ClassSeat[],
  labs: readonly Lab[],
  context: LabViewContext,
): Reply {
  const { rows, total } = rosterRows(seats, labs, context.now, context.rates);
  const ready = rows.filter((r) => r.lab?.phase === 'ready').length;
  const ended = classroom.endedAt !== undefined;
  const sections: Section[] = [
    {
      type: 'text',
      text: [
        'Trainer ',
        { user: classroom.trainer },
        ` · template ${classroom.template} · ${hours(classroom)} UTC${ended ? ' · torn down' : ''}`,
      ],
    },
    rows.length > 0
      ? { type: 'list', items: rows.map((row) => rosterLine(row)) }
      : { type: 'text', text: ['No students yet.'] },
    {
      type: 'context',
      text: [
        `Class total ${formatUsd(total)} so far. Students: your lab's access details are in your DM from labbot. Trainer: \`/lab class extend|suspend|resume|teardown ${classroom.name}\` acts on every lab; \`/lab class add ${classroom.name} @user\` seats a latecomer.${context.simulated ? ' Simulated VCD: nothing real is deployed.' : ''}`,
      ],
    },
  ];
  return {
    visibility: 'channel',
    tone: 'info',
    title: `Class ${classroom.name}: ${ready} of ${rows.length} labs ready, ${formatUsd(total)} so far`,
    sections,
  };
}

function rosterLine(row: RosterRow): RichText {
  const lab = row.lab;
  if (!lab) {
    return [{ user: row.student }, '  no lab'];
  }
  const state = row.failedTwice
    ? `failed twice, not retried: ${lab.failureReason ?? 'see /lab status'}`
    : lab.phase === 'failed'
      ? `failed, being replaced: ${lab.failureReason ?? ''}`
      : phaseWords(lab);
  return [
    { user: row.student },
    '  ',
    { code: lab.id },
    `  ${state}${row.replaced && !row.failedTwice ? ' (replacement of a failed lab)' : ''}`,
    `  ${access(lab)}`,
    `  ${formatUsd(row.cost)}`,
  ];
}

/** Where the lab is reached (its public address), as the lab's own channel message shows it; no credentials. */
function access(lab: Lab): string {
  const ip = lab.network?.publicIp;
  if (ip !== undefined) {
    return `at ${ip}`;
  }
  const vmIp = lab.vms.flatMap((vm) => vm.nics).find((nic) => nic.ipAddress !== undefined)?.ipAddress;
  return vmIp !== undefined ? `at ${vmIp}` : '';
}

function hours(classroom: Classroom): string {
  const time = (d: Date): string => d.toISOString().slice(0, 16).replace('T', ' ');
  return `${time(classroom.startsAt)} to ${time(classroom.endsAt).slice(11)}`;
}

/** The answer to `/lab class TEMPLATE for …` and `/lab class add`. */
export function classCreatedReply(result: ClassResult, added: boolean): Reply {
  const { classroom, labs, skipped } = result;
  const sections: Section[] = [
    {
      type: 'list',
      items: labs.map((lab) => [{ user: lab.owner }, '  ', { code: lab.id }]),
    },
  ];
  if (skipped.length > 0) {
    sections.push({
      type: 'context',
      text: [
        'Not seated: ',
        ...skipped.flatMap((s, i): RichText => [
          ...(i > 0 ? ['; '] : []),
          { user: s.student },
          ` ${s.reason}`,
        ]),
      ],
    });
  }
  sections.push({
    type: 'context',
    text: [
      `Each student gets their lab's access details by DM; the roster in this channel follows every lab. \`/lab class show ${classroom.name}\` shows it here.`,
    ],
  });
  return {
    visibility: 'ephemeral',
    tone: 'success',
    title: added
      ? `Class ${classroom.name}: ${labs.length} more lab${labs.length === 1 ? '' : 's'} requested`
      : `Class ${classroom.name}: ${labs.length} lab${labs.length === 1 ? '' : 's'} of ${classroom.template} requested, until ${classroom.endsAt.toISOString().slice(11, 16)} UTC`,
    sections,
  };
}

/** `/lab class list`. */
export function classListReply(classes: readonly Classroom[]): Reply {
  if (classes.length === 0) {
    return {
      visibility: 'ephemeral',
      tone: 'info',
      title: 'You run no live class. `/lab class TEMPLATE for @students` starts one.',
      sections: [],
    };
  }
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: `Classes (${classes.length})`,
    sections: [
      {
        type: 'list',
        items: classes.map((c) => [
          { code: c.name },
          `  ${c.template}  ${hours(c)} UTC  trainer `,
          { user: c.trainer },
        ]),
      },
    ],
  };
}

/** What a whole-class command did. */
export function classActionReply(verb: string, result: ClassActionResult): Reply {
  const { classroom, done, skipped } = result;
  const past: Record<string, string> = {
    teardown: 'being torn down',
    extend: 'extended',
    suspend: 'being suspended',
    resume: 'being resumed',
  };
  return {
    visibility: 'ephemeral',
    tone: 'success',
    title: `Class ${classroom.name}: ${done.length} lab${done.length === 1 ? '' : 's'} ${past[verb] ?? verb}`,
    sections:
      skipped.length > 0
        ? [{ type: 'list', items: skipped.map((s) => [{ code: s.labId }, `  ${s.reason}`]) }]
        : [],
  };
}

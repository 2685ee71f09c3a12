/**
 * The reaper and classes (issue 18 item 1), kept apart from planReap's own idle rules: during class hours (start to
 * end, breaks included) a student's lab is never warned or acted on as idle, since students listening to the trainer
 * leave their labs idle by design; after the end, what the reaper has to say about the class's labs goes to the
 * trainer in one message per class instead of one DM per student. Pure.
 */
import { formatUsd, costSoFar } from '../labs/cost';
import { type Lab } from '../labs/lab';
import { type Rates } from '../labs/policy';
import { type Reply, type Section } from '../commands/reply';
import { type ReapDecision } from './plan-reap';
import { type Noticed } from './reaper-replies';

/** A class lab's class, as the reaper sees it. */
export interface ClassHours {
  className: string;
  trainer: string;
  startsAt: Date;
  endsAt: Date;
}

/** Looks up the class of each class lab among `labIds` (labs of no class are absent). */
export type ClassHoursOf = (labIds: readonly string[]) => Promise<ReadonlyMap<string, ClassHours>>;

/** True while the class is in session. */
export function inClassHours(hours: ClassHours, now: Date): boolean {
  return now >= hours.startsAt && now < hours.endsAt;
}

/** Idle decisions of class labs in session become `keep`, with the reason; everything else is left as planned. */
export function followClassSchedule(
  decisions: readonly ReapDecision[],
  classes: ReadonlyMap<string, ClassHours>,
  now: Date,
): ReapDecision[] {
  return decisions.map((d) => {
    const hours = classes.get(d.labId);
    if (hours === undefined || !inClassHours(hours, now)) {
      return d;
    }
    if ((d.kind === 'warn' || d.kind === 'act' || d.kind === 'defer') && d.cause === 'idle') {
      return {
        labId: d.labId,
        kind: 'keep',
        reason: `${d.reason}; class ${hours.className} is in session until ${hours.endsAt.toISOString().slice(11, 16)} UTC`,
      };
    }
    return d;
  });
}

/** Whom the notice about this lab goes to: the trainer after the class's end, else the lab's owner. */
export function noticeRecipient(
  lab: Lab,
  classes: ReadonlyMap<string, ClassHours>,
  now: Date,
): { trainerOf?: ClassHours } {
  const hours = classes.get(lab.id);
  return hours !== undefined && now >= hours.endsAt ? { trainerOf: hours } : {};
}

/** The trainer's one message about the labs of a class that has ended. */
export function classNotice(hours: ClassHours, items: readonly Noticed[], now: Date, rates: Rates): Reply {
  const warned = items.filter((i) => i.decision.kind === 'warn');
  const acted = items.filter((i) => i.decision.kind === 'act');
  const line = ({ lab, decision }: Noticed) => [
    { user: lab.owner },
    '  ',
    { code: lab.id },
    `  ${decision.kind === 'act' ? (decision.action === 'suspend' ? 'suspended' : 'deleted') : 'warned'}: ${decision.reason} (${formatUsd(costSoFar(lab, now, rates))})`,
  ];
  const sections: Section[] = [
    { type: 'list', items: [...warned, ...acted].map(line) },
    {
      type: 'context',
      text: [
        `Class ${hours.className} ended at ${hours.endsAt.toISOString().slice(11, 16)} UTC. \`/lab class extend ${hours.className} 2h\` keeps every lab longer; \`/lab class teardown ${hours.className}\` ends them all now.`,
      ],
    },
  ];
  return {
    visibility: 'ephemeral',
    tone: acted.length > 0 ? 'info' : 'progress',
    title: `Class ${hours.className} has ended: ${warned.length} lab${warned.length === 1 ? '' : 's'} warned, ${acted.length} cleaned up`,
    sections,
  };
}

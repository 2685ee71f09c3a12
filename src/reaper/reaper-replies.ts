import { LAB_ACTION } from '../commands/lab-action-ids';
import { type Reply, type ReplyAction, type Section } from '../commands/reply';
import { costSoFar, formatUsd, hourlyRate } from '../labs/cost';
import { type Lab } from '../labs/lab';
import { type Rates } from '../labs/policy';
import { type ReapDecision } from './plan-reap';

export interface Noticed {
  lab: Lab;
  decision: Extract<ReapDecision, { kind: 'warn' | 'act' }>;
}

/**
 * One DM per owner per cycle, listing every lab of theirs the cycle warned about or acted on, each with its
 * reason, cost so far and buttons (issue 7: no notification floods, decisions people can follow).
 */
export function ownerNotice(owner: string, items: readonly Noticed[], now: Date, rates: Rates): Reply {
  const warned = items.filter((i) => i.decision.kind === 'warn');
  const acted = items.filter((i) => i.decision.kind === 'act');
  const sections: Section[] = [];
  for (const { lab, decision } of [...warned, ...acted]) {
    const cost = formatUsd(costSoFar(lab, now, rates));
    const rate = formatUsd(hourlyRate(lab.spec, rates).total);
    if (decision.kind === 'warn') {
      sections.push({
        type: 'text',
        text: [
          { bold: `Lab ${lab.id}` },
          ` ${decision.reason}. ${cost} so far, ${rate}/h. Nothing happens before ${decision.actAfter.toISOString().slice(11, 16)} UTC.`,
        ],
      });
      sections.push({ type: 'actions', actions: warningButtons(lab) });
    } else {
      const done =
        decision.action === 'suspend'
          ? 'suspended (storage still bills; `/lab resume` brings it back)'
          : 'deleted';
      const window = decision.restoreUntil;
      if (decision.action === 'suspend' && window !== undefined) {
        // The restore window: say what it costs to keep and when it goes, and offer the way back.
        const storage = formatUsd(
          (hourlyRate(lab.spec, rates).storage * (window.getTime() - now.getTime())) / 3_600_000,
        );
        sections.push({
          type: 'text',
          text: [
            { bold: `Lab ${lab.id}` },
            ` ${lab.phase === 'suspended' ? 'stays suspended' : 'was suspended'}: ${decision.reason}. Cost so far ${cost}; keeping its storage until ` +
              `${window.toISOString().slice(11, 16)} UTC costs ${storage}. Bring it back in minutes instead of a redeploy.`,
          ],
        });
        sections.push({
          type: 'actions',
          actions: [{ id: LAB_ACTION.bringBack, label: 'Bring it back', value: lab.id, style: 'primary' }],
        });
        continue;
      }
      sections.push({
        type: 'text',
        text: [{ bold: `Lab ${lab.id}` }, ` was ${done}: ${decision.reason}. Final cost ${cost}.`],
      });
    }
  }
  const title =
    warned.length > 0 && acted.length > 0
      ? `${warned.length} of your labs look unused and ${acted.length} ${acted.length === 1 ? 'was' : 'were'} cleaned up`
      : warned.length > 0
        ? `${warned.length === 1 ? 'One of your labs looks' : `${warned.length} of your labs look`} unused`
        : `labbot cleaned up ${acted.length === 1 ? 'one of your labs' : `${acted.length} of your labs`}`;
  sections.push({
    type: 'context',
    text: [
      `Hello `,
      { user: owner },
      `: labbot reaps idle labs so the bill stays small. Every decision above says why.`,
    ],
  });
  return { visibility: 'ephemeral', tone: acted.length > 0 ? 'info' : 'progress', title, sections };
}

/** The warning's buttons; the command registry (commands/command-registry.ts) says what each one runs. */
function warningButtons(lab: Lab): ReplyAction[] {
  return [
    { id: LAB_ACTION.keep2h, label: 'Keep 2h', value: lab.id, style: 'primary' },
    { id: LAB_ACTION.keepTomorrow, label: 'Keep until tomorrow 9:00', value: lab.id },
    { id: LAB_ACTION.inUse, label: 'I’m using it', value: lab.id },
    {
      id: LAB_ACTION.teardown,
      label: 'Tear down now',
      value: lab.id,
      style: 'danger',
      confirm: {
        title: `Tear down ${lab.id}?`,
        text: 'The vApp and everything in it will be deleted.',
        confirm: 'Tear down',
        deny: 'Keep it',
      },
    },
  ];
}

/** The whole plan, for `labbot reap --plan` and the ops channel: every lab with its decision and reason. */
export function planReply(decisions: readonly ReapDecision[], mode: 'plan' | 'enforce', now: Date): Reply {
  const rows = decisions.map((d) => [
    d.labId,
    d.kind === 'act' || d.kind === 'defer' ? `${d.kind} (${d.action})` : d.kind,
    d.reason,
  ]);
  const counts = (['warn', 'act', 'defer', 'unwarn', 'keep'] as const)
    .map((k) => `${decisions.filter((d) => d.kind === k).length} ${k}`)
    .join(', ');
  return {
    visibility: 'channel',
    tone: 'info',
    title: `Reaper ${mode === 'plan' ? 'plan (nothing changed)' : 'cycle'} at ${now.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${counts}`,
    sections:
      rows.length > 0
        ? [{ type: 'table', columns: ['lab', 'decision', 'reason'], rows }]
        : [{ type: 'text', text: ['No live labs.'] }],
  };
}

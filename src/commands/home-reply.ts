import { type Classroom } from '../labs/class';
import { type Lab } from '../labs/lab';
import { costSoFar, formatUsd, hourlyRate } from '../labs/cost';
import { expiryWords, labActions, phaseWords, type LabViewContext } from './lab-reply';
import { type Reply, type Section } from './reply';

/** Action id of the Home tab's "Deploy a lab" button, which opens the deploy form. */
export const DEPLOY_FORM_ACTION = 'lab_new';

export interface HomeOptions {
  /** Whether the viewer may deploy (the Deploy button is shown only then). */
  mayDeploy: boolean;
  /** The outcome of the viewer's last button press when it was refused or failed, shown on top. */
  notice?: Reply;
  /** The live classes the viewer trains (`/lab class`), listed under their own labs with how to manage them. */
  classes?: readonly Classroom[];
}

/**
 * A person's Home tab: their live labs with state, cost, expiry and the same buttons as the lab messages.
 * Pure; never throws.
 */
export function homeReply(labs: Lab[], context: LabViewContext, options: HomeOptions): Reply {
  const live = labs
    .filter((l) => l.phase !== 'deleted' && l.phase !== 'failed')
    .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  const sections: Section[] = [];
  if (options.notice) {
    sections.push({ type: 'text', text: [':warning: ', options.notice.title] });
  }
  if (options.mayDeploy) {
    sections.push({
      type: 'actions',
      actions: [{ id: DEPLOY_FORM_ACTION, label: 'Deploy a lab', value: 'new', style: 'primary' }],
    });
  }
  if (live.length === 0) {
    sections.push({
      type: 'text',
      text: [
        options.mayDeploy
          ? 'You have no live labs.'
          : 'You have no live labs, and deploying is not open to you; ask a labbot admin.',
      ],
    });
  }
  for (const lab of live) {
    // The same rate the lab message shows (lab-reply.ts), so the two never disagree.
    const rates = hourlyRate(lab.spec, context.rates);
    const rate = lab.phase === 'suspended' ? rates.storage : rates.total;
    sections.push(
      {
        type: 'text',
        text: [
          { bold: lab.id },
          `  ${phaseWords(lab)}`,
          ...(lab.ticket !== undefined ? [`  ·  ticket ${lab.ticket}`] : []),
        ],
      },
      {
        type: 'fields',
        fields: [
          { label: 'Template', value: [lab.template] },
          {
            label: 'Cost',
            value: [`${formatUsd(costSoFar(lab, context.now, context.rates))} so far, ${formatUsd(rate)}/h`],
          },
          { label: 'Expires', value: [expiryWords(lab, context.now)] },
        ],
      },
    );
    const actions = labActions(lab);
    if (actions.length > 0) {
      sections.push({ type: 'actions', actions });
    }
  }
  if (options.classes !== undefined && options.classes.length > 0) {
    sections.push(
      { type: 'text', text: [{ bold: `Classes you train (${options.classes.length})` }] },
      {
        type: 'list',
        items: options.classes.map((c) => [
          { code: c.name },
          `  ${c.template}  until ${c.endsAt.toISOString().slice(0, 16).replace('T', ' ')} UTC  ·  \`/lab class show ${c.name}\``,
        ]),
      },
    );
  }
  sections.push({
    type: 'context',
    text: [
      `Billed per minute: CPU and RAM while powered on, storage while the lab exists.${context.simulated ? ' Simulated VCD: nothing real is deployed.' : ''} \`/lab help\` lists every command.`,
    ],
  });
  return {
    visibility: 'ephemeral',
    tone: 'info',
    title: live.length === 0 ? 'Your labs' : `Your labs (${live.length})`,
    sections,
  };
}

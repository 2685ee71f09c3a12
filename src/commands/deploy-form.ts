/**
 * The deploy form (Slack's `/lab` modal) as plain data: what it offers, and how a submission becomes the same
 * `/lab demo|repro …` command people type, so the form and the command share one path (parser, use case,
 * permissions, reply). Pure; no framework.
 */
import { formatUsd, hourlyRate } from '../labs/cost';
import { formatMinutes, parseDurationMinutes } from '../labs/duration';
import { type KindPolicy, type LabPolicy } from '../labs/policy';
import { allowListKey } from '../labs/templates';

/** The form's fields. */
export type DeployFormField = 'kind' | 'template' | 'ticket' | 'duration' | 'students';

/**
 * What was submitted, as typed or picked; empty strings and absent fields mean "not given". `students` holds the
 * picked Slack user ids separated by spaces.
 */
export type DeployFormValues = Partial<Record<DeployFormField, string>>;

/** Kinds the form offers: the ones with a deploy command. */
export type DeployFormKind = 'demo' | 'repro' | 'class';

export interface DeployFormChoices {
  kinds: { name: DeployFormKind; label: string }[];
  templates: { key: string; label: string }[];
  /** Hint under the duration field: the demo default and maximum. */
  durationHint: string;
  /** Hint under the ticket field. */
  ticketHint: string;
}

export type DeployFormResult = { text: string } | { errors: Partial<Record<DeployFormField, string>> };

const FORM_KINDS: readonly DeployFormKind[] = ['demo', 'repro', 'class'];

/** A Slack user id, as a users select hands it back (checked: the submission comes from the client). */
const USER_ID = /^[UW][A-Z0-9]{2,}$/;

/** Keeps echoed input short. */
function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function formKinds(policy: LabPolicy): KindPolicy[] {
  return FORM_KINDS.flatMap((name) => policy.kinds.filter((k) => k.name === name));
}

/** What the form offers under this policy. Pure; never throws. */
export function deployFormChoices(policy: LabPolicy): DeployFormChoices {
  const kinds = formKinds(policy);
  const demo = kinds.find((k) => k.name === 'demo');
  const repro = kinds.find((k) => k.name === 'repro');
  return {
    kinds: kinds.map((k) => ({
      name: k.name as DeployFormKind,
      label:
        k.name === 'demo'
          ? `Demo: ${formatMinutes(k.defaultLifetimeHours * 60)} by default`
          : k.name === 'class'
            ? `Class: one lab per student, ${formatMinutes(k.defaultLifetimeHours * 60)} by default`
            : `Repro for a ticket: ${formatMinutes(k.defaultLifetimeHours * 60)}`,
    })),
    templates: policy.templates.map((t) => ({
      key: t.key,
      label: `${t.key}: ${t.description} (${formatUsd(hourlyRate(t, policy.rates).total)}/h)`,
    })),
    durationHint: demo
      ? `Demo labs only, e.g. 90m or 4h; default ${formatMinutes(demo.defaultLifetimeHours * 60)}, at most ${formatMinutes(demo.maxLifetimeHours * 60)}.`
      : 'e.g. 90m or 4h',
    ticketHint: repro
      ? `Repro labs only: one lab per ticket, living ${formatMinutes(repro.defaultLifetimeHours * 60)}.`
      : 'Repro labs only.',
  };
}

/**
 * Turns a submitted form into command text (`demo esxi8 for 4h`, `repro SUP-12 esxi7`), or says what is wrong
 * with each field, in words for the user. Checks what the form can know: kind, template (known and allowed for
 * the kind), ticket (required for repro, matching the ticket pattern), duration (a duration within the kind's
 * maximum). Quotas and permissions are the use case's job. Pure; never throws.
 */
export function deployFormCommand(values: DeployFormValues, policy: LabPolicy): DeployFormResult {
  const errors: Partial<Record<DeployFormField, string>> = {};
  const kindName = values.kind?.trim() ?? '';
  const template = values.template?.trim().toLowerCase() ?? '';
  const ticket = values.ticket?.trim() ?? '';
  const duration = (values.duration ?? '').replace(/\s+/g, '');
  const students = (values.students ?? '').split(/\s+/).filter((id) => id !== '');

  const kind = formKinds(policy).find((k) => k.name === kindName);
  if (!kind) {
    errors.kind =
      kindName === ''
        ? 'Pick the kind of lab.'
        : `Pick ${formKinds(policy)
            .map((k) => k.name)
            .join(', ')
            .replace(/, ([^,]*)$/, ' or $1')}.`;
  }
  if (template !== '') {
    const known = policy.templates.find((t) => t.key === template);
    if (!known) {
      errors.template = `There is no template "${clip(template)}".`;
    } else if (kind && kind.templates.length > 0 && !kind.templates.includes(allowListKey(known))) {
      errors.template = `A ${kind.name} lab cannot use ${template}. Allowed: ${kind.templates.join(', ')}.`;
    }
  }
  if (kind?.name === 'repro') {
    if (ticket === '') {
      errors.ticket = 'A repro lab needs the ticket id, e.g. TICKET-123.';
    } else if (/\s/.test(ticket) || !new RegExp(policy.ticketPattern).test(ticket)) {
      errors.ticket = `"${clip(ticket)}" is not a ticket id (expected something like TICKET-123).`;
    }
    if (duration !== '') {
      errors.duration = `Repro labs live ${formatMinutes(kind.defaultLifetimeHours * 60)}; leave this empty and extend the lab later if needed.`;
    }
  }
  if (kind?.name === 'class') {
    if (students.length === 0) {
      errors.students = 'A class needs its students: pick them here.';
    } else if (!students.every((id) => USER_ID.test(id))) {
      errors.students = 'Pick the students from the list.';
    }
  } else if (students.length > 0) {
    errors.students = 'Only a class has students; leave this empty or pick the class kind.';
  }
  if (kind?.name === 'demo' || kind?.name === 'class') {
    if (ticket !== '') {
      errors.ticket = `Only repro labs belong to a ticket; leave this empty for a ${kind.name} lab.`;
    }
    if (duration !== '') {
      const minutes = parseDurationMinutes(duration);
      if (minutes === undefined) {
        errors.duration = `"${clip(duration)}" is not a duration such as 90m, 4h or 2d.`;
      } else if (minutes > kind.maxLifetimeHours * 60) {
        errors.duration = `A ${kind.name} lab can live at most ${formatMinutes(kind.maxLifetimeHours * 60)}.`;
      }
    }
  }
  if (!kind || Object.keys(errors).length > 0) {
    return { errors };
  }
  const lifetime = duration !== '' ? ['for', duration] : [];
  const words =
    kind.name === 'repro'
      ? ['repro', ticket, template]
      : kind.name === 'class'
        ? ['class', template, 'for', ...students.map((id) => `<@${id}>`), ...lifetime]
        : ['demo', template, ...lifetime];
  return { text: words.filter((w) => w !== '').join(' ') };
}

/**
 * Why the deploy form is closed to someone the use case would refuse (`allowed` false), in words for them; the
 * wording follows LabService's own refusals. Undefined when allowed. Pure; never throws.
 */
export function deployFormRefusal(
  policy: LabPolicy,
  channel: string | undefined,
  allowed: boolean,
): string | undefined {
  if (allowed) {
    return undefined;
  }
  const { deployChannels } = policy.access;
  if (deployChannels.length > 0 && (channel === undefined || !deployChannels.includes(channel))) {
    return `Labs can be deployed only from the channels the labbot admins chose (${deployChannels.join(', ')}), not from here. \`/lab help\` lists what you can run.`;
  }
  return 'Deploying labs is limited to members of the user groups the labbot admins chose, and you are not in one. Ask an admin to add you; `/lab help` lists what you can run.';
}

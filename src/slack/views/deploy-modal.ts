/**
 * The deploy form as a Slack modal: the view `views.open` shows, and how a `view_submission` is read back.
 * The form's meaning (choices, validation, the command it becomes) is commands/deploy-form.ts; this file is
 * only Block Kit. Pure.
 */
import { type types } from '@slack/bolt';
import {
  type DeployFormChoices,
  type DeployFormField,
  type DeployFormValues,
} from '../../commands/deploy-form';
import { escapeWithin } from '../render/escape-mrkdwn';

/** `callback_id` of the modal; the submission listener routes on it. */
export const DEPLOY_MODAL_CALLBACK = 'lab_deploy';

/** Modal limits (docs.slack.dev/reference/views/modal-views, /reference/block-kit/composition-objects). */
export const MODAL_LIMITS = {
  title: 24,
  button: 24,
  privateMetadata: 3000,
  optionText: 75,
  optionValue: 150,
  options: 100,
  label: 2000,
  hint: 2000,
  placeholder: 150,
  inputMaxLength: 3000,
} as const;

/** Where the form was opened, carried through the modal in `private_metadata`. */
export interface DeployModalOrigin {
  /** `command`: `/lab` typed in a conversation; `home`: the Home tab's Deploy button. */
  from: 'command' | 'home';
  /** The conversation the lab's message goes to (a user id for Home: the app's DM with them). */
  channel?: string;
}

/** One block per field; block and action ids are the field names, so response_action errors map 1:1. */
const FIELDS: readonly DeployFormField[] = ['kind', 'template', 'ticket', 'duration', 'students'];

function plain(text: string, max: number): types.PlainTextElement {
  return { type: 'plain_text', text: escapeWithin(text, max) };
}

function option(text: string, value: string): types.PlainTextOption {
  return { text: plain(text, MODAL_LIMITS.optionText), value: value.slice(0, MODAL_LIMITS.optionValue) };
}

/** The modal for `views.open`. Never throws. */
export function deployModal(choices: DeployFormChoices, origin: DeployModalOrigin): types.ModalView {
  const kinds = choices.kinds.map((k) => option(k.label, k.name));
  const templates = choices.templates.slice(0, MODAL_LIMITS.options).map((t) => option(t.label, t.key));
  const blocks: types.KnownBlock[] = [
    {
      type: 'input',
      block_id: 'kind',
      label: plain('Kind', MODAL_LIMITS.label),
      element: {
        type: 'radio_buttons',
        action_id: 'kind',
        options: kinds,
        ...(kinds[0] ? { initial_option: kinds[0] } : {}),
      },
    },
    {
      type: 'input',
      block_id: 'template',
      optional: true,
      label: plain('Template', MODAL_LIMITS.label),
      hint: plain('Leave empty for the kind’s default.', MODAL_LIMITS.hint),
      element: {
        type: 'static_select',
        action_id: 'template',
        placeholder: plain('Default for the kind', MODAL_LIMITS.placeholder),
        options: templates,
      },
    },
    {
      type: 'input',
      block_id: 'ticket',
      optional: true,
      label: plain('Ticket', MODAL_LIMITS.label),
      hint: plain(choices.ticketHint, MODAL_LIMITS.hint),
      element: {
        type: 'plain_text_input',
        action_id: 'ticket',
        max_length: 60,
        placeholder: plain('TICKET-123', MODAL_LIMITS.placeholder),
      },
    },
    {
      type: 'input',
      block_id: 'duration',
      optional: true,
      label: plain('Lifetime', MODAL_LIMITS.label),
      hint: plain(choices.durationHint, MODAL_LIMITS.hint),
      element: {
        type: 'plain_text_input',
        action_id: 'duration',
        max_length: 20,
        placeholder: plain('4h', MODAL_LIMITS.placeholder),
      },
    },
    {
      type: 'input',
      block_id: 'students',
      optional: true,
      label: plain('Students', MODAL_LIMITS.label),
      hint: plain('Classes only: one lab for each student, owned by them.', MODAL_LIMITS.hint),
      element: {
        type: 'multi_users_select',
        action_id: 'students',
        placeholder: plain('Pick the students', MODAL_LIMITS.placeholder),
      },
    },
  ];
  return {
    type: 'modal',
    callback_id: DEPLOY_MODAL_CALLBACK,
    title: plain('Deploy a lab', MODAL_LIMITS.title),
    submit: plain('Deploy', MODAL_LIMITS.button),
    close: plain('Cancel', MODAL_LIMITS.button),
    private_metadata: JSON.stringify(origin),
    blocks,
  };
}

/** The shape of `view.state.values` this modal produces. */
export type ViewStateValues = Record<
  string,
  Record<
    string,
    { value?: string | null; selected_option?: { value: string } | null; selected_users?: string[] | null }
  >
>;

/** Reads the submitted fields; absent or empty ones are left out. Never throws. */
export function readDeployForm(values: ViewStateValues | undefined): DeployFormValues {
  const form: DeployFormValues = {};
  for (const field of FIELDS) {
    const state = values?.[field]?.[field];
    const value =
      state?.selected_users?.join(' ') ?? state?.selected_option?.value ?? state?.value ?? undefined;
    if (typeof value === 'string' && value.trim() !== '') {
      form[field] = value;
    }
  }
  return form;
}

/**
 * Reads the origin back from `private_metadata`. It round-trips through Slack, so it is checked, not trusted:
 * anything unexpected counts as opened by a command in no known channel. Never throws.
 */
export function readModalOrigin(privateMetadata: string | undefined): DeployModalOrigin {
  try {
    const parsed: unknown = JSON.parse(privateMetadata ?? '');
    if (typeof parsed === 'object' && parsed !== null) {
      const from = 'from' in parsed && parsed.from === 'home' ? 'home' : 'command';
      const channel =
        'channel' in parsed &&
        typeof parsed.channel === 'string' &&
        /^[CGDUW][A-Z0-9]{2,}$/.test(parsed.channel)
          ? parsed.channel
          : undefined;
      return { from, ...(channel !== undefined ? { channel } : {}) };
    }
  } catch {
    // fall through: unreadable metadata
  }
  return { from: 'command' };
}

/** Field errors as `response_action: errors` wants them: keyed by block id. Never throws. */
export function blockErrors(errors: Partial<Record<DeployFormField, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const field of FIELDS) {
    const message = errors[field];
    if (message !== undefined) {
      out[field] = message;
    }
  }
  return out;
}

/**
 * Slack's Block Kit limits as a checker, so tests can hold every surface labbot builds to them (Slack has no
 * offline validator; `blocks.validate` needs the network). Figures from docs.slack.dev/reference/block-kit
 * (blocks, block elements, composition objects) and /reference/views; see reference/slack.md section 3.4.
 */
type Json = Record<string, unknown>;

export const LIMITS = {
  messageBlocks: 50,
  viewBlocks: 100,
  blockId: 255,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  contextText: 3000,
  actionsElements: 25,
  actionId: 255,
  buttonText: 75,
  buttonValue: 2000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  textInputMaxLength: 3000,
  selectOptions: 100,
  radioOptions: 10,
  optionText: 75,
  optionValue: 150,
  modalTitle: 24,
  modalButton: 24,
  privateMetadata: 3000,
  callbackId: 255,
  fallbackText: 40_000,
} as const;

function text(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'text' in value && typeof value.text === 'string') {
    return value.text;
  }
  return '';
}

function arrayOf(value: unknown): Json[] {
  return Array.isArray(value) ? (value as Json[]) : [];
}

/** Each violation as `where: what`; empty when the blocks respect every limit checked. */
export function blockViolations(blocks: unknown[], surface: 'message' | 'modal' | 'home'): string[] {
  const problems: string[] = [];
  const over = (where: string, what: string, length: number, max: number) => {
    if (length > max) {
      problems.push(`${where}: ${what} ${length} > ${max}`);
    }
  };
  over('blocks', 'count', blocks.length, surface === 'message' ? LIMITS.messageBlocks : LIMITS.viewBlocks);

  const element = (where: string, e: Json) => {
    if (typeof e.action_id === 'string') {
      over(where, 'action_id', e.action_id.length, LIMITS.actionId);
    }
    if (e.type === 'button') {
      over(where, 'button text', text(e.text).length, LIMITS.buttonText);
      over(where, 'button value', typeof e.value === 'string' ? e.value.length : 0, LIMITS.buttonValue);
      const confirm = e.confirm as Json | undefined;
      if (confirm) {
        over(where, 'confirm title', text(confirm.title).length, LIMITS.confirmTitle);
        over(where, 'confirm text', text(confirm.text).length, LIMITS.confirmText);
        over(where, 'confirm button', text(confirm.confirm).length, LIMITS.confirmButton);
        over(where, 'deny button', text(confirm.deny).length, LIMITS.confirmButton);
      }
    }
    if (e.type === 'static_select' || e.type === 'radio_buttons') {
      const options = arrayOf(e.options);
      over(
        where,
        'options',
        options.length,
        e.type === 'radio_buttons' ? LIMITS.radioOptions : LIMITS.selectOptions,
      );
      options.forEach((o, i) => {
        over(`${where}.options[${i}]`, 'text', text(o.text).length, LIMITS.optionText);
        over(
          `${where}.options[${i}]`,
          'value',
          typeof o.value === 'string' ? o.value.length : 0,
          LIMITS.optionValue,
        );
      });
    }
    if ('placeholder' in e) {
      over(where, 'placeholder', text(e.placeholder).length, LIMITS.placeholder);
    }
    if (typeof e.max_length === 'number') {
      over(where, 'max_length', e.max_length, LIMITS.textInputMaxLength);
    }
  };

  blocks.forEach((raw, index) => {
    const block = raw as Json;
    const where = `blocks[${index}] (${String(block.type)})`;
    if (typeof block.block_id === 'string') {
      over(where, 'block_id', block.block_id.length, LIMITS.blockId);
    }
    switch (block.type) {
      case 'header':
        over(where, 'text', text(block.text).length, LIMITS.headerText);
        break;
      case 'section': {
        over(where, 'text', text(block.text).length, LIMITS.sectionText);
        const fields = arrayOf(block.fields);
        over(where, 'fields', fields.length, LIMITS.fields);
        fields.forEach((f, i) => over(`${where}.fields[${i}]`, 'text', text(f).length, LIMITS.fieldText));
        if (!('text' in block) && fields.length === 0) {
          problems.push(`${where}: neither text nor fields`);
        }
        break;
      }
      case 'context': {
        const elements = arrayOf(block.elements);
        over(where, 'elements', elements.length, LIMITS.contextElements);
        elements.forEach((e, i) =>
          over(`${where}.elements[${i}]`, 'text', text(e).length, LIMITS.contextText),
        );
        break;
      }
      case 'actions': {
        const elements = arrayOf(block.elements);
        over(where, 'elements', elements.length, LIMITS.actionsElements);
        const ids = elements.map((e) => e.action_id);
        if (new Set(ids).size !== ids.length) {
          problems.push(`${where}: action_id repeated within the block`);
        }
        elements.forEach((e, i) => element(`${where}.elements[${i}]`, e));
        break;
      }
      case 'input':
        over(where, 'label', text(block.label).length, LIMITS.inputLabel);
        over(where, 'hint', text(block.hint).length, LIMITS.inputHint);
        element(`${where}.element`, block.element as Json);
        break;
      default:
        break;
    }
  });
  return problems;
}

/** Violations of a modal view: its own fields, then its blocks. */
export function modalViolations(view: Json): string[] {
  const problems: string[] = [];
  const over = (what: string, length: number, max: number) => {
    if (length > max) {
      problems.push(`modal: ${what} ${length} > ${max}`);
    }
  };
  over('title', text(view.title).length, LIMITS.modalTitle);
  over('submit', text(view.submit).length, LIMITS.modalButton);
  over('close', text(view.close).length, LIMITS.modalButton);
  over(
    'private_metadata',
    typeof view.private_metadata === 'string' ? view.private_metadata.length : 0,
    LIMITS.privateMetadata,
  );
  over('callback_id', typeof view.callback_id === 'string' ? view.callback_id.length : 0, LIMITS.callbackId);
  return [...problems, ...blockViolations(arrayOf(view.blocks), 'modal')];
}

/**
 * Reply (the neutral message model) → Block Kit. Pure: no I/O, same input, same JSON, so golden tests hold.
 */
import { type types } from '@slack/bolt';
import { type Field, type Reply, type ReplyAction, type RichText, type Section } from '../../commands/reply';
import { BLOCK_LIMITS } from './block-limits';
import { ELLIPSIS, escapeCode, escapeWithin, renderRichText } from './escape-mrkdwn';

type KnownBlock = types.KnownBlock;
type Button = types.Button;

/** A Slack message body: `text` is the notification/accessibility fallback, `blocks` what clients draw. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

/** Emoji that mark a reply's tone, so an error reads as one at a glance and in notifications. */
const TONE_MARKER: Record<Reply['tone'], string> = {
  info: '',
  success: ':white_check_mark: ',
  error: ':warning: ',
  progress: ':hourglass_flowing_sand: ',
};

/** A table cell wider than this is cut, so one long value cannot push every other column off screen. */
const MAX_CELL_WIDTH = 48;

/**
 * Renders a Reply as Block Kit. Every plain string is escaped (see escape-mrkdwn.ts); every Block Kit limit is
 * respected by splitting (fields, lists, buttons) or cutting with "…" (long text, tables, more than 50 blocks).
 * Buttons whose `value` or `id` exceed Slack's limits are left out rather than cut, because a cut value would
 * act on the wrong thing.
 * Never throws.
 */
export function renderReplyBlocks(reply: Reply): SlackMessage {
  const blocks: KnownBlock[] = [...titleBlocks(reply), ...reply.sections.flatMap(sectionBlocks)];
  return { text: fallbackText(reply), blocks: capBlocks(blocks) };
}

function titleBlocks(reply: Reply): KnownBlock[] {
  if (reply.title.trim().length === 0) {
    return [];
  }
  const marker = TONE_MARKER[reply.tone];
  // Errors and progress lines are short notices; a header (large type) would shout them.
  if (reply.tone === 'error' || reply.tone === 'progress') {
    return [
      mrkdwnSection(
        marker + renderRichText([{ bold: reply.title }], BLOCK_LIMITS.sectionText - marker.length),
      ),
    ];
  }
  return [
    {
      type: 'header',
      text: {
        type: 'plain_text',
        text: marker + escapeWithin(reply.title, BLOCK_LIMITS.headerText - marker.length),
        emoji: true,
      },
    },
  ];
}

function sectionBlocks(section: Section): KnownBlock[] {
  switch (section.type) {
    case 'text': {
      const text = renderRichText(section.text, BLOCK_LIMITS.sectionText);
      return text.trim().length === 0 ? [] : [mrkdwnSection(text)];
    }
    case 'fields':
      return fieldsBlocks(section.fields);
    case 'table':
      return [mrkdwnSection(renderTable(section.columns, section.rows))];
    case 'list':
      return listBlocks(section.items);
    case 'context': {
      const text = renderRichText(section.text, BLOCK_LIMITS.contextText);
      return text.trim().length === 0 ? [] : [{ type: 'context', elements: [{ type: 'mrkdwn', text }] }];
    }
    case 'actions':
      return actionsBlocks(section.actions);
    case 'code':
      return codeBlocks(section.text);
  }
}

/**
 * Preformatted text as fenced code blocks, split at line boundaries over as many sections as it needs (a script
 * must arrive whole or visibly cut, never silently): each chunk is escaped and fits Slack's section limit. A
 * single line longer than a section is cut with "…".
 */
function codeBlocks(text: string): KnownBlock[] {
  const fence = '```';
  const room = BLOCK_LIMITS.sectionText - fence.length * 2 - 2;
  const chunks: string[] = [];
  let current = '';
  for (const raw of text.replace(/\n$/, '').split('\n')) {
    let line = escapeCode(raw);
    if (line.length > room) {
      line = `${line.slice(0, room - 1).replace(/&[a-z]*$/, '')}${ELLIPSIS}`;
    }
    const joined = current.length === 0 ? line : `${current}\n${line}`;
    if (joined.length > room && current.length > 0) {
      chunks.push(current);
      current = line;
    } else {
      current = joined;
    }
  }
  if (current.length > 0) {
    chunks.push(current);
  }
  return chunks.map((chunk) => mrkdwnSection(`${fence}\n${chunk}\n${fence}`));
}

function mrkdwnSection(text: string): KnownBlock {
  return { type: 'section', text: { type: 'mrkdwn', text } };
}

function fieldsBlocks(fields: Field[]): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  // More than ten fields are split over several sections instead of being dropped.
  for (let i = 0; i < fields.length; i += BLOCK_LIMITS.fieldsPerSection) {
    const chunk = fields.slice(i, i + BLOCK_LIMITS.fieldsPerSection);
    blocks.push({
      type: 'section',
      fields: chunk.map((field) => {
        const label = `*${escapeWithin(field.label, 200)}*\n`;
        return {
          type: 'mrkdwn',
          text: label + renderRichText(field.value, BLOCK_LIMITS.fieldText - label.length),
        };
      }),
    });
  }
  return blocks;
}

function listBlocks(items: RichText[]): KnownBlock[] {
  const lines = items.map((item) => `• ${renderRichText(item, BLOCK_LIMITS.sectionText - 2)}`);
  const blocks: KnownBlock[] = [];
  let current = '';
  // Long lists flow into further sections at line boundaries rather than being cut mid-item.
  for (const line of lines) {
    const joined = current.length === 0 ? line : `${current}\n${line}`;
    if (joined.length > BLOCK_LIMITS.sectionText) {
      blocks.push(mrkdwnSection(current));
      current = line;
    } else {
      current = joined;
    }
  }
  if (current.length > 0) {
    blocks.push(mrkdwnSection(current));
  }
  return blocks;
}

/** Display width in code points; padding by UTF-16 length would misalign any row with an astral character. */
function width(text: string): number {
  return Array.from(text).length;
}

function cell(text: string | undefined): string {
  const flat = (text ?? '').replace(/\s*\r?\n\s*/g, ' ');
  const points = Array.from(flat);
  return points.length <= MAX_CELL_WIDTH ? flat : points.slice(0, MAX_CELL_WIDTH - 1).join('') + ELLIPSIS;
}

/**
 * A table as a monospace code block, columns padded to align. Widths are measured before escaping because
 * `&amp;` displays as one character. Rows that do not fit in one section are summarised in a last line.
 */
function renderTable(columns: string[], rows: string[][]): string {
  const header = columns.map(cell);
  const body = rows.map((row) => columns.map((_, i) => cell(row[i])));
  const widths = header.map((h, i) => Math.max(width(h), ...body.map((row) => width(row[i] ?? ''))));
  const line = (cells: string[]): string =>
    escapeCode(
      cells
        .map((c, i) => c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - width(c))))
        .join('  ')
        .trimEnd(),
    );
  const fence = '```';
  const head = [line(header), line(widths.map((w) => '-'.repeat(w)))];
  if (body.length === 0) {
    head.push('(none)');
  }

  const out = [...head];
  const reserve = fence.length * 2 + 2 + 40; // fences, their newlines and the "… N more rows" line
  for (let i = 0; i < body.length; i++) {
    const next = line(body[i] ?? []);
    const size = out.join('\n').length + 1 + next.length;
    if (size > BLOCK_LIMITS.sectionText - reserve) {
      out.push(`${ELLIPSIS} ${body.length - i} more row${body.length - i === 1 ? '' : 's'}`);
      break;
    }
    out.push(next);
  }
  const text = `${fence}\n${out.join('\n')}\n${fence}`;
  // A single over-wide header could still exceed the limit; cut inside the fence so the block stays closed.
  if (text.length <= BLOCK_LIMITS.sectionText) {
    return text;
  }
  const inner = out
    .join('\n')
    .slice(0, BLOCK_LIMITS.sectionText - reserve)
    .replace(/&[a-z]*$/, '');
  return `${fence}\n${inner}${ELLIPSIS}\n${fence}`;
}

function button(action: ReplyAction): Button | undefined {
  if (action.value.length > BLOCK_LIMITS.buttonValue || action.id.length > BLOCK_LIMITS.actionId) {
    return undefined;
  }
  const element: Button = {
    type: 'button',
    action_id: action.id,
    value: action.value,
    text: { type: 'plain_text', text: escapeWithin(action.label, BLOCK_LIMITS.buttonText), emoji: true },
  };
  if (action.style) {
    element.style = action.style;
  }
  if (action.confirm) {
    const { title, text, confirm, deny } = action.confirm;
    element.confirm = {
      title: { type: 'plain_text', text: escapeWithin(title, BLOCK_LIMITS.confirmTitle) },
      text: { type: 'plain_text', text: escapeWithin(text, BLOCK_LIMITS.confirmText) },
      confirm: { type: 'plain_text', text: escapeWithin(confirm, BLOCK_LIMITS.confirmButton) },
      deny: { type: 'plain_text', text: escapeWithin(deny, BLOCK_LIMITS.confirmButton) },
      // The dialog's confirm button is red when the action it guards is destructive.
      ...(action.style === 'danger' ? { style: 'danger' as const } : {}),
    };
  }
  return element;
}

function actionsBlocks(actions: ReplyAction[]): KnownBlock[] {
  const groups: Button[][] = [];
  let current: Button[] = [];
  for (const action of actions) {
    const element = button(action);
    if (!element) {
      continue;
    }
    // Slack requires action_id to be unique within a block; a list of labs each with a "Tear down" button keeps
    // its stable action_id (which handlers route on) by moving repeats into a new block.
    const repeat = current.some((b) => b.action_id === element.action_id);
    if (repeat || current.length === BLOCK_LIMITS.elementsPerActions) {
      groups.push(current);
      current = [];
    }
    current.push(element);
  }
  if (current.length > 0) {
    groups.push(current);
  }
  return groups.filter((g) => g.length > 0).map((elements) => ({ type: 'actions', elements }));
}

function capBlocks(blocks: KnownBlock[]): KnownBlock[] {
  if (blocks.length <= BLOCK_LIMITS.blocksPerMessage) {
    return blocks;
  }
  const kept = blocks.slice(0, BLOCK_LIMITS.blocksPerMessage - 1);
  const omitted = blocks.length - kept.length;
  return [
    ...kept,
    { type: 'context', elements: [{ type: 'mrkdwn', text: `${ELLIPSIS} ${omitted} more blocks not shown` }] },
  ];
}

/**
 * The fallback shown in notifications: tone marker, title and the first text section. Slack parses top-level
 * `text` as mrkdwn too, so it is escaped like everything else.
 */
function fallbackText(reply: Reply): string {
  const marker = TONE_MARKER[reply.tone];
  const firstText = reply.sections.find((s): s is Extract<Section, { type: 'text' }> => s.type === 'text');
  const title = escapeWithin(reply.title, 500);
  const budget = BLOCK_LIMITS.fallbackText - marker.length - title.length - 2;
  const detail = firstText && budget > 1 ? renderRichText(firstText.text, budget) : '';
  const text = [title, detail].filter((s) => s.length > 0).join(': ');
  return marker + (text.length > 0 ? text : escapeWithin('(no text)', 20));
}

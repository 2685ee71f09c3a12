/**
 * The neutral message model: what the bot says, independent of Slack or a terminal. Every string in a Reply is
 * plain text, never markup: renderers own formatting and escaping, so user-typed text cannot inject markup
 * (`<!channel>`, links, bold) into any transport.
 */

/** A piece of inline text. Plain strings are escaped by every renderer. */
export type Span = string | { user: string } | { code: string } | { bold: string };

/** A run of inline text. */
export type RichText = Span[];

export interface Field {
  label: string;
  value: RichText;
}

/** A button. `value` is opaque data the action handler receives (a lab id). */
export interface ReplyAction {
  /** Stable action id the transport routes on, e.g. `lab_teardown`. */
  id: string;
  label: string;
  value: string;
  style?: 'primary' | 'danger';
  /** Destructive actions carry a confirmation (DESIGN.md section 5). */
  confirm?: { title: string; text: string; confirm: string; deny: string };
}

export type Section =
  | { type: 'text'; text: RichText }
  | { type: 'fields'; fields: Field[] }
  | { type: 'table'; columns: string[]; rows: string[][] }
  | { type: 'list'; items: RichText[] }
  | { type: 'context'; text: RichText }
  /** Preformatted text shown verbatim (a script to copy): monospace, never reflowed. */
  | { type: 'code'; text: string }
  | { type: 'actions'; actions: ReplyAction[] };

export interface Reply {
  /** `ephemeral`: only the caller sees it (errors, help); `channel`: everyone in the conversation. */
  visibility: 'ephemeral' | 'channel';
  /** `error` replies are rendered as such; `progress` is a short status line. */
  tone: 'info' | 'success' | 'error' | 'progress';
  title: string;
  sections: Section[];
  /**
   * A file that goes with the reply, for the caller only (`/lab cost all month csv`): Slack uploads it to the caller's
   * DM, the local shell writes it out. Plain content; the transport never interprets it.
   */
  file?: ReplyFile;
}

export interface ReplyFile {
  /** File name, e.g. `labbot-cost-2026-03.csv`. */
  name: string;
  title: string;
  mimeType: 'text/csv';
  content: string;
}

/** A one-line reply. */
export function textReply(title: string, tone: Reply['tone'] = 'info', text?: RichText): Reply {
  return { visibility: 'ephemeral', tone, title, sections: text ? [{ type: 'text', text }] : [] };
}

/** Concatenates the plain text of spans, for logs and terminals. */
export function plainText(text: RichText): string {
  return text
    .map((span) => {
      if (typeof span === 'string') {
        return span;
      }
      if ('user' in span) {
        return span.user;
      }
      if ('code' in span) {
        return span.code;
      }
      return span.bold;
    })
    .join('');
}

/**
 * Plain text and Reply spans → Slack mrkdwn. Slack parses `&`, `<` and `>` as control characters in text objects
 * (`<!channel>`, `<@U…>`, `<https://evil|innocent>`), so every plain string a user or the cloud could have
 * typed is entity-escaped here, and markup is produced only from typed spans (reference/slack.md section 4).
 */
import { type RichText, type Span } from '../../commands/reply';

/** Shape of a Slack user id that may become a real mention; anything else is shown as text. */
export const SLACK_USER_ID = /^[UW][A-Z0-9]+$/;

/** Appended where text was cut to fit a Block Kit limit. */
export const ELLIPSIS = '…';

/**
 * Backticks cannot be escaped inside mrkdwn code, so they are swapped for a look-alike (U+02CB) that cannot close
 * the span early.
 */
const BACKTICK_STAND_IN = 'ˋ';

/**
 * Escapes the three characters Slack parses in text objects. Only these three: Slack decodes no other entities,
 * so escaping more would show `&#39;` to users.
 * Never throws.
 */
export function escapeMrkdwn(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

/** Text for inside a code span or code block: no backticks that could end it, then escaped. Never throws. */
export function escapeCode(text: string): string {
  return escapeMrkdwn(text.replace(/`/g, BACKTICK_STAND_IN));
}

/**
 * A rendered span: a wrapper (`*…*`, `` `…` ``) around its escaped text. `atoms` splits that text into pieces that
 * must not be cut apart, each one escaped code point or a whole mention; truncation cuts between atoms only, so it
 * never leaves half an entity (`&am`) or half a mention behind.
 */
interface SpanPieces {
  before: string;
  open: string;
  /** The escaped text whole: the atoms joined. */
  escaped: string;
  /**
   * The atoms, built only when the text must be cut: most text fits, and splitting every reply into escaped code
   * points was a noticeable part of a `/lab list` ack's CPU (issue 17 target 4).
   */
  atoms: () => string[];
  close: string;
  after: string;
}

/**
 * The text escaped whole, and its atoms on demand. `escape` maps each character on its own (entities, the backtick
 * stand-in), so escaping the whole text equals joining its escaped code points.
 */
function escapedText(text: string, escape: (c: string) => string): Pick<SpanPieces, 'escaped' | 'atoms'> {
  return { escaped: escape(text), atoms: () => Array.from(text, escape) };
}

function spanPieces(span: Span): SpanPieces {
  const plain = (text: string): SpanPieces => ({
    before: '',
    open: '',
    ...escapedText(text, escapeMrkdwn),
    close: '',
    after: '',
  });
  if (typeof span === 'string') {
    return plain(span);
  }
  if ('user' in span) {
    if (!SLACK_USER_ID.test(span.user)) {
      return plain(span.user);
    }
    const mention = `<@${span.user}>`;
    return { before: '', open: '', escaped: mention, atoms: () => [mention], close: '', after: '' };
  }
  if ('code' in span) {
    // A newline ends an inline code span in Slack; the rest would render as loose text.
    const code = span.code.replace(/\r?\n/g, ' ');
    if (code.length === 0) {
      return plain('');
    }
    return { before: '', open: '`', ...escapedText(code, escapeCode), close: '`', after: '' };
  }
  // Slack only bolds `*x*` when the asterisks touch non-space characters, so keep surrounding spaces outside.
  const match = /^(\s*)([\s\S]*?)(\s*)$/.exec(span.bold);
  const [, lead = '', core = '', trail = ''] = match ?? [];
  if (core.length === 0) {
    return plain(span.bold);
  }
  return { before: lead, open: '*', ...escapedText(core, escapeMrkdwn), close: '*', after: trail };
}

function joinPieces(p: SpanPieces): string {
  return p.before + p.open + p.escaped + p.close + p.after;
}

/** Renders one span as mrkdwn. Never throws. */
export function renderSpan(span: Span): string {
  return joinPieces(spanPieces(span));
}

/**
 * Renders rich text as mrkdwn of at most `maxLength` characters (UTF-16 units, which over-count compared with
 * Slack's character count, so the limit holds). Text that does not fit is cut between atoms and ends with "…";
 * a cut span keeps its closing wrapper so that formatting does not leak.
 * Never throws.
 */
export function renderRichText(text: RichText, maxLength = Number.POSITIVE_INFINITY): string {
  const pieces = text.map(spanPieces);
  const full = pieces.map(joinPieces).join('');
  if (full.length <= maxLength) {
    return full;
  }

  const budget = maxLength - ELLIPSIS.length;
  let out = '';
  for (const piece of pieces) {
    const whole = joinPieces(piece);
    if (out.length + whole.length <= budget) {
      out += whole;
      continue;
    }
    const head = piece.before + piece.open;
    let kept = '';
    for (const atom of piece.atoms()) {
      if (out.length + head.length + kept.length + atom.length + piece.close.length > budget) {
        break;
      }
      kept += atom;
    }
    if (kept.length > 0) {
      out += head + kept + piece.close;
    }
    break;
  }
  return out + ELLIPSIS;
}

/**
 * Escapes plain text and cuts it to `maxLength` characters with "…", never inside an entity. For plain_text
 * objects and labels. Never throws.
 */
export function escapeWithin(text: string, maxLength: number): string {
  return renderRichText([text], maxLength);
}

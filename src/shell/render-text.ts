import { type Reply, type RichText, type Section } from '../commands/reply';

/** Control characters (but tab and newline) would let typed text move the cursor or recolour the terminal. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

function clean(text: string): string {
  return text.replace(CONTROL, '?');
}

function inline(text: RichText): string {
  return text
    .map((span) => {
      if (typeof span === 'string') {
        return clean(span);
      }
      if ('user' in span) {
        return `@${clean(span.user)}`;
      }
      if ('code' in span) {
        return clean(span.code);
      }
      return clean(span.bold);
    })
    .join('');
}

const TONE_MARK: Record<Reply['tone'], string> = { info: '', success: '✓ ', error: '✗ ', progress: '… ' };

/** Renders a Reply as plain text for a terminal: aligned tables, no markup, control characters removed. */
export function renderReplyText(reply: Reply): string {
  const lines = [`${TONE_MARK[reply.tone]}${clean(reply.title)}`];
  for (const section of reply.sections) {
    lines.push(...renderSection(section));
  }
  return lines.join('\n');
}

function renderSection(section: Section): string[] {
  switch (section.type) {
    case 'text':
      return [`  ${inline(section.text)}`];
    case 'context':
      return [`  (${inline(section.text)})`];
    case 'fields': {
      const width = Math.max(...section.fields.map((f) => f.label.length));
      return section.fields.map((f) => `  ${f.label.padEnd(width)}  ${inline(f.value)}`);
    }
    case 'list':
      return section.items.map((item) => `  - ${inline(item)}`);
    case 'table': {
      const rows = [section.columns, ...section.rows].map((r) => r.map(clean));
      const widths = section.columns.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
      return rows.map(
        (r) =>
          `  ${r
            .map((cell, i) => cell.padEnd(widths[i] ?? 0))
            .join('  ')
            .trimEnd()}`,
      );
    }
    case 'code':
      // Verbatim, so it can be copied; only control characters other than tabs are dropped.
      return section.text
        .replace(/\n$/, '')
        .split('\n')
        .map((line) => `    ${line.replace(/\t/g, '  ').replace(CONTROL, '?')}`);
    case 'actions':
      return [
        `  actions: ${section.actions.map((a) => `${a.label} (/lab ${a.id.replace(/^lab_/, '')} ${a.value})`).join(', ')}`,
      ];
  }
}

import { plainText, type Reply } from '../../src/commands/reply';

/**
 * Everything a reply says as plain text (title, sections, table cells, button labels), for assertions on content
 * whatever the renderer. `actionValues` adds what the buttons carry (the command they run).
 */
export function replyText(reply: Reply, options: { actionValues?: boolean } = {}): string {
  return [
    reply.title,
    ...reply.sections.flatMap((s) => {
      switch (s.type) {
        case 'text':
        case 'context':
          return [plainText(s.text)];
        case 'list':
          return s.items.map(plainText);
        case 'fields':
          return s.fields.map((f) => `${f.label}: ${plainText(f.value)}`);
        case 'table':
          return [s.columns, ...s.rows].map((r) => r.join(' | '));
        case 'code':
          return [s.text];
        case 'actions':
          return s.actions.flatMap((a) => (options.actionValues ? [a.label, a.value] : [a.label]));
      }
    }),
  ].join('\n');
}

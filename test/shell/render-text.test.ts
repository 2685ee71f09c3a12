import { renderReplyText } from '../../src/shell/render-text';

describe('shell/render-text', () => {
  it('renders fields, aligned tables and lists as plain text', () => {
    const text = renderReplyText({
      visibility: 'channel',
      tone: 'success',
      title: 'Lab demo-4kq: ready',
      sections: [
        {
          type: 'fields',
          fields: [
            { label: 'State', value: ['ready'] },
            { label: 'Owner', value: [{ user: 'U1' }] },
          ],
        },
        { type: 'table', columns: ['VM', 'MAC'], rows: [['esxi-01', '00:50:56:00:00:01']] },
        { type: 'list', items: [[{ code: '/lab help' }, ' this help']] },
      ],
    });

    expect(text).toBe(
      [
        '✓ Lab demo-4kq: ready',
        '  State  ready',
        '  Owner  @U1',
        '  VM       MAC',
        '  esxi-01  00:50:56:00:00:01',
        '  - /lab help this help',
      ].join('\n'),
    );
  });

  it('removes terminal control characters from anything shown', () => {
    const text = renderReplyText({
      visibility: 'ephemeral',
      tone: 'error',
      title: 'bad \u001b[31mred\u0007',
      sections: [],
    });

    expect(text).toBe('✗ bad ?[31mred?');
  });
});

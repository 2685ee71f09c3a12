import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type types } from '@slack/bolt';
import { type Reply, type ReplyAction } from '../../src/commands/reply';
import { renderReplyBlocks } from '../../src/slack/render/render-reply';

/** What a ready demo lab's message looks like: every section kind, a user-typed ticket and a destructive button. */
function readyLabReply(): Reply {
  return {
    visibility: 'channel',
    tone: 'success',
    title: 'Lab demo-4kq is ready',
    sections: [
      {
        type: 'text',
        text: ['Owner ', { user: 'U0ALICE' }, ', ticket ', { code: 'ACME-42 <!channel>' }, '.'],
      },
      {
        type: 'fields',
        fields: [
          { label: 'Template', value: ['esxi8-vcsa'] },
          { label: 'Expires', value: [{ bold: '2026-11-24 18:00 UTC' }] },
          { label: 'Cost so far', value: ['$3.10 ($2.40/h)'] },
          { label: 'Jump host', value: [{ code: 'ssh admin@203.0.113.10 -p 2201' }] },
        ],
      },
      {
        type: 'table',
        columns: ['VM', 'NIC', 'Network', 'MAC'],
        rows: [
          ['esxi-01', '0', 'Management', '00:50:56:01:00:01'],
          ['esxi-01', '1', 'VM Network', '00:50:56:01:00:02'],
          ['vcsa & jump', '0', 'Management', '00:50:56:01:00:03'],
        ],
      },
      {
        type: 'list',
        items: [
          ['Map each nested VM to one vmnic MAC (1:1).'],
          ['Power stays on until ', { bold: 'expiry' }, '.'],
        ],
      },
      { type: 'context', text: ['Simulated cloud: nothing here is billed.'] },
      {
        type: 'actions',
        actions: [
          { id: 'lab_extend', label: 'Keep 2h', value: 'demo-4kq', style: 'primary' },
          {
            id: 'lab_teardown',
            label: 'Tear down now',
            value: 'demo-4kq',
            style: 'danger',
            confirm: {
              title: 'Tear down demo-4kq?',
              text: 'The vApp and its disks are deleted.',
              confirm: 'Tear down',
              deny: 'Keep it',
            },
          },
        ],
      },
    ],
  };
}

type ActionsBlock = types.ActionsBlock;
type Button = types.Button;
type ContextBlock = types.ContextBlock;
type HeaderBlock = types.HeaderBlock;
type SectionBlock = types.SectionBlock;

function reply(sections: Reply['sections'], extra: Partial<Reply> = {}): Reply {
  return { visibility: 'ephemeral', tone: 'info', title: 'T', sections, ...extra };
}

function json(value: unknown): string {
  return JSON.stringify(value);
}

describe('slack/render/render-reply', () => {
  it('renders a ready lab as the golden Block Kit JSON', () => {
    const golden = join(__dirname, 'golden', 'ready-lab-reply.json');

    const message = renderReplyBlocks(readyLabReply());

    // UPDATE_GOLDEN=1 rewrites the file after a deliberate change; review its diff like code.
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(golden, `${JSON.stringify(message, null, 2)}\n`);
    }
    expect(existsSync(golden)).toBe(true);
    expect(message).toEqual(JSON.parse(readFileSync(golden, 'utf8')));
  });

  it('escapes what users typed everywhere it lands, including the fallback text', () => {
    const message = renderReplyBlocks(
      reply([{ type: 'text', text: ['<!channel> & <@U123> typed as text'] }], { title: '<!here> title' }),
    );

    expect(json(message)).not.toMatch(/<!channel>|<!here>|<@U123>/);
    expect(message.text).toBe('&lt;!here&gt; title: &lt;!channel&gt; &amp; &lt;@U123&gt; typed as text');
    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: { type: 'mrkdwn', text: '&lt;!channel&gt; &amp; &lt;@U123&gt; typed as text' },
    });
  });

  it('marks errors with a warning marker and an ephemeral-sized section instead of a header', () => {
    const message = renderReplyBlocks(reply([], { tone: 'error', title: 'Lab demo-x not found' }));

    expect(message.blocks).toEqual([
      { type: 'section', text: { type: 'mrkdwn', text: ':warning: *Lab demo-x not found*' } },
    ]);
    expect(message.text).toBe(':warning: Lab demo-x not found');
  });

  it('renders a table as an aligned monospace code block', () => {
    const message = renderReplyBlocks(
      reply([
        {
          type: 'table',
          columns: ['Lab', 'State'],
          rows: [
            ['demo-4kq', 'ready'],
            ['repro-acme-42', 'deploying'],
          ],
        },
      ]),
    );

    expect(message.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: [
          '```',
          'Lab            State',
          '-------------  ---------',
          'demo-4kq       ready',
          'repro-acme-42  deploying',
          '```',
        ].join('\n'),
      },
    });
  });

  it('aligns table columns on what users see, not on escaped lengths, and keeps backticks from closing the block', () => {
    const message = renderReplyBlocks(
      reply([
        {
          type: 'table',
          columns: ['A', 'B'],
          rows: [
            ['x&y', '1'],
            ['```', '2'],
          ],
        },
      ]),
    );

    const text = (message.blocks[1] as { text: { text: string } }).text.text;
    expect(text.split('\n')).toEqual(['```', 'A    B', '---  -', 'x&amp;y  1', 'ˋˋˋ  2', '```']);
  });

  it('summarises table rows that do not fit in one section', () => {
    const rows = Array.from({ length: 500 }, (_, i) => [`lab-${i}`, 'ready', 'x'.repeat(20)]);

    const message = renderReplyBlocks(reply([{ type: 'table', columns: ['Lab', 'State', 'Note'], rows }]));

    const text = (message.blocks[1] as { text: { text: string } }).text.text;
    expect(text.length).toBeLessThanOrEqual(3000);
    expect(text).toMatch(/… \d+ more rows\n```$/);
  });

  it('renders lists as bullets and flows long lists into further sections', () => {
    const items = Array.from({ length: 200 }, (_, i) => [`item ${i} `, 'y'.repeat(40)]);

    const message = renderReplyBlocks(reply([{ type: 'list', items }]));

    const sections = message.blocks.slice(1) as { text: { text: string } }[];
    expect(sections.length).toBeGreaterThan(1);
    for (const s of sections) {
      expect(s.text.text.length).toBeLessThanOrEqual(3000);
    }
    expect(
      sections
        .map((s) => s.text.text)
        .join('\n')
        .split('\n'),
    ).toHaveLength(200);
    expect(sections[0]?.text.text.startsWith('• item 0 ')).toBe(true);
  });

  it('splits more than ten fields over several sections', () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ label: `F${i}`, value: [`v${i}`] }));

    const message = renderReplyBlocks(reply([{ type: 'fields', fields }]));

    const counts = message.blocks.slice(1).map((b) => (b as { fields: unknown[] }).fields.length);
    expect(counts).toEqual([10, 10, 3]);
  });

  it('cuts long text, headers, fields, labels and confirm dialogs to their limits with an ellipsis', () => {
    const long = 'x'.repeat(5000);
    const action: ReplyAction = {
      id: 'lab_teardown',
      label: long,
      value: 'v',
      style: 'danger',
      confirm: { title: long, text: long, confirm: long, deny: long },
    };

    const message = renderReplyBlocks(
      reply(
        [
          { type: 'text', text: [long] },
          { type: 'fields', fields: [{ label: 'L', value: [long] }] },
          { type: 'context', text: [long] },
          { type: 'actions', actions: [action] },
        ],
        { title: long },
      ),
    );

    const [header, section, fields, context, actions] = message.blocks as [
      HeaderBlock,
      SectionBlock,
      SectionBlock,
      ContextBlock,
      ActionsBlock,
    ];
    expect(header.text.text).toHaveLength(150);
    expect(section.text?.text).toHaveLength(3000);
    expect(section.text?.text.endsWith('…')).toBe(true);
    expect(fields.fields?.[0]?.text.length).toBeLessThanOrEqual(2000);
    expect((context.elements[0] as { text: string }).text).toHaveLength(3000);
    const button = actions.elements[0] as Button;
    expect(button.text.text).toHaveLength(75);
    expect(button.confirm?.title?.text).toHaveLength(100);
    expect(button.confirm?.text.text).toHaveLength(300);
    expect(button.confirm?.confirm?.text).toHaveLength(30);
    expect(button.confirm?.deny?.text).toHaveLength(30);
    expect(message.text.length).toBeLessThanOrEqual(3000);
  });

  it('keeps at most 50 blocks and says how many were left out', () => {
    const sections: Reply['sections'] = Array.from({ length: 80 }, (_, i) => ({
      type: 'text',
      text: [`s${i}`],
    }));

    const message = renderReplyBlocks(reply(sections));

    expect(message.blocks).toHaveLength(50);
    expect(message.blocks[49]).toEqual({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: '… 32 more blocks not shown' }],
    });
  });

  it('renders buttons with action_id, value, style and a confirm dialog styled like the action', () => {
    const message = renderReplyBlocks(readyLabReply());

    const actions = message.blocks.find((b): b is ActionsBlock => b.type === 'actions');
    expect(actions?.elements).toEqual([
      {
        type: 'button',
        action_id: 'lab_extend',
        value: 'demo-4kq',
        style: 'primary',
        text: { type: 'plain_text', text: 'Keep 2h', emoji: true },
      },
      {
        type: 'button',
        action_id: 'lab_teardown',
        value: 'demo-4kq',
        style: 'danger',
        text: { type: 'plain_text', text: 'Tear down now', emoji: true },
        confirm: {
          title: { type: 'plain_text', text: 'Tear down demo-4kq?' },
          text: { type: 'plain_text', text: 'The vApp and its disks are deleted.' },
          confirm: { type: 'plain_text', text: 'Tear down' },
          deny: { type: 'plain_text', text: 'Keep it' },
          style: 'danger',
        },
      },
    ]);
  });

  it('keeps action_ids unique per block by starting a new block, and leaves out buttons Slack would reject', () => {
    const teardown = (lab: string): ReplyAction => ({
      id: 'lab_teardown',
      label: `Tear down ${lab}`,
      value: lab,
    });

    const message = renderReplyBlocks(
      reply([
        {
          type: 'actions',
          actions: [
            teardown('a'),
            teardown('b'),
            { id: 'x', label: 'too big', value: 'v'.repeat(2001) },
            teardown('c'),
          ],
        },
      ]),
    );

    const blocks = message.blocks.slice(1) as {
      type: string;
      elements: { action_id: string; value: string }[];
    }[];
    expect(blocks.map((b) => b.elements.map((e) => e.value))).toEqual([['a'], ['b'], ['c']]);
    for (const block of blocks) {
      expect(block.type).toBe('actions');
    }
  });

  it('splits more than 25 buttons over several actions blocks', () => {
    const actions = Array.from({ length: 30 }, (_, i) => ({ id: `a${i}`, label: `${i}`, value: `${i}` }));

    const message = renderReplyBlocks(reply([{ type: 'actions', actions }]));

    expect(message.blocks.slice(1).map((b) => (b as { elements: unknown[] }).elements.length)).toEqual([
      25, 5,
    ]);
  });

  it('leaves out sections that would be empty, which Slack rejects', () => {
    const message = renderReplyBlocks(
      reply([
        { type: 'text', text: [] },
        { type: 'context', text: [''] },
        { type: 'actions', actions: [] },
        { type: 'fields', fields: [] },
      ]),
    );

    expect(message.blocks).toHaveLength(1);
  });
});

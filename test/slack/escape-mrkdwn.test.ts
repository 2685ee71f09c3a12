import { escapeCode, escapeMrkdwn, renderRichText, renderSpan } from '../../src/slack/render/escape-mrkdwn';

describe('slack/render/escape-mrkdwn', () => {
  it.each([
    ['<!channel>', '&lt;!channel&gt;'],
    ['<!here> & <!everyone>', '&lt;!here&gt; &amp; &lt;!everyone&gt;'],
    ['<@U123>', '&lt;@U123&gt;'],
    ['<https://evil.example|innocent>', '&lt;https://evil.example|innocent&gt;'],
    ['AT&T', 'AT&amp;T'],
    ['&amp; stays visible as typed', '&amp;amp; stays visible as typed'],
    ["we've got *stars* and 'quotes'", "we've got *stars* and 'quotes'"],
  ])('escapes %j as %j', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });

  it('renders a user span with a valid id as a mention', () => {
    expect(renderSpan({ user: 'U0123ABC' })).toBe('<@U0123ABC>');
    expect(renderSpan({ user: 'W0123ABC' })).toBe('<@W0123ABC>');
  });

  it.each(['U_LOCAL', 'u123', 'U123|x', '!channel', 'U12>3', ''])(
    'shows a user span %j that is not an id as text',
    (id) => {
      expect(renderSpan({ user: id })).toBe(escapeMrkdwn(id));
    },
  );

  it('wraps code in backticks and neutralises backticks, newlines and control characters inside', () => {
    expect(renderSpan({ code: 'demo-4kq' })).toBe('`demo-4kq`');
    expect(renderSpan({ code: 'a`b``c' })).toBe('`aˋbˋˋc`');
    expect(renderSpan({ code: 'line1\nline2' })).toBe('`line1 line2`');
    expect(renderSpan({ code: '<!channel>' })).toBe('`&lt;!channel&gt;`');
  });

  it('bolds with asterisks, escapes inside and keeps edge spaces outside so Slack still bolds', () => {
    expect(renderSpan({ bold: 'ready' })).toBe('*ready*');
    expect(renderSpan({ bold: ' <b> ' })).toBe(' *&lt;b&gt;* ');
    expect(renderSpan({ bold: '' })).toBe('');
  });

  it('renders rich text by concatenating spans', () => {
    expect(
      renderRichText(['Lab ', { code: 'demo-4kq' }, ' is ', { bold: 'ready' }, ' for ', { user: 'U1' }]),
    ).toBe('Lab `demo-4kq` is *ready* for <@U1>');
  });

  it('cuts to the limit with an ellipsis, never inside an entity, a mention or an open span', () => {
    const text = ['&&&&&&&&&&'];

    const cut = renderRichText(text, 12);

    expect(cut).toBe('&amp;&amp;…');
    expect(renderRichText(['ab', { user: 'U12345' }], 8)).toBe('ab…');
    expect(renderRichText([{ code: 'abcdefghij' }], 6)).toBe('`abc`…');
    expect(renderRichText([{ bold: 'abcdefghij' }], 6)).toBe('*abc*…');
  });

  it('never exceeds the limit, whatever the input', () => {
    const inputs = ['x'.repeat(5000), '<>&'.repeat(2000), '😀'.repeat(3000)];
    for (const input of inputs) {
      for (const max of [1, 2, 7, 100, 3000]) {
        const out = renderRichText([input, { code: input }, { bold: input }], max);
        expect(out.length).toBeLessThanOrEqual(max);
        expect(out).not.toMatch(/&[a-z]*…$/);
        expect(out).not.toMatch(/[\uD800-\uDBFF]…$/);
      }
    }
  });

  it('renders uncut text as its code points escaped one by one, and a cut as a prefix of that', () => {
    const input = 'a<b>&c`d😀e\u{1F469}\u200D\u{1F4BB}f';
    const oneByOne = (escape: (c: string) => string) => Array.from(input, escape).join('');
    const rendered = renderRichText([input, { code: input }, { bold: input }]);

    expect(rendered).toBe(`${oneByOne(escapeMrkdwn)}\`${oneByOne(escapeCode)}\`*${oneByOne(escapeMrkdwn)}*`);
    for (let max = 1; max < rendered.length; max++) {
      const cut = renderRichText([input, { code: input }, { bold: input }], max);
      expect(cut.endsWith('…')).toBe(true);
      expect(cut.length).toBeLessThanOrEqual(max);
    }
    expect(renderRichText([input], oneByOne(escapeMrkdwn).length - 1)).toBe(
      `${Array.from(input, escapeMrkdwn).slice(0, -2).join('')}…`,
    );
  });
});

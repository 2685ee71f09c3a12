/** The simulator's XML writer: escaping and layout. */
import { escapeXml, renderXml, x, xText } from '../../src/vcdsim/xml-writer';

describe('vcdsim xml writer', () => {
  it('escapes all five special characters in attributes and text', () => {
    const xml = renderXml(x('VApp', { name: `a<b & "c" 'd'>` }, xText('Description', `<script>&'"`)));
    expect(xml).toContain(`name="a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"`);
    expect(xml).toContain('<Description>&lt;script&gt;&amp;&apos;&quot;</Description>');
  });

  it('replaces characters XML 1.0 cannot carry', () => {
    expect(escapeXml('a\u0001b\uD800c')).toBe('a\uFFFDb\uFFFDc');
    expect(escapeXml('tab\tok \u{1F600}')).toBe('tab\tok \u{1F600}');
  });

  it('skips undefined attributes and optional children, and writes empty elements self-closed', () => {
    const xml = renderXml(
      x('Root', { a: undefined, b: 1 }, undefined, false, [x('Empty'), xText('Gone', undefined)]),
    );
    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Root b="1">\n    <Empty/>\n</Root>\n',
    );
  });
});

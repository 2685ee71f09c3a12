import { el, escapeAttribute, escapeText, serializeXml, textEl } from '../../../src/vcd/wire/xml-builder';
import {
  attr,
  child,
  childPath,
  children,
  descendants,
  parseXml,
  textOf,
  toBoolean,
  toInt,
  XmlParseError,
} from '../../../src/vcd/wire/xml';

describe('vcd/wire/xml', () => {
  it('strips namespace prefixes from elements and attributes and drops xmlns declarations', () => {
    const root = parseXml(
      '<?xml version="1.0"?><ns0:Error xmlns:ns0="urn:a" xmlns="urn:b" xmlns:xsi="urn:i" xsi:type="T" message="m"><ns0:Child/></ns0:Error>',
    );

    expect(root.name).toBe('Error');
    expect(root.attributes).toEqual({ type: 'T', message: 'm' });
    expect(root.children.map((c) => c.name)).toEqual(['Child']);
  });

  it('decodes entities and character references, keeps CDATA text, and keeps document order', () => {
    const root = parseXml(
      '<A a="&lt;&amp;&quot;&#39;&#x3e;"><B>x &amp;lt; &#233;<![CDATA[<raw>]]></B><C/><B>2</B></A>',
    );

    expect(attr(root, 'a')).toBe('<&"\'>');
    expect(textOf(root, 'B')).toBe('x &lt; é<raw>');
    expect(root.children.map((c) => c.name)).toEqual(['B', 'C', 'B']);
    expect(children(root, 'B').map((b) => b.text)).toEqual(['x &lt; é<raw>', '2']);
  });

  it('keeps versions, ids and MACs as strings', () => {
    const root = parseXml('<V n="5.10"><Version>5.10</Version><Mac>00:50:56:01:00:99</Mac><Id>007</Id></V>');

    expect(attr(root, 'n')).toBe('5.10');
    expect(textOf(root, 'Version')).toBe('5.10');
    expect(textOf(root, 'Id')).toBe('007');
  });

  it('offers path, descendants and scalar helpers', () => {
    const root = parseXml('<A><B><C>1</C></B><D><C>2</C></D></A>');

    expect(textOf(childPath(root, 'B', 'C'))).toBe('1');
    expect(child(root, 'Missing')).toBeUndefined();
    expect(descendants(root, 'C').map((c) => c.text)).toEqual(['1', '2']);
    expect([toBoolean('true'), toBoolean('0'), toBoolean('yes'), toBoolean(undefined)]).toEqual([
      true,
      false,
      undefined,
      undefined,
    ]);
    expect([toInt('42'), toInt(' -1 '), toInt('4.2'), toInt('')]).toEqual([42, -1, undefined, undefined]);
  });

  it.each([
    ['empty input', ''],
    ['plain text', 'Service Unavailable'],
    ['an HTML error page', '<html><body><p>Bad gateway<br></body></html>'],
    ['an unclosed tag', '<Task href="x">'],
    ['mismatched tags', '<a><b></a></b>'],
    ['two roots', '<a/><b/>'],
    ['a truncated document', '<VApp href="x"><Children><Vm'],
    ['a DOCTYPE with entities', '<!DOCTYPE x [<!ENTITY a "aaaa">]><x>&a;&a;</x>'],
  ])('throws XmlParseError for %s', (_what, xml) => {
    expect(() => parseXml(xml)).toThrow(XmlParseError);
  });

  it('survives deeply nested input with a typed error or a result, never a crash', () => {
    const deep = `${'<a>'.repeat(20000)}${'</a>'.repeat(20000)}`;

    let outcome: unknown;
    try {
      outcome = parseXml(deep).name;
    } catch (error) {
      outcome = error;
    }

    expect(outcome === 'a' || outcome instanceof XmlParseError).toBe(true);
  });
});

describe('vcd/wire/xml-builder', () => {
  it('serialises elements in the given order, skipping undefined and false children and attributes', () => {
    const xml = serializeXml(
      el('R', { a: 'x', b: undefined, c: 3, d: true }, [textEl('One', 1), undefined, false, el('Two')]),
    );

    expect(xml).toBe(
      '<?xml version="1.0" encoding="UTF-8"?>\n<R a="x" c="3" d="true"><One>1</One><Two/></R>',
    );
  });

  it('escapes hostile text and attributes so that they round-trip through the parser', () => {
    const hostile = `a<b>&c"d'e]]>f\tg\nh\r i`;

    const root = parseXml(serializeXml(el('R', { v: hostile }, [textEl('T', hostile)])));

    expect(attr(root, 'v')).toBe(hostile);
    expect(child(root, 'T')?.text).toBe(hostile);
  });

  it('replaces characters XML cannot carry instead of producing a malformed document', () => {
    const xml = serializeXml(textEl('T', 'a\u0000b\u001Fc\uD800d'));

    expect(parseXml(xml).text).toBe('a\uFFFDb\uFFFDc\uFFFDd');
  });

  it('escapes the markup characters', () => {
    expect(escapeText('<&>')).toBe('&lt;&amp;&gt;');
    expect(escapeAttribute(`"'`)).toBe('&quot;&apos;');
  });
});

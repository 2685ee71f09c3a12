import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type CapturedTemplate } from '../../src/labs/ports';
import {
  allowListKey,
  captureItemName,
  deployableTemplates,
  keyFromCaptureItem,
  mayUseCapture,
  TEMPLATE_KEY_PATTERN,
  visibleCaptures,
} from '../../src/labs/templates';

/** The exact shape of captured templates and who sees them (issue 16, StrykerJS survivors of templates.ts). */

function capture(overrides: Partial<CapturedTemplate> = {}): CapturedTemplate {
  const key = overrides.key ?? 'mine';
  return {
    key,
    catalogItem: captureItemName(key),
    catalog: 'captures',
    baseTemplate: 'esxi8',
    sourceLabId: 'demo-aaa',
    capturedBy: 'U1',
    capturedAt: new Date('2026-11-24T23:30:00Z'),
    ...overrides,
  };
}

describe('captured templates (mutants)', () => {
  it('names the catalog item after the key and reads the key back from it', () => {
    expect(captureItemName('mine')).toBe('labbot-capture-mine');
    expect(keyFromCaptureItem('labbot-capture-mine')).toBe('mine');
    // Only the prefix is taken off, once.
    expect(keyFromCaptureItem('labbot-capture-labbot-capture-x')).toBe('labbot-capture-x');
    expect(keyFromCaptureItem('my-labbot-capture-x')).toBe('my-labbot-capture-x');
  });

  it('accepts keys of 1 to 32 lowercase letters, digits and dashes, not starting with a dash', () => {
    expect(TEMPLATE_KEY_PATTERN.test('a')).toBe(true);
    expect(TEMPLATE_KEY_PATTERN.test(`a${'-'.repeat(31)}`)).toBe(true);
    expect(TEMPLATE_KEY_PATTERN.test(`a${'b'.repeat(32)}`)).toBe(false);
    expect(TEMPLATE_KEY_PATTERN.test('-a')).toBe(false);
    expect(TEMPLATE_KEY_PATTERN.test('Ab')).toBe(false);
    expect(TEMPLATE_KEY_PATTERN.test('a_b')).toBe(false);
  });

  it('copies the whole base under the capture’s key, item, catalog and a description of where it came from', () => {
    const esxi8 = DEFAULT_POLICY.templates[0]!;

    const merged = deployableTemplates(DEFAULT_POLICY.templates, [capture()]);

    expect(merged.at(-1)).toStrictEqual({
      ...esxi8,
      key: 'mine',
      catalogItem: 'labbot-capture-mine',
      description: 'captured from lab demo-aaa (esxi8) on 2026-11-24',
      base: 'esxi8',
      catalog: 'captures',
    });
  });

  it('leaves out a capture whose key a configured template already has', () => {
    const merged = deployableTemplates(DEFAULT_POLICY.templates, [capture({ key: 'esxi7' })]);

    expect(merged).toEqual(DEFAULT_POLICY.templates);
  });

  it('stands a captured template for its base in allow lists, a configured one for itself', () => {
    expect(allowListKey({ key: 'mine', base: 'esxi8' })).toBe('esxi8');
    expect(allowListKey({ key: 'esxi8' })).toBe('esxi8');
  });

  it('shows a capture to whoever took it, to admins, and to everyone once published', () => {
    const own = capture({ key: 'own', capturedBy: 'U1' });
    const other = capture({ key: 'other', capturedBy: 'U2' });
    const published = capture({ key: 'pub', capturedBy: 'U2', publishedAt: new Date(0) });

    expect(visibleCaptures([own, other, published], 'U1', false).map((c) => c.key)).toEqual(['own', 'pub']);
    expect(visibleCaptures([own, other, published], 'U3', true).map((c) => c.key)).toEqual([
      'own',
      'other',
      'pub',
    ]);
    expect(mayUseCapture(other, 'U1', false)).toBe(false);
  });
});

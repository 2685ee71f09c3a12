/**
 * Configured templates (labbot.yml) and captured ones (`/lab capture`) seen as one list. A captured template
 * inherits everything but its catalog item from its base, so that cost, limits, idle thresholds and kind allow
 * lists need no second set of rules.
 */
import { type TemplatePolicy } from './policy';
import { type CapturedTemplate } from './ports';

/** Longest template key: what `/lab capture` accepts, so the VCD name stays well within VCD's 128 characters. */
export const TEMPLATE_KEY_PATTERN = /^[a-z0-9][a-z0-9-]{0,31}$/;

/**
 * The VCD catalog item name of a captured template. The prefix keeps it apart from the items people upload by
 * hand, and the key is unique among labbot's templates, so two captures never pick the same name.
 */
export function captureItemName(key: string): string {
  return `labbot-capture-${key}`;
}

/**
 * The configured templates followed by the captured ones, each captured one as a copy of its base with its own
 * key, catalog item and description. A captured template whose base is no longer configured is left out: it
 * has no size to bill by nor rules to follow.
 */
export function deployableTemplates(
  configured: readonly TemplatePolicy[],
  captured: readonly CapturedTemplate[],
): TemplatePolicy[] {
  const byKey = new Map(configured.map((t) => [t.key, t]));
  const merged: TemplatePolicy[] = [...configured];
  for (const c of captured) {
    const base = byKey.get(c.baseTemplate);
    if (base === undefined || byKey.has(c.key)) {
      continue;
    }
    merged.push({
      ...base,
      key: c.key,
      catalogItem: c.catalogItem,
      description: `captured from lab ${c.sourceLabId} (${base.key}) on ${c.capturedAt.toISOString().slice(0, 10)}`,
      base: base.key,
      catalog: c.catalog,
    });
  }
  return merged;
}

/** The key of a captured template, from its catalog item name (for records written before the key was kept). */
export function keyFromCaptureItem(name: string): string {
  return name.replace(/^labbot-capture-/, '');
}

/** The configured template a template stands for in allow lists: its base when captured, else itself. */
export function allowListKey(template: Pick<TemplatePolicy, 'key' | 'base'>): string {
  return template.base ?? template.key;
}

/**
 * True when `user` may see and deploy a captured template: it is published, or they captured it, or they are an
 * admin. Until an admin publishes it, a capture is its owner's alone (it may hold their lab's data and credentials).
 */
export function mayUseCapture(
  capture: Pick<CapturedTemplate, 'capturedBy' | 'publishedAt'>,
  user: string,
  isAdmin: boolean,
): boolean {
  return isAdmin || capture.publishedAt !== undefined || capture.capturedBy === user;
}

/** The captured templates `user` may see and deploy (mayUseCapture), in their order. */
export function visibleCaptures(
  captured: readonly CapturedTemplate[],
  user: string,
  isAdmin: boolean,
): CapturedTemplate[] {
  return captured.filter((capture) => mayUseCapture(capture, user, isAdmin));
}

/**
 * Block Kit limits the renderer respects, so that Slack never rejects a message with `invalid_blocks`
 * (figures from @slack/types JSDoc and docs.slack.dev/reference/block-kit, see reference/slack.md section 3.4).
 */
export const BLOCK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  headerText: 150,
  contextText: 3000,
  elementsPerActions: 25,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  /**
   * Top-level `text` is the notification and screen-reader fallback; Slack truncates it at 40,000 characters, but
   * a fallback is a summary, so keep it short.
   */
  fallbackText: 3000,
} as const;

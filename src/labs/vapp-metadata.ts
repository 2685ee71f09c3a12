/**
 * The metadata keys labbot writes on every vApp it creates (DESIGN.md section 2): how labbot recognises its own
 * vApps. The controller writes them (set-metadata step) and the VCD adapter reads them back (vcd/managed-vapps.ts);
 * both use this one definition, so a key cannot be written under one name and looked for under another.
 */
export const LABBOT_METADATA_KEYS = {
  /** The installation that created the vApp: reconciliation leaves another installation's alone. */
  installation: 'labbot.installation',
  id: 'labbot.id',
  owner: 'labbot.owner',
  kind: 'labbot.kind',
  ticket: 'labbot.ticket',
  expiresAt: 'labbot.expiresAt',
} as const;

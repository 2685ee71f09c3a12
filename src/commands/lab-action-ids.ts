/**
 * The Block Kit `action_id` of every lab button. Only the names live here: what each button runs is its entry in
 * the command registry (command-registry.ts), under the verb it runs. The names are apart from the registry
 * because the replies that show the buttons (lab-reply.ts, reaper/reaper-replies.ts) are what the registry's
 * runners return, and importing the registry there would make a cycle.
 */
export const LAB_ACTION = {
  extend: 'lab_extend',
  suspend: 'lab_suspend',
  resume: 'lab_resume',
  teardown: 'lab_teardown',
  /** The reaper's warning DM: Keep 2h, Keep until tomorrow, I'm using it (Tear down now is `teardown`). */
  keep2h: 'reap_keep_2h',
  keepTomorrow: 'reap_keep_tomorrow',
  inUse: 'reap_in_use',
  /** The reaper's notice of a lab suspended for its restore window: resume it before it is deleted. */
  bringBack: 'reap_bring_back',
} as const;

export type LabActionId = (typeof LAB_ACTION)[keyof typeof LAB_ACTION];

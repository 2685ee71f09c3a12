import { type Verb } from './lab-command';

/** The words (and aliases) parseCommand accepts as a verb. Keep in step with parse-command.ts. */
const VERBS: Readonly<Record<string, Verb>> = {
  help: 'help',
  '-h': 'help',
  '--help': 'help',
  demo: 'demo',
  repro: 'repro',
  list: 'list',
  ls: 'list',
  status: 'status',
  teardown: 'teardown',
  delete: 'teardown',
  destroy: 'teardown',
  extend: 'extend',
  keep: 'keep',
  snooze: 'keep',
  suspend: 'suspend',
  resume: 'resume',
  handoff: 'handoff',
  give: 'handoff',
  cost: 'cost',
  templates: 'templates',
  capture: 'capture',
};

/**
 * The verb of a command text, for metrics and logs: one of a closed list, so user text never becomes a label.
 * Empty text is `help` (what parseCommand makes of it); anything unknown is `unknown`. Pure; never throws.
 */
export function commandVerb(text: string): Verb | 'unknown' {
  const first = text.trim().split(/\s+/)[0] ?? '';
  return first === '' ? 'help' : (VERBS[first.toLowerCase()] ?? 'unknown');
}

import { findCommand } from './command-registry';
import { type Verb } from './parsed-command';

/**
 * The verb of a command text, for metrics and logs: one of a closed list (the registry's verbs), so user text never
 * becomes a label. Empty text is `help` (what parseCommand makes of it); anything unknown is `unknown`. Pure; never
 * throws.
 */
export function commandVerb(text: string): Verb | 'unknown' {
  const first = text.trim().split(/\s+/)[0] ?? '';
  return first === '' ? 'help' : (findCommand(first)?.verb ?? 'unknown');
}

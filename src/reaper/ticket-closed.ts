import { type Lab } from '../labs/lab';

/**
 * Issue 19 item 4: a repro lab whose ticket was resolved or closed has done its job. Why the reaper reaps it, in
 * words, or undefined when its ticket is open. Kept apart from the idle rules (plan-reap.ts calls it before them): it
 * does not depend on usage, only on the ticket, and the owner's Keep (a snooze) still wins, as for every rule.
 */
export function ticketClosedReason(lab: Pick<Lab, 'ticket' | 'ticketClosedAt'>): string | undefined {
  if (lab.ticket === undefined || lab.ticketClosedAt === undefined) {
    return undefined;
  }
  return `ticket ${lab.ticket} was resolved or closed at ${lab.ticketClosedAt.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

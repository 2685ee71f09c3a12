/**
 * Per-person limits (lab count, committed hourly spend) and ticket keys, as pure functions. The store evaluates the
 * limit check under a per-owner lock, between reading the owner's labs and writing the new one
 * (LabStore.insertWithinLimits, LabStore.transferWithinLimits), so that concurrent requests cannot all pass it.
 */
import { committedHourlyRate } from './cost';
import { isTerminal, type Lab } from './lab';
import { type Rates, type UserLimits } from './policy';

/** Why a request would take someone over a limit: words for the user and a short detail for the audit log. */
export interface LimitRefusal {
  /** `lab count limit 5` or `hourly spend limit 20`, for the audit log. */
  detail: string;
  /** For the user (a UserError of kind `quota`). */
  message: string;
}

/** Judges an owner's labs (the store passes every lab of theirs that has not ended) against a request. */
export type OwnerLabsCheck = (ownerLabs: readonly Lab[]) => LimitRefusal | undefined;

/** Whose limits are checked, for the wording: the person asking, or the receiver of a hand-off. */
export type LimitSubject = 'you' | 'receiver';

/** Labs that count against a person's limits: not ended and not being torn down. */
export function countedLabs(labs: readonly Lab[]): Lab[] {
  return labs.filter((lab) => !isTerminal(lab) && lab.desired !== 'deleted');
}

/**
 * The refusal for adding a lab billing `addedHourly` to these labs, or undefined when it fits both limits.
 * `excludeId` leaves out a lab that is already counted elsewhere (the lab being handed over).
 */
export function limitRefusal(
  ownerLabs: readonly Lab[],
  addedHourly: number,
  limits: UserLimits,
  rates: Rates,
  subject: LimitSubject,
  excludeId?: string,
): LimitRefusal | undefined {
  const live = countedLabs(ownerLabs).filter((lab) => lab.id !== excludeId);
  const you = subject === 'you';
  if (live.length >= limits.maxLabsPerUser) {
    return {
      detail: `lab count limit ${limits.maxLabsPerUser}`,
      message: you
        ? `You already have ${live.length} live labs, the most one person may have. Tear one down first (\`/lab list\` shows them).`
        : `The new owner already has ${live.length} live labs, the most one person may have; they must tear one down first.`,
    };
  }
  const spend = live.reduce((sum, lab) => sum + committedHourlyRate(lab, rates), 0) + addedHourly;
  if (spend > limits.maxHourlySpendPerUser) {
    return {
      detail: `hourly spend limit ${limits.maxHourlySpendPerUser}`,
      message: `That would bring ${you ? 'your' : 'their'} labs to $${spend.toFixed(2)}/h, over the $${limits.maxHourlySpendPerUser.toFixed(2)}/h limit per person. ${you ? 'Suspend or tear down a lab first.' : 'They must suspend or tear down a lab first.'}`,
    };
  }
  return undefined;
}

/**
 * The form tickets are compared in: upper case, so that `TKT-2` and `tkt-2` are one ticket (the default ticket pattern
 * admits ASCII letters, digits and dashes, which upper-case the same in every locale and in both databases). A lab
 * keeps its ticket as first typed, for display; the store's live-ticket index is on `upper(ticket)`.
 */
export function ticketKey(ticket: string): string {
  return ticket.toUpperCase();
}

import { type Reply } from '../commands/reply';
import { billLabs, type BillingInterval, monthForecast, monthOf } from '../labs/billing';
import { committedHourlyRate, costSoFar, formatUsd, hourlyRate } from '../labs/cost';
import { type Lab } from '../labs/lab';
import { type Rates } from '../labs/policy';
import { type AuditEntry } from '../labs/ports';

const DAY_MS = 86_400_000;

/**
 * The daily digest for the ops channel: what labs cost, what they burn per hour now, and what the reaper saved
 * in the last day. Savings are counted as the reaped lab's rate times the hours it had left until its expiry
 * (a suspend saves the CPU and RAM part only): what it would have cost had nobody acted. With the ledger's intervals
 * of the month (UTC, the ops channel's month), it also says what the month has billed so far and where it will end.
 */
export function digestReply(
  labs: readonly Lab[],
  audit: readonly AuditEntry[],
  now: Date,
  rates: Rates,
  monthIntervals?: readonly BillingInterval[],
): Reply {
  const since = new Date(now.getTime() - DAY_MS);
  const live = labs.filter((l) => l.endedAt === undefined);
  const recent = labs.filter((l) => l.endedAt === undefined || l.endedAt >= since);
  const burn = live.reduce((sum, l) => sum + committedHourlyRate(l, rates), 0);
  const spend = recent.reduce((sum, l) => sum + costSoFar(l, now, rates), 0);
  const byId = new Map(labs.map((l) => [l.id, l]));
  const reaped = audit.filter(
    (e) =>
      e.actor === 'reaper' &&
      (e.action === 'delete' || e.action === 'suspend') &&
      e.at >= since &&
      e.labId !== undefined,
  );
  let saved = 0;
  const rows: string[][] = [];
  for (const entry of reaped) {
    const lab = byId.get(entry.labId ?? '');
    if (!lab) {
      continue;
    }
    const hoursLeft = Math.max(0, (lab.expiresAt.getTime() - entry.at.getTime()) / 3_600_000);
    const rate = hourlyRate(lab.spec, rates);
    const saving = hoursLeft * (entry.action === 'delete' ? rate.total : rate.compute);
    saved += saving;
    rows.push([lab.id, lab.owner, entry.action, formatUsd(saving), entry.detail ?? '']);
  }
  const month = monthOf(now);
  const forecast =
    monthIntervals !== undefined
      ? monthForecast(
          billLabs(labs, monthIntervals, rates, { from: month.from, to: now }, now).reduce(
            (sum, bill) => sum + bill.cost,
            0,
          ),
          burn,
          now,
          month,
        )
      : undefined;
  return {
    visibility: 'channel',
    tone: 'info',
    title: `labbot daily digest: ${live.length} live lab${live.length === 1 ? '' : 's'} burning ${formatUsd(burn)}/h; ${formatUsd(saved)} saved by the reaper`,
    sections: [
      { type: 'text', text: [`Cost so far of labs live in the last 24 h: ${formatUsd(spend)}.`] },
      ...(forecast !== undefined
        ? [
            {
              type: 'text' as const,
              text: [
                `${month.from.toISOString().slice(0, 7)} so far: ${formatUsd(forecast.monthToDate)}; forecast for the month at today’s burn rate: `,
                { bold: formatUsd(forecast.forecast) },
                '.',
              ],
            },
          ]
        : []),
      ...(rows.length > 0
        ? [{ type: 'table' as const, columns: ['lab', 'owner', 'reaper', 'saved', 'why'], rows }]
        : []),
      {
        type: 'context',
        text: ['Saved = hourly rate × hours the lab had left until its expiry when the reaper acted.'],
      },
    ],
  };
}

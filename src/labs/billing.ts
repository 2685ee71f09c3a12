/**
 * The billing ledger (issue 19 item 5): every stretch of time a lab billed, in one state, as an interval. Running
 * bills CPU, RAM and storage; storage (requested, deploying, suspended, powered off, being torn down) bills storage
 * only, as costSoFar always has; an ended lab bills nothing. The store writes intervals in the same transaction as
 * the lab row (see nextLedgerChange), so a report of any period bills exactly what ran in it.
 */
import { hourlyRate } from './cost';
import { type Lab, type LabSpec } from './lab';
import { type Rates } from './policy';

export const BILLED_STATES = ['running', 'storage'] as const;
export type BilledState = (typeof BILLED_STATES)[number];

/** One stretch of a lab in one billed state; `endedAt` absent while it lasts (at most one open per lab). */
export interface BillingInterval {
  labId: string;
  state: BilledState;
  startedAt: Date;
  endedAt?: Date;
}

/** The lab fields the ledger follows. */
export type LedgerLab = Pick<Lab, 'createdAt' | 'endedAt' | 'poweredOnMs' | 'poweredOnSince'>;

/** What the store must do to the lab's intervals: close the open one at `close`, then open `open`. */
export interface LedgerChange {
  close?: Date;
  open?: { state: BilledState; startedAt: Date };
}

/** The state a lab bills in, or undefined once it ended. */
export function billedState(lab: LedgerLab): BilledState | undefined {
  if (lab.endedAt !== undefined) {
    return undefined;
  }
  return lab.poweredOnSince !== undefined ? 'running' : 'storage';
}

/**
 * How the ledger follows a lab from `before` (the stored row, absent for a new lab) to `after`, given its open
 * interval. Derived from the lab's own billing fields, never from a clock, so that saving the same lab twice (a
 * restart repeating a step) changes nothing, and an interval left open by a crash is closed by the next change.
 * The times are the lab's: power-on at `poweredOnSince`, power-off where `poweredOnMs` says it stopped, the end at
 * `endedAt`.
 */
export function nextLedgerChange(
  open: Pick<BillingInterval, 'state' | 'startedAt'> | undefined,
  before: LedgerLab | undefined,
  after: LedgerLab,
): LedgerChange {
  const state = billedState(after);
  if (state !== undefined && open?.state === state) {
    // Still running, but from a later power-on than the open interval (an off and on between two saves).
    if (state === 'running' && after.poweredOnSince !== undefined && after.poweredOnSince > open.startedAt) {
      return { close: offAt(open, before, after), open: { state, startedAt: after.poweredOnSince } };
    }
    return {};
  }
  if (state === undefined && open === undefined) {
    return {};
  }
  const at = changeAt(state, open, before, after);
  // Never close an interval before it started: a clock step back would otherwise leave a negative stretch.
  const close = open !== undefined ? maxDate(open.startedAt, at) : undefined;
  return {
    ...(close !== undefined ? { close } : {}),
    ...(state !== undefined ? { open: { state, startedAt: close ?? at } } : {}),
  };
}

function changeAt(
  state: BilledState | undefined,
  open: Pick<BillingInterval, 'state' | 'startedAt'> | undefined,
  before: LedgerLab | undefined,
  after: LedgerLab,
): Date {
  if (state === undefined) {
    return after.endedAt ?? after.createdAt;
  }
  if (state === 'running') {
    return after.poweredOnSince ?? after.createdAt;
  }
  if (open?.state === 'running') {
    return offAt(open, before, after);
  }
  // Storage with nothing open: a new lab from its creation, a lab reopened after it ended from when it ended (its
  // vApp kept billing storage all along).
  return before?.endedAt ?? after.createdAt;
}

/** When a running stretch stopped: its start plus the powered-on time the lab added since `before`. */
function offAt(
  open: Pick<BillingInterval, 'startedAt'>,
  before: LedgerLab | undefined,
  after: LedgerLab,
): Date {
  const from = before?.poweredOnSince ?? open.startedAt;
  const added = Math.max(0, after.poweredOnMs - (before?.poweredOnMs ?? 0));
  return new Date(from.getTime() + added);
}

function maxDate(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

/** A period to bill: [from, to). */
export interface BillingPeriod {
  from: Date;
  to: Date;
}

export type CalendarPeriod = 'day' | 'week' | 'month';

/**
 * The calendar day, week (from Monday) or month containing `now`, in the user's time zone given as an offset from
 * UTC, up to `now`: what finance charges back is a calendar month, not the last 30 days.
 */
export function periodToDate(period: CalendarPeriod, now: Date, utcOffsetMinutes = 0): BillingPeriod {
  const shift = utcOffsetMinutes * 60_000;
  const local = new Date(now.getTime() + shift);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  const d = local.getUTCDate();
  let start: number;
  if (period === 'day') {
    start = Date.UTC(y, m, d);
  } else if (period === 'week') {
    // getUTCDay: Sunday 0; ISO weeks start on Monday.
    start = Date.UTC(y, m, d - ((local.getUTCDay() + 6) % 7));
  } else {
    start = Date.UTC(y, m, 1);
  }
  return { from: new Date(start - shift), to: now };
}

/** The whole calendar month containing `now` in the user's time zone: [first day 00:00, next month's first day). */
export function monthOf(now: Date, utcOffsetMinutes = 0): BillingPeriod {
  const shift = utcOffsetMinutes * 60_000;
  const local = new Date(now.getTime() + shift);
  const y = local.getUTCFullYear();
  const m = local.getUTCMonth();
  return { from: new Date(Date.UTC(y, m, 1) - shift), to: new Date(Date.UTC(y, m + 1, 1) - shift) };
}

/** Milliseconds of the interval inside the period; an open interval counts up to `now`. */
export function billedMs(interval: BillingInterval, period: BillingPeriod, now: Date): number {
  const end = Math.min(interval.endedAt?.getTime() ?? now.getTime(), period.to.getTime(), now.getTime());
  const start = Math.max(interval.startedAt.getTime(), period.from.getTime());
  return Math.max(0, end - start);
}

/** What one interval cost inside the period: to the millisecond, so that adjoining periods add up exactly. */
export function intervalCost(
  interval: BillingInterval,
  spec: LabSpec,
  rates: Rates,
  period: BillingPeriod,
  now: Date,
): number {
  const rate = hourlyRate(spec, rates);
  const perHour = interval.state === 'running' ? rate.total : rate.storage;
  return (billedMs(interval, period, now) / 3_600_000) * perHour;
}

/** The lab fields a bill is grouped by. */
export type BilledLab = Pick<Lab, 'id' | 'owner' | 'kind' | 'ticket' | 'template' | 'spec'>;

/** One lab's share of a period: hours running, hours on storage only, and cost. */
export interface LabBill {
  lab: BilledLab;
  runningHours: number;
  storageHours: number;
  cost: number;
}

/** Each lab's bill for the period, labs that billed nothing in it left out, most expensive first. */
export function billLabs(
  labs: readonly BilledLab[],
  intervals: readonly BillingInterval[],
  rates: Rates,
  period: BillingPeriod,
  now: Date,
): LabBill[] {
  const byId = new Map(labs.map((lab) => [lab.id, lab]));
  const bills = new Map<string, LabBill>();
  for (const interval of intervals) {
    const lab = byId.get(interval.labId);
    const ms = lab === undefined ? 0 : billedMs(interval, period, now);
    if (lab === undefined || ms === 0) {
      continue;
    }
    const bill = bills.get(lab.id) ?? { lab, runningHours: 0, storageHours: 0, cost: 0 };
    if (interval.state === 'running') {
      bill.runningHours += ms / 3_600_000;
    } else {
      bill.storageHours += ms / 3_600_000;
    }
    bill.cost += intervalCost(interval, lab.spec, rates, period, now);
    bills.set(lab.id, bill);
  }
  return [...bills.values()].sort((a, b) => b.cost - a.cost || a.lab.id.localeCompare(b.lab.id));
}

/** A row of an export: one owner, kind, ticket and template. */
export interface BillRow {
  owner: string;
  kind: string;
  ticket: string;
  template: string;
  labs: number;
  runningHours: number;
  storageHours: number;
  cost: number;
}

/** Bills summed per owner, kind, ticket and template (an empty ticket for labs without one), sorted by those keys. */
export function billRows(bills: readonly LabBill[]): BillRow[] {
  const rows = new Map<string, BillRow>();
  for (const bill of bills) {
    const { owner, kind, template } = bill.lab;
    const ticket = bill.lab.ticket ?? '';
    const key = JSON.stringify([owner, kind, ticket, template]);
    const row = rows.get(key) ?? {
      owner,
      kind,
      ticket,
      template,
      labs: 0,
      runningHours: 0,
      storageHours: 0,
      cost: 0,
    };
    row.labs += 1;
    row.runningHours += bill.runningHours;
    row.storageHours += bill.storageHours;
    row.cost += bill.cost;
    rows.set(key, row);
  }
  return [...rows.values()].sort(
    (a, b) =>
      a.owner.localeCompare(b.owner) ||
      a.kind.localeCompare(b.kind) ||
      a.ticket.localeCompare(b.ticket) ||
      a.template.localeCompare(b.template),
  );
}

/** A cost summed under one key (owner, kind or ticket). */
export interface BillTotal {
  key: string;
  labs: number;
  cost: number;
}

/** Bills summed per owner, kind or ticket (labs without a ticket are left out of the ticket view). */
export function billTotals(bills: readonly LabBill[], by: 'owner' | 'kind' | 'ticket'): BillTotal[] {
  const totals = new Map<string, BillTotal>();
  for (const bill of bills) {
    const key = bill.lab[by];
    if (key === undefined) {
      continue;
    }
    const total = totals.get(key) ?? { key, labs: 0, cost: 0 };
    total.labs += 1;
    total.cost += bill.cost;
    totals.set(key, total);
  }
  return [...totals.values()].sort((a, b) => b.cost - a.cost || a.key.localeCompare(b.key));
}

/** Month to date and where the month will end if today's burn rate holds until its last hour. */
export interface MonthForecast {
  monthToDate: number;
  forecast: number;
}

/**
 * The month's spend so far plus the current hourly burn for the hours left in the month. A forecast from the burn
 * rate rather than from the daily average: labs are few and large, so one deploy or teardown moves the month more
 * than any trend does, and the burn rate already reflects it.
 */
export function monthForecast(
  monthToDate: number,
  burnPerHour: number,
  now: Date,
  month: BillingPeriod,
): MonthForecast {
  const hoursLeft = Math.max(0, (month.to.getTime() - now.getTime()) / 3_600_000);
  return { monthToDate, forecast: monthToDate + burnPerHour * hoursLeft };
}

/**
 * The admin export of a period's bill (`/lab cost all month csv`): RFC 4180 CSV that finance opens in a spreadsheet.
 * Owners, tickets and template names are typed by people, so every cell is escaped, including against formula
 * injection (OWASP "CSV injection"): a cell a spreadsheet would evaluate is prefixed with a quote.
 */
import { type BillingPeriod, type BillRow } from './billing';

export const BILL_CSV_COLUMNS = [
  'period_start',
  'period_end',
  'owner',
  'kind',
  'ticket',
  'template',
  'labs',
  'running_hours',
  'storage_hours',
  'cost_usd',
] as const;

/** The CSV text: a header, then one line per row, CRLF line ends as RFC 4180 asks. */
export function billCsv(rows: readonly BillRow[], period: BillingPeriod): string {
  const lines = [BILL_CSV_COLUMNS.join(',')];
  for (const row of rows) {
    lines.push(
      [
        period.from.toISOString(),
        period.to.toISOString(),
        row.owner,
        row.kind,
        row.ticket,
        row.template,
        String(row.labs),
        row.runningHours.toFixed(2),
        row.storageHours.toFixed(2),
        row.cost.toFixed(2),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** Cells starting with one of these are evaluated as formulas by Excel, LibreOffice and Google Sheets. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * One cell: text a spreadsheet would run as a formula gets a leading `'` (numbers we format are never negative, so
 * none of ours is touched), then the cell is quoted when it holds a comma, quote or line break, quotes doubled.
 */
export function csvCell(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The doctor's report: one line per check, and how it prints. */
import { VcdApiError } from '../vcd/errors';

/** ok: fine; warn: works, but something is missing or risky; fail: labbot will not work; skip: not checked. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of the report. */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

/** The report as text: one aligned line per check, the fix under each warning or failure, and a verdict. */
export function formatDoctorReport(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length), 0);
  const label: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
  const lines = checks.flatMap((c) => [
    `  ${label[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`,
    ...(c.fix !== undefined && (c.status === 'fail' || c.status === 'warn')
      ? [`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.fix}`]
      : []),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const verdict =
    failed > 0
      ? `${plural(failed, 'check')} failed${warned > 0 ? `, ${plural(warned, 'warning')}` : ''}: labbot will not work until fixed.`
      : `All checks passed${warned > 0 ? ` (${plural(warned, 'warning')})` : ''}.`;
  return `labbot doctor\n\n${lines.join('\n')}\n\n${verdict}\n`;
}

export /** A VCD failure's own words, without the "VCD GET /path failed:" prefix where VCD gave a message. */
function reason(error: unknown): string {
  if (error instanceof VcdApiError && error.vcdMessage !== '') {
    return error.vcdMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

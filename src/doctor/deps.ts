import { type Clock, type Logger, type Sleep } from '../labs/ports';

/** What the doctor takes from its caller; tests inject all of it. */
export interface DoctorDeps {
  /** Default: errors only, on stderr (the report is on stdout). */
  logger?: Logger;
  /** Where the report goes; default stdout. */
  write?: (text: string) => void;
  /** Per-request timeout for VCD and Slack; default 15 s. */
  requestTimeoutMs?: number;
  /** How long one VCD call may keep retrying busy/503 answers; default 20 s. */
  retryBudgetMs?: number;
  /** Time for VCD retries (Retry-After, backoff); default the system's. Tests inject them. */
  clock?: Clock;
  sleep?: Sleep;
}

/**
 * Fault injection: per-operation error answers (429, 5xx, BUSY_ENTITY, OPERATION_LIMITS_EXCEEDED), latency with spikes,
 * dropped connections, failed tasks and forced session expiry. Configured by `VcdSimOptions.faults` and by the admin
 * endpoint (`POST /_sim/faults`); every random choice draws from the simulator's seeded source, so a test that sets
 * a seed sees the same calls fail every run.
 *
 * Operations are named by route (`vApp.instantiate`, `vApp.power.powerOn`, `query`, ...: README "Operation ids");
 * a pattern may use `*` for any run of characters (`vApp.power.*`, `*`).
 */
import { type SimState } from './sim-state';

/**
 * What an injected error answers: an HTTP 5xx, one of VCD's retry-later 400s, or 429 Too Many Requests (VCD's API rate
 * limit) with `Retry-After: 5`.
 */
export type InjectedError = 429 | 500 | 502 | 503 | 504 | 'BUSY_ENTITY' | 'OPERATION_LIMITS_EXCEEDED';

/** Seconds a simulated 429 asks the client to wait. */
export const RATE_LIMIT_RETRY_AFTER_SECONDS = 5;

const INJECTED_ERRORS: readonly InjectedError[] = [
  429,
  500,
  502,
  503,
  504,
  'BUSY_ENTITY',
  'OPERATION_LIMITS_EXCEEDED',
];

export interface ErrorFault {
  /** Operation id pattern. */
  readonly operation: string;
  readonly error: InjectedError;
  /** Probability per matching call, 0 to 1 (default 1). */
  readonly rate?: number;
  /** Fire at most this many times (default: no limit). */
  readonly times?: number;
}

export interface DropFault {
  readonly operation: string;
  readonly rate?: number;
  readonly times?: number;
  /**
   * Drop after the simulator has carried out the request: the change happened but the client sees a reset (the case
   * that makes blind retries of POSTs dangerous). Default: drop before, nothing happened.
   */
  readonly afterProcessing?: boolean;
}

export interface LatencyFault {
  /** Operation id pattern (default `*`). */
  readonly operation?: string;
  /** Added to every matching call. */
  readonly fixedMs?: number;
  /** Added on top with probability `spikeRate`. */
  readonly spikeMs?: number;
  readonly spikeRate?: number;
}

export interface TaskFailureFault {
  /** Task operationName (`vappDeploy`, `vdcInstantiateVapp`, ...) or `*`. */
  readonly operationName: string;
  /** How many of the next such tasks fail (default 1). */
  readonly times?: number;
  readonly majorErrorCode?: number;
  readonly minorErrorCode?: string;
  readonly message?: string;
}

/** A fault configuration (options and `POST /_sim/faults` take the same JSON). */
export interface SimFaults {
  readonly errors?: readonly ErrorFault[];
  readonly drops?: readonly DropFault[];
  readonly latency?: readonly LatencyFault[];
  /** Appended to the task failures already pending. */
  readonly taskFailures?: readonly TaskFailureFault[];
  /** Ends every session now, once (the next authenticated call gets 401). */
  readonly expireSessions?: boolean;
}

/** What to do to one call. */
export interface FaultDecision {
  readonly delayMs: number;
  readonly error?: InjectedError;
  readonly drop?: 'before' | 'after';
}

interface Counted<T> {
  readonly rule: T;
  remaining: number;
}

/** True when an operation id matches a pattern with `*` wildcards. */
export function matchesOperation(operation: string, pattern: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(operation);
}

export class FaultInjector {
  private errors: Counted<ErrorFault>[] = [];
  private drops: Counted<DropFault>[] = [];
  private latency: LatencyFault[] = [];

  constructor(
    private readonly state: SimState,
    private readonly random: () => number,
  ) {}

  /**
   * Replaces the error, drop and latency rules with those given (an absent list clears that kind), appends task
   * failures, and expires sessions if asked.
   *
   * @throws Error when a rule is out of range (a rate outside 0..1, negative times or delays).
   */
  configure(faults: SimFaults): void {
    const checked = parseFaults(faults);
    this.errors = (checked.errors ?? []).map((rule) => ({ rule, remaining: rule.times ?? Infinity }));
    this.drops = (checked.drops ?? []).map((rule) => ({ rule, remaining: rule.times ?? Infinity }));
    this.latency = [...(checked.latency ?? [])];
    for (const failure of checked.taskFailures ?? []) {
      this.state.failTasks(failure.operationName, failure.times ?? 1, failure);
    }
    if (checked.expireSessions === true) {
      this.state.expireSessions();
    }
  }

  /** Removes every rule and pending task failure. */
  clear(): void {
    this.errors = [];
    this.drops = [];
    this.latency = [];
    this.state.clearTaskFailures();
  }

  /**
   * Decides the fate of one call of `operation`. The first matching drop wins over errors; latency adds up. Draws
   * from the random source only for rules with a rate below 1, so adding a certain fault does not shift the others.
   */
  decide(operation: string): FaultDecision {
    let delayMs = 0;
    for (const rule of this.latency) {
      if (!matchesOperation(operation, rule.operation ?? '*')) {
        continue;
      }
      delayMs += rule.fixedMs ?? 0;
      if (rule.spikeMs !== undefined && this.happens(rule.spikeRate ?? 0)) {
        delayMs += rule.spikeMs;
      }
    }
    const drop = this.fire(this.drops, operation);
    if (drop !== undefined) {
      return { delayMs, drop: drop.afterProcessing === true ? 'after' : 'before' };
    }
    const error = this.fire(this.errors, operation);
    return { delayMs, error: error?.error };
  }

  /** The rules in force, with what is left of limited ones, and the task failures still pending. */
  snapshot(): SimFaults {
    const left = <T extends { times?: number }>(c: Counted<T>): T =>
      Number.isFinite(c.remaining) ? { ...c.rule, times: c.remaining } : c.rule;
    return {
      errors: this.errors.map(left),
      drops: this.drops.map(left),
      latency: [...this.latency],
      taskFailures: this.state.pendingTaskFailures().map((f) => ({
        operationName: f.operationName,
        times: f.remaining,
        ...f.error,
      })),
    };
  }

  private fire<T extends { operation: string; rate?: number }>(
    rules: Counted<T>[],
    operation: string,
  ): T | undefined {
    for (const counted of rules) {
      if (counted.remaining <= 0 || !matchesOperation(operation, counted.rule.operation)) {
        continue;
      }
      if (this.happens(counted.rule.rate ?? 1)) {
        counted.remaining -= 1;
        return counted.rule;
      }
    }
    return undefined;
  }

  private happens(rate: number): boolean {
    if (rate >= 1) {
      return true;
    }
    if (rate <= 0) {
      return false;
    }
    return this.random() < rate;
  }
}

// ------------------------------------------------------------------------------------------ JSON validation

function fail(path: string, expected: string): never {
  throw new Error(`faults${path}: expected ${expected}`);
}

function record(value: unknown, path: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(path, 'an object');
  }
  return value as Record<string, unknown>;
}

function list(value: unknown, path: string): unknown[] | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Array.isArray(value)) {
    return fail(path, 'an array');
  }
  return value as unknown[];
}

function str(value: unknown, path: string, optional = false): string | undefined {
  if (value === undefined && optional) {
    return undefined;
  }
  if (typeof value !== 'string' || value === '') {
    return fail(path, 'a non-empty string');
  }
  return value;
}

function num(value: unknown, path: string, min: number, max = Infinity): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    return fail(path, `a number from ${min}${Number.isFinite(max) ? ` to ${max}` : ''}`);
  }
  return value;
}

function bool(value: unknown, path: string): boolean | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (typeof value !== 'boolean') {
    return fail(path, 'true or false');
  }
  return value;
}

/**
 * Checks a fault configuration (typed options or JSON from the admin endpoint) and returns it with only known fields.
 *
 * @throws Error naming the first field that is wrong (`faults.errors[0].rate: expected a number from 0 to 1`).
 */
export function parseFaults(value: unknown): SimFaults {
  const root = record(value, '');
  const errors = list(root['errors'], '.errors')?.map((item, i): ErrorFault => {
    const path = `.errors[${i}]`;
    const r = record(item, path);
    const error = r['error'];
    if (!INJECTED_ERRORS.includes(error as InjectedError)) {
      fail(`${path}.error`, INJECTED_ERRORS.map((e) => JSON.stringify(e)).join(', '));
    }
    return {
      operation: str(r['operation'], `${path}.operation`) ?? '',
      error: error as InjectedError,
      rate: num(r['rate'], `${path}.rate`, 0, 1),
      times: num(r['times'], `${path}.times`, 0),
    };
  });
  const drops = list(root['drops'], '.drops')?.map((item, i): DropFault => {
    const path = `.drops[${i}]`;
    const r = record(item, path);
    return {
      operation: str(r['operation'], `${path}.operation`) ?? '',
      rate: num(r['rate'], `${path}.rate`, 0, 1),
      times: num(r['times'], `${path}.times`, 0),
      afterProcessing: bool(r['afterProcessing'], `${path}.afterProcessing`),
    };
  });
  const latency = list(root['latency'], '.latency')?.map((item, i): LatencyFault => {
    const path = `.latency[${i}]`;
    const r = record(item, path);
    return {
      operation: str(r['operation'], `${path}.operation`, true),
      fixedMs: num(r['fixedMs'], `${path}.fixedMs`, 0),
      spikeMs: num(r['spikeMs'], `${path}.spikeMs`, 0),
      spikeRate: num(r['spikeRate'], `${path}.spikeRate`, 0, 1),
    };
  });
  const taskFailures = list(root['taskFailures'], '.taskFailures')?.map((item, i): TaskFailureFault => {
    const path = `.taskFailures[${i}]`;
    const r = record(item, path);
    return {
      operationName: str(r['operationName'], `${path}.operationName`) ?? '',
      times: num(r['times'], `${path}.times`, 1),
      majorErrorCode: num(r['majorErrorCode'], `${path}.majorErrorCode`, 100, 599),
      minorErrorCode: str(r['minorErrorCode'], `${path}.minorErrorCode`, true),
      message: str(r['message'], `${path}.message`, true),
    };
  });
  return {
    errors,
    drops,
    latency,
    taskFailures,
    expireSessions: bool(root['expireSessions'], '.expireSessions'),
  };
}

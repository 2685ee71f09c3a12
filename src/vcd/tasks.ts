import { type Clock, type Logger, type Sleep, type TaskProgress } from '../labs/ports';
import { VcdTaskDeadlineError, VcdTaskFailedError, VcdUnavailableError } from './errors';
import { type VcdRequest } from './http-types';
import { parseTask, type VcdTask } from './wire/task';

/** What the waiter needs from the funnel (VcdHttp satisfies it; tests may fake it). */
export interface TaskPoller {
  requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T>;
}

export interface WaitForTaskOptions {
  /** How long to wait in total, measured on `clock`. */
  deadlineMs: number;
  clock: Clock;
  sleep: Sleep;
  onProgress?: TaskProgress;
  logger?: Logger;
  /** First poll interval; default 250 ms. */
  initialPollMs?: number;
  /** Poll interval ceiling; default 5 s. */
  maxPollMs?: number;
  /**
   * What earlier tasks of the same operation took: with it, the wait sleeps until the task is expected to end
   * (and skips the first immediate poll of a task it saw start) instead of polling on a fixed schedule.
   */
  timings?: TaskTimings;
  /** Told once when the task is seen final (success or not): one of the org's operations is free again. */
  onFinal?: () => void;
}

const FAILED = ['error', 'canceled', 'aborted'];
const POLL_GROWTH = 1.5;

/**
 * Polls a task until it ends. Only `success` is success: unlike govcd, `aborted` and `canceled` fail too.
 * Polling starts fast (most tasks are short) and backs off to `maxPollMs`. A VCD that is briefly unreachable
 * does not end the wait: the task runs on server-side regardless, so polling continues until the deadline.
 *
 * @returns the final task.
 * @throws VcdTaskFailedError (status error/canceled/aborted, with the task's Error), VcdTaskDeadlineError
 *   (still running at the deadline), VcdNotFoundError (the task is gone), VcdApiError, and
 *   VcdUnavailableError when VCD was unreachable at the deadline.
 */
export async function waitForTask(
  poller: TaskPoller,
  taskHref: string,
  options: WaitForTaskOptions,
): Promise<VcdTask> {
  const started = options.clock.now().getTime();
  const maxPollMs = options.maxPollMs ?? 5_000;
  const initialPollMs = options.initialPollMs ?? 250;
  let interval = initialPollMs;
  let lastStatus = 'unknown';
  let operation: string | undefined;
  const timings = options.timings;
  const hint = timings?.hint(taskHref);
  // Counted from when the client saw the task start (its POST answer), else from the start of this wait.
  const since = hint?.at ?? started;
  let key = hint?.operation;
  let progress: number | undefined;
  let overduePolls = 0;
  const expectedFirst = key === undefined ? undefined : timings?.expectedMs(key);
  if (expectedFirst !== undefined) {
    // A task of a known kind that was just started: nothing to learn from reading it before it can have ended.
    const remaining = Math.min(
      expectedFirst - (started - since) - (timings?.leadMs() ?? 0),
      options.deadlineMs,
    );
    if (remaining > 0) {
      await options.sleep(pollDelay({ remainingMs: remaining, minMs: 0, maxMs: maxPollMs }));
    }
  }
  for (;;) {
    let unreachable: VcdUnavailableError | undefined;
    try {
      const sent = options.clock.now().getTime();
      const task = await poller.requestParsed({ method: 'GET', path: taskHref }, parseTask);
      timings?.sawPoll(options.clock.now().getTime() - sent);
      lastStatus = task.status;
      operation = task.operationName ?? task.operation;
      key ??= task.operationName;
      progress = task.progress;
      if (task.status === 'success') {
        timings?.ended(taskHref, key, task);
        options.onFinal?.();
        return task;
      }
      if (FAILED.includes(task.status)) {
        timings?.forget(taskHref);
        options.onFinal?.();
        throw new VcdTaskFailedError({ href: taskHref, operation, status: task.status, error: task.error });
      }
      reportProgress(options, task);
    } catch (error) {
      if (!(error instanceof VcdUnavailableError)) {
        throw error;
      }
      unreachable = error;
      options.logger?.warn({ taskHref, reason: error.message }, 'VCD task poll failed; will poll again');
    }
    const elapsed = options.clock.now().getTime() - started;
    if (elapsed >= options.deadlineMs) {
      timings?.forget(taskHref);
      if (unreachable) {
        throw unreachable;
      }
      throw new VcdTaskDeadlineError({ href: taskHref, operation, lastStatus }, options.deadlineMs);
    }
    if (timings === undefined) {
      await options.sleep(Math.min(Math.round(interval), options.deadlineMs - elapsed));
      interval = Math.min(maxPollMs, interval * POLL_GROWTH);
      continue;
    }
    const now = options.clock.now().getTime();
    const remaining = remainingMs({
      elapsedMs: now - since,
      expectedMs: key === undefined ? undefined : timings.expectedMs(key),
      progress: unreachable ? undefined : progress,
    });
    const delay =
      remaining === undefined
        ? Math.min(maxPollMs, initialPollMs * POLL_GROWTH ** overduePolls++)
        : pollDelay({ remainingMs: remaining - timings.leadMs(), minMs: OVERDUE_POLL_MS, maxMs: maxPollMs });
    await options.sleep(Math.min(Math.round(delay), options.deadlineMs - elapsed));
  }
}

/** Poll this long after a task's expected end, so one read usually finds it done (VCD's clock ticks in ms). */
const END_MARGIN_MS = 30;
/** Shortest sleep between polls of a task that should have ended already. */
const OVERDUE_POLL_MS = 100;
/** Below this progress the percentage says too little about the rest (VCD reports 0 or 1 for a while). */
const MIN_USEFUL_PROGRESS = 10;
/** Durations kept per operation; the estimate is their median, so one odd task does not skew it. */
const DURATIONS_KEPT = 5;
/** Tasks seen starting but not yet waited to the end (a lab that never waits, e.g. a crash, must not leak). */
const HINTS_KEPT = 512;
/** Task reads whose round trip is kept; the fastest says how far away VCD is (a task read is little work for it). */
const ROUND_TRIPS_KEPT = 8;

/**
 * How long a task probably still runs: from earlier tasks of its operation while it is not past their duration,
 * else from its own progress (elapsed × rest / done) once that says something; undefined when neither knows.
 */
export function remainingMs(input: {
  elapsedMs: number;
  expectedMs?: number;
  progress?: number;
}): number | undefined {
  const { elapsedMs, expectedMs, progress } = input;
  if (expectedMs !== undefined && elapsedMs < expectedMs) {
    return expectedMs - elapsedMs;
  }
  if (progress !== undefined && progress >= MIN_USEFUL_PROGRESS && progress < 100 && elapsedMs > 0) {
    return (elapsedMs * (100 - progress)) / progress;
  }
  return undefined;
}

/** The sleep before the next poll: just past the expected end, within [minMs, maxMs]. */
export function pollDelay(input: { remainingMs: number; minMs: number; maxMs: number }): number {
  return Math.max(input.minMs, Math.min(input.maxMs, input.remainingMs + END_MARGIN_MS));
}

/**
 * What tasks took, per operation (VCD's own startTime → endTime of each successful one), and when the client saw
 * each task it started begin. Bounded: one short list per operation name (a few dozen kinds), and at most
 * HINTS_KEPT tasks in flight; per VcdCloud, never per lab.
 */
export class TaskTimings {
  private readonly durations = new Map<string, number[]>();
  private readonly started = new Map<string, { operation?: string; at: number }>();
  private readonly roundTrips: number[] = [];

  constructor(private readonly clock: Clock) {}

  /** Notes how long a task read took, from sending it to its answer. */
  sawPoll(ms: number): void {
    this.roundTrips.push(Math.max(0, ms));
    if (this.roundTrips.length > ROUND_TRIPS_KEPT) {
      this.roundTrips.shift();
    }
  }

  /**
   * How much earlier than a task's expected end to send its read: half the fastest recent task read, the time a
   * request takes to reach VCD when the way there and back are alike. Safe whatever the split: the expected end is
   * counted from when the client saw the start's answer, which already came back over the same network, so the read
   * still reaches VCD after the expected end (by the margin at least). 0 before the first read.
   */
  leadMs(): number {
    return this.roundTrips.length === 0 ? 0 : Math.min(...this.roundTrips) / 2;
  }

  /**
   * Notes a task the client has just started (the POST's answer). `operation` names its kind: the task's
   * operationName, or a caller's key for CloudAPI tasks, which come as a bare Location.
   */
  sawStart(taskHref: string, operation: string | undefined): void {
    if (this.started.size >= HINTS_KEPT) {
      const oldest = this.started.keys().next().value;
      if (oldest !== undefined) {
        this.started.delete(oldest);
      }
    }
    this.started.set(taskHref, {
      ...(operation !== undefined ? { operation } : {}),
      at: this.clock.now().getTime(),
    });
  }

  hint(taskHref: string): { operation?: string; at: number } | undefined {
    return this.started.get(taskHref);
  }

  /** Median of the recent durations of `operation`; undefined before the first one ended. */
  expectedMs(operation: string): number | undefined {
    const recent = this.durations.get(operation);
    if (recent === undefined || recent.length === 0) {
      return undefined;
    }
    const sorted = [...recent].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
  }

  /** Records a successful task's duration under `operation` and drops its start note. */
  ended(taskHref: string, operation: string | undefined, task: VcdTask): void {
    this.forget(taskHref);
    const ms = taskDurationMs(task);
    if (operation === undefined || ms === undefined) {
      return;
    }
    const recent = this.durations.get(operation) ?? [];
    recent.push(ms);
    if (recent.length > DURATIONS_KEPT) {
      recent.shift();
    }
    this.durations.set(operation, recent);
  }

  forget(taskHref: string): void {
    this.started.delete(taskHref);
  }
}

/** startTime → endTime of a finished task (both VCD's clock, so no skew with ours); undefined if either is missing. */
function taskDurationMs(task: VcdTask): number | undefined {
  const start = task.startTime === undefined ? NaN : Date.parse(task.startTime);
  const end = task.endTime === undefined ? NaN : Date.parse(task.endTime);
  return Number.isFinite(start) && Number.isFinite(end) && end >= start ? end - start : undefined;
}

/** A throwing progress callback must not end the wait on a task that is fine. */
function reportProgress(options: WaitForTaskOptions, task: VcdTask): void {
  try {
    options.onProgress?.({ percent: task.progress, status: task.status });
  } catch (error) {
    options.logger?.warn({ taskHref: task.href, error }, 'Task progress callback threw');
  }
}

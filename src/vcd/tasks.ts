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
  let interval = options.initialPollMs ?? 250;
  let lastStatus = 'unknown';
  let operation: string | undefined;
  for (;;) {
    let unreachable: VcdUnavailableError | undefined;
    try {
      const task = await poller.requestParsed({ method: 'GET', path: taskHref }, parseTask);
      lastStatus = task.status;
      operation = task.operationName ?? task.operation;
      if (task.status === 'success') {
        return task;
      }
      if (FAILED.includes(task.status)) {
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
      if (unreachable) {
        throw unreachable;
      }
      throw new VcdTaskDeadlineError({ href: taskHref, operation, lastStatus }, options.deadlineMs);
    }
    await options.sleep(Math.min(Math.round(interval), options.deadlineMs - elapsed));
    interval = Math.min(maxPollMs, interval * POLL_GROWTH);
  }
}

/** A throwing progress callback must not end the wait on a task that is fine. */
function reportProgress(options: WaitForTaskOptions, task: VcdTask): void {
  try {
    options.onProgress?.({ percent: task.progress, status: task.status });
  } catch (error) {
    options.logger?.warn({ taskHref: task.href, error }, 'Task progress callback threw');
  }
}

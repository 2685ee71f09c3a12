/**
 * Task timing. A task's state is a function of the injected clock: `queued` for its queue share, `running` until
 * `createdAt + durationMs`, then final. Nothing runs on timers; the world catches up whenever someone looks
 * (SimState.settle, which ends due tasks and expired leases in time order), so tests advance a fake clock instead
 * of sleeping.
 */
import { type SimTask, type TaskStatus } from './model';

/** The status of a task at `now`. */
export function taskStatusAt(task: SimTask, now: number): TaskStatus {
  if (task.finalStatus !== undefined) {
    return task.finalStatus;
  }
  return now - task.createdAt < task.queueMs ? 'queued' : 'running';
}

/** Integer progress 0-100 at `now`; running tasks report at least 1, as the instantiate fixture does. */
export function taskProgressAt(task: SimTask, now: number): number {
  const status = taskStatusAt(task, now);
  if (status === 'success') {
    return 100;
  }
  if (task.finalStatus !== undefined) {
    return Math.min(99, progressOf(task, task.endedAt ?? now));
  }
  if (status === 'queued') {
    return 0;
  }
  return Math.max(1, Math.min(99, progressOf(task, now)));
}

function progressOf(task: SimTask, at: number): number {
  if (task.durationMs <= 0) {
    return 100;
  }
  return Math.floor(((at - task.createdAt) / task.durationMs) * 100);
}

/** True while the task is queued or running at `now` (before settling). */
export function isInFlight(task: SimTask): boolean {
  return task.finalStatus === undefined;
}

/** When the task ends if nobody cancels it. */
export function dueAt(task: SimTask): number {
  return task.createdAt + task.durationMs;
}

/**
 * Ends an in-flight task at its due time and applies its effect: `onSuccess`, or `onFailure` with the Error decided
 * when it started (an injected fault, a VDC out of resources).
 */
export function finishTask(task: SimTask): void {
  task.endedAt = dueAt(task);
  if (task.injectedError !== undefined) {
    task.finalStatus = 'error';
    task.error = task.injectedError;
    task.onFailure(task.injectedError);
  } else {
    task.finalStatus = 'success';
    task.onSuccess(task.endedAt);
  }
}

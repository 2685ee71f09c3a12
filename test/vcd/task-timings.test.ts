import { type VcdRequest } from '../../src/vcd/http-types';
import { pollDelay, remainingMs, TaskTimings, waitForTask, type TaskPoller } from '../../src/vcd/tasks';
import { fakeTime } from './helpers/fake-vcd-server';

const API = 'https://vcd.example.com/api/task';

/**
 * A VCD whose tasks run `durationMs` on the fake clock from when they were started, reporting progress and VCD's
 * startTime/endTime as a real Task does; counts the reads.
 */
function simulatedTasks(time: ReturnType<typeof fakeTime>) {
  const tasks = new Map<string, { start: number; durationMs: number; operationName: string }>();
  const reads: VcdRequest[] = [];
  const poller: TaskPoller = {
    requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T> {
      reads.push(request);
      const task = tasks.get(request.path);
      if (task === undefined) {
        return Promise.reject(new Error(`no task ${request.path}`));
      }
      const now = time.clock.now().getTime();
      const done = now - task.start >= task.durationMs;
      const progress = done ? 100 : Math.max(1, Math.floor(((now - task.start) / task.durationMs) * 100));
      const endTime = done ? ` endTime="${new Date(task.start + task.durationMs).toISOString()}"` : '';
      return Promise.resolve(
        parse(
          `<?xml version="1.0"?><Task xmlns="http://www.vmware.com/vcloud/v1.5" href="${request.path}" ` +
            `status="${done ? 'success' : 'running'}" operationName="${task.operationName}" ` +
            `startTime="${new Date(task.start).toISOString()}"${endTime}><Progress>${progress}</Progress></Task>`,
        ),
      );
    },
  };
  return {
    poller,
    reads,
    start(id: string, operationName: string, durationMs: number): string {
      const href = `${API}/${id}`;
      tasks.set(href, { start: time.clock.now().getTime(), durationMs, operationName });
      return href;
    },
  };
}

describe('vcd/tasks: polling when a task is expected to end', () => {
  it('reads a task of a known operation once, just after earlier ones of its kind took', async () => {
    const time = fakeTime();
    const vcd = simulatedTasks(time);
    const timings = new TaskTimings(time.clock);
    const options = { deadlineMs: 600_000, ...time, timings };

    // The first instantiate: nothing known yet, so it is polled on the backoff schedule.
    const first = vcd.start('t-1', 'vdcInstantiateVapp', 4_000);
    timings.sawStart(first, 'vdcInstantiateVapp');
    await waitForTask(vcd.poller, first, options);
    const firstReads = vcd.reads.length;
    expect(firstReads).toBeGreaterThan(1);
    expect(timings.expectedMs('vdcInstantiateVapp')).toBe(4_000);

    // The next one is read once, 4 s + a small margin after it started.
    time.sleeps.length = 0;
    const second = vcd.start('t-2', 'vdcInstantiateVapp', 4_000);
    timings.sawStart(second, 'vdcInstantiateVapp');
    await expect(waitForTask(vcd.poller, second, options)).resolves.toMatchObject({ status: 'success' });
    expect(vcd.reads.length - firstReads).toBe(1);
    expect(time.sleeps).toEqual([4_030]);
    expect(timings.hint(second)).toBeUndefined();
  });

  it('sends the read half a round trip early on a distant VCD, so that it reaches VCD just after the end', async () => {
    const time = fakeTime();
    const vcd = simulatedTasks(time);
    // 20 ms each way: VCD sees a read 20 ms after it is sent, the answer comes back 20 ms later.
    const distant: TaskPoller = {
      async requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T> {
        time.advance(20);
        const answer = await vcd.poller.requestParsed(request, parse);
        time.advance(20);
        return answer;
      },
    };
    const timings = new TaskTimings(time.clock);
    let finals = 0;
    const options = { deadlineMs: 600_000, ...time, timings, onFinal: () => (finals += 1) };
    const startSeen = (id: string): string => {
      const href = vcd.start(id, 'vappDeploy', 2_000);
      time.advance(20);
      timings.sawStart(href, 'vappDeploy');
      return href;
    };
    await waitForTask(distant, startSeen('t-1'), options);
    expect(timings.leadMs()).toBe(20);
    const before = vcd.reads.length;
    time.sleeps.length = 0;

    await expect(waitForTask(distant, startSeen('t-2'), options)).resolves.toMatchObject({
      status: 'success',
    });
    // Seen 20 ms after it began; read sent 2 000 − 20 + 30 ms later, so VCD gets it 50 ms after the end (the margin
    // and the way back of the start's answer), not 70.
    expect(time.sleeps).toEqual([2_010]);
    expect(vcd.reads.length - before).toBe(1);
    expect(finals).toBe(2);
  });

  it('follows the task progress when the task runs longer than the earlier ones', async () => {
    const time = fakeTime();
    const vcd = simulatedTasks(time);
    const timings = new TaskTimings(time.clock);
    const options = { deadlineMs: 600_000, ...time, timings };
    const warm = vcd.start('t-1', 'vappDeploy', 1_000);
    timings.sawStart(warm, 'vappDeploy');
    await waitForTask(vcd.poller, warm, options);
    const before = vcd.reads.length;

    // Four times longer than last time: read at ~1 s (25%), then at the end its progress predicts.
    const slow = vcd.start('t-2', 'vappDeploy', 4_000);
    timings.sawStart(slow, 'vappDeploy');
    await expect(waitForTask(vcd.poller, slow, options)).resolves.toMatchObject({ status: 'success' });
    expect(vcd.reads.length - before).toBeLessThanOrEqual(3);
  });

  it('never sleeps more than maxPollMs, even for a long task it knows', async () => {
    const time = fakeTime();
    const vcd = simulatedTasks(time);
    const timings = new TaskTimings(time.clock);
    const options = { deadlineMs: 3_600_000, ...time, timings };
    const first = vcd.start('t-1', 'vdcCaptureTemplate', 60_000);
    await waitForTask(vcd.poller, first, options);
    time.sleeps.length = 0;
    const second = vcd.start('t-2', 'vdcCaptureTemplate', 60_000);
    timings.sawStart(second, 'vdcCaptureTemplate');
    await waitForTask(vcd.poller, second, options);
    expect(Math.max(...time.sleeps)).toBe(5_000);
  });

  it('keeps a bounded number of start notes (a wait that never comes must not leak)', () => {
    const time = fakeTime();
    const timings = new TaskTimings(time.clock);
    for (let i = 0; i < 2_000; i++) {
      timings.sawStart(`${API}/t-${i}`, 'vappDeploy');
    }
    expect(timings.hint(`${API}/t-0`)).toBeUndefined();
    expect(timings.hint(`${API}/t-1999`)).toBeDefined();
  });
});

describe('vcd/tasks remainingMs and pollDelay', () => {
  it('uses the expected duration while the task is not past it', () => {
    expect(remainingMs({ elapsedMs: 1_000, expectedMs: 4_000, progress: 1 })).toBe(3_000);
  });

  it('falls back to the progress once past the expected duration, or without one', () => {
    expect(remainingMs({ elapsedMs: 3_000, progress: 75 })).toBe(1_000);
    expect(remainingMs({ elapsedMs: 5_000, expectedMs: 4_000, progress: 50 })).toBe(5_000);
  });

  it('knows nothing from a progress too small to extrapolate', () => {
    expect(remainingMs({ elapsedMs: 100, progress: 1 })).toBeUndefined();
    expect(remainingMs({ elapsedMs: 100 })).toBeUndefined();
  });

  it('sleeps just past the expected end, within its bounds', () => {
    expect(pollDelay({ remainingMs: 1_000, minMs: 100, maxMs: 5_000 })).toBe(1_030);
    expect(pollDelay({ remainingMs: 60_000, minMs: 100, maxMs: 5_000 })).toBe(5_000);
    expect(pollDelay({ remainingMs: -50, minMs: 100, maxMs: 5_000 })).toBe(100);
  });
});

import {
  VcdNotFoundError,
  VcdTaskDeadlineError,
  VcdTaskFailedError,
  VcdUnavailableError,
} from '../../src/vcd/errors';
import { type VcdRequest } from '../../src/vcd/http-types';
import { waitForTask, type TaskPoller } from '../../src/vcd/tasks';
import { fakeTime, taskXml } from './helpers/fake-vcd-server';

const HREF = 'https://vcd.example.com/api/task/t-1';

/** A poller that answers each GET with the next scripted body (or throws the next scripted error). */
function scripted(replies: (string | Error)[]): TaskPoller & { calls: VcdRequest[] } {
  const calls: VcdRequest[] = [];
  return {
    calls,
    requestParsed<T>(request: VcdRequest, parse: (body: string) => T): Promise<T> {
      calls.push(request);
      const next = replies.length > 1 ? replies.shift() : replies[0];
      if (next instanceof Error) {
        return Promise.reject(next);
      }
      return Promise.resolve(parse(next ?? ''));
    },
  };
}

const progress = (n: number) => `<Progress>${n}</Progress>`;

describe('vcd/tasks waitForTask', () => {
  it('polls until success, backing off from 250 ms by 1.5x to at most 5 s, and reports progress', async () => {
    const time = fakeTime();
    const running = Array.from({ length: 12 }, (_, i) =>
      taskXml(HREF, i < 2 ? 'queued' : 'running', progress(i * 8)),
    );
    const poller = scripted([...running, taskXml(HREF, 'success')]);
    const seen: { percent?: number; status: string }[] = [];

    const task = await waitForTask(poller, HREF, {
      deadlineMs: 600_000,
      ...time,
      onProgress: (p) => seen.push(p),
    });

    expect(task.status).toBe('success');
    expect(poller.calls).toHaveLength(13);
    expect(poller.calls.every((c) => c.method === 'GET' && c.path === HREF)).toBe(true);
    expect(time.sleeps.slice(0, 4)).toEqual([250, 375, 563, 844]);
    expect(Math.max(...time.sleeps)).toBe(5000);
    expect(seen[0]).toEqual({ percent: 0, status: 'queued' });
    expect(seen[11]).toEqual({ percent: 88, status: 'running' });
  });

  it('fails with the task Error on status error', async () => {
    const error =
      '<Error majorErrorCode="500" minorErrorCode="INTERNAL_SERVER_ERROR" message="VMware Tools is not running"/>';
    const poller = scripted([taskXml(HREF, 'running'), taskXml(HREF, 'error', error)]);

    const failure: unknown = await waitForTask(poller, HREF, { deadlineMs: 60_000, ...fakeTime() }).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(VcdTaskFailedError);
    expect(failure).toMatchObject({
      kind: 'task_failed',
      taskHref: HREF,
      status: 'error',
      operation: 'vappDeploy',
      taskError: { minorErrorCode: 'INTERNAL_SERVER_ERROR', message: 'VMware Tools is not running' },
    });
    expect((failure as Error).message).toContain('VMware Tools is not running');
  });

  it.each(['aborted', 'canceled'])(
    'fails on status %s (unlike govcd, which counts aborted as done)',
    async (status) => {
      await expect(
        waitForTask(scripted([taskXml(HREF, status)]), HREF, { deadlineMs: 60_000, ...fakeTime() }),
      ).rejects.toMatchObject({
        name: 'VcdTaskFailedError',
        status,
      });
    },
  );

  it('gives up at the deadline measured on the injected clock', async () => {
    const time = fakeTime();
    const poller = scripted([taskXml(HREF, 'running')]);

    const failure: unknown = await waitForTask(poller, HREF, { deadlineMs: 30_000, ...time }).catch(
      (e: unknown) => e,
    );

    expect(failure).toBeInstanceOf(VcdTaskDeadlineError);
    expect(failure).toBeInstanceOf(VcdTaskFailedError);
    expect(failure).toMatchObject({ kind: 'task_failed', status: 'deadline', taskHref: HREF });
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBe(30_000);
  });

  it('keeps polling through a VCD that is briefly unreachable', async () => {
    const poller = scripted([
      new VcdUnavailableError('network error ECONNREFUSED'),
      taskXml(HREF, 'success'),
    ]);

    await expect(waitForTask(poller, HREF, { deadlineMs: 60_000, ...fakeTime() })).resolves.toMatchObject({
      status: 'success',
    });
  });

  it('reports unavailability rather than a deadline when VCD was unreachable at the end', async () => {
    const poller = scripted([new VcdUnavailableError('network error ECONNREFUSED')]);

    await expect(waitForTask(poller, HREF, { deadlineMs: 5_000, ...fakeTime() })).rejects.toBeInstanceOf(
      VcdUnavailableError,
    );
  });

  it('fails at once when the task is gone', async () => {
    const poller = scripted([new VcdNotFoundError('gone')]);

    await expect(waitForTask(poller, HREF, { deadlineMs: 60_000, ...fakeTime() })).rejects.toBeInstanceOf(
      VcdNotFoundError,
    );
    expect(poller.calls).toHaveLength(1);
  });

  it('ignores a progress callback that throws', async () => {
    const poller = scripted([taskXml(HREF, 'running'), taskXml(HREF, 'success')]);
    const onProgress = () => {
      throw new Error('renderer broke');
    };

    await expect(
      waitForTask(poller, HREF, { deadlineMs: 60_000, ...fakeTime(), onProgress }),
    ).resolves.toMatchObject({ status: 'success' });
  });
});

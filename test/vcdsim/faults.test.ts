/**
 * Fault injection as a raw HTTP client sees it: what each injected error looks like, latency through the injected
 * delay (nobody sleeps), drops before and after the request took effect, task failures and session expiry, and the
 * admin endpoint that configures all of it.
 */
import { matchesOperation } from '../../src/vcdsim/faults';
import {
  child,
  instantiate,
  instantiateBody,
  lookups,
  metadataValueBody,
  MEDIA_METADATA_VALUE,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

describe('vcdsim fault matching', () => {
  it('matches operation ids with * wildcards', () => {
    expect(matchesOperation('vApp.power.powerOn', 'vApp.power.*')).toBe(true);
    expect(matchesOperation('vApp.power.powerOn', '*')).toBe(true);
    expect(matchesOperation('vApp.get', 'vApp.power.*')).toBe(false);
    expect(matchesOperation('vApp.metadata.entry.put', 'vApp.*.put')).toBe(true);
  });
});

describe('vcdsim fault injection', () => {
  let h: Harness;
  let delays: number[];

  async function start(options: Parameters<typeof startHarness>[0] = {}): Promise<void> {
    delays = [];
    h = await startHarness({
      speedFactor: 100,
      delay: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
      ...options,
    });
    await h.api.login();
  }

  async function admin(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${h.sim.url}${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, json: text === '' ? undefined : (JSON.parse(text) as unknown) };
  }

  afterEach(async () => {
    await h.close();
  });

  it('answers injected errors the way VCD and its load balancer do', async () => {
    await start();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-x', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    const vAppId = created.vAppHref.split('vapp-')[1] ?? '';

    h.sim.faults.configure({
      errors: [
        { operation: 'vApp.get', error: 500, times: 1 },
        { operation: 'vApp.get', error: 503, times: 1 },
        { operation: 'vApp.get', error: 'BUSY_ENTITY', times: 1 },
        { operation: 'vApp.get', error: 'OPERATION_LIMITS_EXCEEDED', times: 1 },
      ],
    });
    const internal = await h.api.get(created.vAppHref);
    expect(internal.status).toBe(500);
    expect(internal.xml?.attributes).toMatchObject({
      majorErrorCode: '500',
      minorErrorCode: 'INTERNAL_SERVER_ERROR',
    });
    const unavailable = await h.api.get(created.vAppHref);
    expect([unavailable.status, unavailable.text]).toEqual([503, '']);
    const busy = await h.api.get(created.vAppHref);
    expect(busy.status).toBe(400);
    expect(busy.xml?.attributes['message']).toContain(`com.vmware.vcloud.entity.vapp:${vAppId} is busy`);
    const limit = await h.api.get(created.vAppHref);
    expect(limit.xml?.attributes['minorErrorCode']).toBe('OPERATION_LIMITS_EXCEEDED');
    expect((await h.api.get(created.vAppHref)).status).toBe(200);
    // Other operations were never touched.
    expect((await h.api.get('/api/query?type=vApp')).status).toBe(200);
  });

  it('adds fixed latency and seeded spikes through the injected delay function', async () => {
    await start({
      seed: 7,
      faults: { latency: [{ fixedMs: 20 }, { operation: 'query', spikeMs: 3000, spikeRate: 0.5 }] },
    });
    delays.length = 0;
    await h.api.get('/api/session');
    for (let i = 0; i < 10; i += 1) {
      await h.api.get('/api/query?type=vApp');
    }
    expect(delays[0]).toBe(20);
    const spikes = delays.slice(1).filter((d) => d === 3020).length;
    expect(spikes).toBeGreaterThan(0);
    expect(spikes).toBeLessThan(10);
    expect(delays.slice(1).every((d) => d === 20 || d === 3020)).toBe(true);
  });

  it('drops a connection before the request takes effect, or after, when the change already happened', async () => {
    await start();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-drop', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    h.sim.faults.configure({
      drops: [
        { operation: 'vApp.metadata.entry.put', times: 1 },
        { operation: 'vApp.metadata.entry.put', times: 1, afterProcessing: true },
      ],
    });
    const put = (): Promise<unknown> =>
      h.api.put(`${created.vAppHref}/metadata/labbot.id`, metadataValueBody('k'), MEDIA_METADATA_VALUE);
    await expect(put()).rejects.toThrow();
    expect(h.sim.state.tasks().filter((t) => t.operationName === 'metadataUpdate')).toHaveLength(0);
    await expect(put()).rejects.toThrow();
    expect(h.sim.state.tasks().filter((t) => t.operationName === 'metadataUpdate')).toHaveLength(1);
  });

  it('fails the next N tasks of an operation, and only those', async () => {
    await start({
      faults: { taskFailures: [{ operationName: 'vdcInstantiateVapp', times: 2, message: 'boom' }] },
    });
    const { vdcHref, networks, templates } = await lookups(h.api);
    const templateHref = templates.get('esxi8-single') ?? '';
    const statuses: string[] = [];
    for (const name of ['a', 'b', 'c']) {
      const created = await instantiate(h.api, vdcHref, instantiateBody({ name, templateHref, networks }));
      const task = await waitTask(h.api, h.clock, created.taskHref, 100);
      statuses.push(`${task.attributes['status']}:${child(task, 'Error')?.attributes['message'] ?? ''}`);
    }
    expect(statuses).toEqual(['error:boom', 'error:boom', 'success:']);
    expect(h.sim.state.vApps().map((v) => v.status)).toEqual([-1, -1, 8]);
  });

  it('is configured, read and cleared over the admin endpoint, which says what is wrong with bad input', async () => {
    await start();
    const set = await admin('POST', '/_sim/faults', {
      errors: [{ operation: 'vApp.power.*', error: 'BUSY_ENTITY', rate: 0.25, times: 3 }],
      drops: [{ operation: 'query', times: 1 }],
      latency: [{ fixedMs: 5 }],
      taskFailures: [{ operationName: 'vappDeploy' }],
    });
    expect(set.status).toBe(200);
    expect(await admin('GET', '/_sim/faults')).toEqual({
      status: 200,
      json: {
        errors: [{ operation: 'vApp.power.*', error: 'BUSY_ENTITY', rate: 0.25, times: 3 }],
        drops: [{ operation: 'query', times: 1 }],
        latency: [{ fixedMs: 5 }],
        taskFailures: [
          {
            operationName: 'vappDeploy',
            times: 1,
            majorErrorCode: 500,
            minorErrorCode: 'INTERNAL_SERVER_ERROR',
            message: 'Simulated failure injected by the test.',
          },
        ],
      },
    });
    const bad = await admin('POST', '/_sim/faults', { errors: [{ operation: 'query', error: 418 }] });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: string }).error).toContain('faults.errors[0].error');
    const badRate = await admin('POST', '/_sim/faults', {
      errors: [{ operation: 'query', error: 500, rate: 2 }],
    });
    expect((badRate.json as { error: string }).error).toBe(
      'faults.errors[0].rate: expected a number from 0 to 1',
    );
    expect((await admin('POST', '/_sim/faults', '{')).status).toBe(400);

    expect((await admin('DELETE', '/_sim/faults')).status).toBe(204);
    expect((await admin('GET', '/_sim/faults')).json).toEqual({
      errors: [],
      drops: [],
      latency: [],
      taskFailures: [],
    });
    expect((await admin('GET', '/_sim/nothing')).status).toBe(404);
  });

  it('expires every session on demand, so the next call gets 401 with an empty body', async () => {
    await start();
    expect((await h.api.get('/api/session')).status).toBe(200);
    expect((await admin('POST', '/_sim/sessions/expire')).status).toBe(204);
    const after = await h.api.get('/api/session');
    expect([after.status, after.text]).toEqual([401, '']);
    await h.api.login();
    h.sim.faults.configure({ expireSessions: true });
    expect((await h.api.get('/api/session')).status).toBe(401);
  });

  it('shows the whole world in GET /_sim/state, and can be switched off', async () => {
    await start();
    const { vdcHref, networks, templates } = await lookups(h.api);
    await instantiate(
      h.api,
      vdcHref,
      instantiateBody({ name: 'lab-seen', templateHref: templates.get('esxi8-single') ?? '', networks }),
    );
    const state = (await admin('GET', '/_sim/state')).json as Record<string, unknown>;
    expect(state).toMatchObject({
      org: 'lab',
      maxConcurrentTasks: 10,
      runningTasks: 1,
      vdcs: [{ name: 'lab-vdc', used: { storageMb: (620 + 100) * 1024 } }],
      vApps: [{ name: 'lab-seen', status: 'UNRESOLVED', busy: true }],
      tasks: [{ operationName: 'vdcInstantiateVapp', status: 'running' }],
      edge: {
        name: 'edge-01',
        publicIps: { start: '203.0.113.10', end: '203.0.113.60', total: 51, used: [] },
      },
    });
    await h.close();
    h = await startHarness({ adminApi: false });
    expect((await fetch(`${h.sim.url}/_sim/state`)).status).toBe(404);
  });
});

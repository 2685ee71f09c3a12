import { VcdApiError, VcdNotFoundError, VcdUnavailableError } from '../../src/vcd/errors';
import { VcdHttp, type VcdHttpOptions } from '../../src/vcd/vcd-http';
import { parseTask } from '../../src/vcd/wire/task';
import {
  errorXml,
  fakeTime,
  JSON_TYPE,
  startFakeVcd,
  taskXml,
  versionsXml,
  XML,
  type FakeHandler,
  type FakeReply,
  type FakeVcdServer,
  type RecordedRequest,
} from './helpers/fake-vcd-server';
import { recordingLogger } from '../helpers/logger';

// #nosec -- fake credentials for tests
const API_TOKEN = 'api-token-secret-1';
const PASSWORD = 'pa$$word-secret';

let server: FakeVcdServer | undefined;
let http: VcdHttp | undefined;

afterEach(async () => {
  http?.close();
  http = undefined;
  await server?.close();
  server = undefined;
});

/** Answers versions and token logins; everything else goes to `api`. Counts logins. */
function vcd(api: FakeHandler, options: { versions?: string[]; deprecated?: string[] } = {}) {
  const state = { logins: 0, refreshTokens: [] as string[] };
  const handler: FakeHandler = (req) => {
    if (req.method === 'GET' && req.url === '/api/versions') {
      return {
        status: 200,
        headers: XML,
        body: versionsXml(options.versions ?? ['36.0', '37.0', '38.0', '39.0'], options.deprecated),
      };
    }
    if (req.method === 'POST' && req.url === '/oauth/tenant/lab/token') {
      state.logins += 1;
      state.refreshTokens.push(new URLSearchParams(req.body).get('refresh_token') ?? '');
      return {
        status: 200,
        headers: JSON_TYPE,
        body: JSON.stringify({
          access_token: `at${state.logins}`,
          token_type: 'Bearer',
          expires_in: 3600,
          refresh_token: `rt${state.logins + 1}`,
        }),
      };
    }
    return api(req);
  };
  return { state, handler };
}

async function start(handler: FakeHandler, overrides: Partial<VcdHttpOptions> = {}) {
  server = await startFakeVcd(handler);
  const time = fakeTime();
  const logger = recordingLogger();
  http = new VcdHttp({
    url: server.url,
    org: 'lab',
    auth: { kind: 'token', apiToken: API_TOKEN },
    logger,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    ...overrides,
  });
  return { http, server, time, logger };
}

const ok = (body = '<Task href="/api/task/1" status="success"/>'): FakeReply => ({
  status: 200,
  headers: XML,
  body,
});
const apiCalls = (requests: RecordedRequest[]) => requests.filter((r) => r.url.startsWith('/api/vApp'));

describe('vcd/vcd-http', () => {
  it('negotiates the highest common version and sends the versioned Accept, bearer token and request id', async () => {
    const { handler } = vcd(() => ok());
    const { http, server } = await start(handler);

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(http.apiVersion).toBe('38.0');
    const [versions, login, get] = server.requests;
    expect(versions?.headers.authorization).toBeUndefined();
    expect(login?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(new URLSearchParams(login?.body).get('grant_type')).toBe('refresh_token');
    expect(new URLSearchParams(login?.body).get('refresh_token')).toBe(API_TOKEN);
    expect(get?.headers.accept).toBe('application/*+xml;version=38.0');
    expect(get?.headers.authorization).toBe('Bearer at1');
    expect(get?.headers['x-vmware-vcloud-client-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('negotiates the version without logging in, then reuses it for the login', async () => {
    const { handler, state } = vcd(() => ok());
    const { http, server } = await start(handler);

    const negotiated = await http.negotiateVersion();

    expect(negotiated).toEqual({ version: '38.0', legacyLogin: false, deprecated: false });
    expect(state.logins).toBe(0);
    expect(http.loginMethod).toBeUndefined();
    await http.connect();
    expect(http.loginMethod).toBe('api-token');
    expect(server.requests.filter((r) => r.url === '/api/versions')).toHaveLength(1);
  });

  it('prefers a non-deprecated version and compares versions as dotted numbers', async () => {
    const { handler } = vcd(() => ok(), {
      versions: ['33.0', '37.2', '37.10', '38.0'],
      deprecated: ['38.0'],
    });
    const { http } = await start(handler);

    await http.connect();

    expect(http.apiVersion).toBe('37.10');
  });

  it('logs in once more after a 401 with an empty body and retries the call once, with the rotated refresh token', async () => {
    let gets = 0;
    const { handler, state } = vcd(() => (++gets === 1 ? { status: 401 } : ok()));
    const { http, server } = await start(handler);

    const response = await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(response.status).toBe(200);
    expect(state.logins).toBe(2);
    expect(state.refreshTokens).toEqual([API_TOKEN, 'rt2']);
    expect(apiCalls(server.requests).map((r) => r.headers.authorization)).toEqual([
      'Bearer at1',
      'Bearer at2',
    ]);
  });

  it('fails as unavailable (try later) when the retry after a good re-login is also 401, without looping', async () => {
    const { handler, state } = vcd(() => ({ status: 401 }));
    const { http, server } = await start(handler);

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toMatchObject({
      name: 'VcdUnavailableError',
      kind: 'unavailable',
      httpStatus: 401,
    });
    expect(state.logins).toBe(2);
    expect(apiCalls(server.requests)).toHaveLength(2);
  });

  it('shares one re-login between concurrent calls that hit the same expired session', async () => {
    let expired = true;
    const { handler, state } = vcd((req) =>
      expired && req.headers.authorization === 'Bearer at1' ? { status: 401 } : ok(),
    );
    const { http } = await start(handler);
    await http.connect();

    await Promise.all([1, 2, 3].map((n) => http.request({ method: 'GET', path: `/api/vApp/vapp-${n}` })));
    expired = false;

    expect(state.logins).toBe(2);
  });

  it('reports a refused login (empty 401 body) as LOGIN_FAILED without the secret', async () => {
    const { http, logger } = await start((req) =>
      req.url === '/api/versions'
        ? { status: 200, headers: XML, body: versionsXml(['38.0']) }
        : { status: 401 },
    );

    const error: unknown = await http
      .request({ method: 'GET', path: '/api/vApp/vapp-1' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VcdApiError);
    expect(error).toMatchObject({ minorErrorCode: 'LOGIN_FAILED', httpStatus: 401 });
    expect(String((error as Error).message)).not.toContain(API_TOKEN);
    expect(JSON.stringify(logger.lines)).not.toContain(API_TOKEN);
  });

  it('retries 400 BUSY_ENTITY with growing backoff, then succeeds', async () => {
    let calls = 0;
    const { handler } = vcd(() =>
      ++calls <= 2
        ? { status: 400, headers: XML, body: errorXml(400, 'BUSY_ENTITY', 'The entity vapp is busy') }
        : ok(),
    );
    const { http, time } = await start(handler);

    const response = await http.request({ method: 'POST', path: '/api/vApp/vapp-1/power/action/powerOn' });

    expect(response.status).toBe(200);
    expect(calls).toBe(3);
    expect(time.sleeps).toHaveLength(2);
    expect(time.sleeps[1]).toBeGreaterThan(time.sleeps[0] ?? Infinity);
  });

  it('retries OPERATION_LIMITS_EXCEEDED and 503/504', async () => {
    const replies: FakeReply[] = [
      {
        status: 400,
        headers: XML,
        body: errorXml(400, 'OPERATION_LIMITS_EXCEEDED', 'The maximum number of simultaneous operations'),
      },
      { status: 503 },
      { status: 504 },
      ok(),
    ];
    const { handler } = vcd(() => replies.shift() ?? ok());
    const { http, time } = await start(handler);

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(time.sleeps).toHaveLength(3);
  });

  it('wakes calls refused for the org’s operation limit as this client’s tasks end, one per task, urgent ones first', async () => {
    let free = 0;
    const { handler } = vcd(() => {
      if (free > 0) {
        free -= 1;
        return ok();
      }
      return {
        status: 400,
        headers: XML,
        body: errorXml(400, 'OPERATION_LIMITS_EXCEEDED', 'The maximum number of simultaneous operations'),
      };
    });
    // Backoffs that never run out: only a task's end lets a refused call try again.
    const { http, server, logger } = await start(handler, {
      sleep: () => new Promise<void>(() => undefined),
    });
    const powerOn = (vapp: string, urgent?: boolean): Promise<unknown> =>
      http.request({
        method: 'POST',
        path: `/api/vApp/${vapp}/power/action/powerOn`,
        ...(urgent ? { urgent } : {}),
      });
    const tried = (): string[] => apiCalls(server.requests).map((r) => r.url.split('/')[3] ?? '');
    // n refusals seen and waiting: the retry is logged as the call starts to wait.
    const until = async (n: number): Promise<void> => {
      const waiting = (): number =>
        logger.lines.filter((l) => l.message === 'VCD call will be retried').length;
      for (let i = 0; i < 10_000 && waiting() < n; i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      expect(waiting()).toBe(n);
    };
    const done: string[] = [];
    const a = powerOn('vapp-a').then(() => done.push('a'));
    await until(1);
    const b = powerOn('vapp-b').then(() => done.push('b'));
    await until(2);
    const edge = powerOn('vapp-edge', true).then(() => done.push('edge'));
    await until(3);

    free = 1;
    http.taskEnded();
    await edge;
    expect(tried()).toEqual(['vapp-a', 'vapp-b', 'vapp-edge', 'vapp-edge']);
    // Another caller took the operation that ended: the woken call is refused again and keeps its place.
    http.taskEnded();
    await until(4);
    free = 1;
    http.taskEnded();
    await a;
    expect(tried()).toEqual(['vapp-a', 'vapp-b', 'vapp-edge', 'vapp-edge', 'vapp-a', 'vapp-a']);
    free = 1;
    http.taskEnded();
    await b;
    expect(done).toEqual(['edge', 'a', 'b']);
  });

  it('gives up on a busy entity within the retry budget', async () => {
    const { handler } = vcd(() => ({
      status: 400,
      headers: XML,
      body: errorXml(400, 'BUSY_ENTITY', 'busy'),
    }));
    const { http, time } = await start(handler, { retryBudgetMs: 10_000, maxAttempts: 20 });

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toMatchObject({
      name: 'VcdApiError',
      minorErrorCode: 'BUSY_ENTITY',
    });
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(10_000);
  });

  it('gives up on a 503 storm in bounded time measured on the injected clock, slow answers included', async () => {
    let attempts = 0;
    let advance: (ms: number) => void = () => undefined;
    const { handler } = vcd(() => {
      attempts += 1;
      // Each 503 takes 4 s to arrive: the budget counts time spent waiting for answers, not just backoff.
      advance(4_000);
      return { status: 503, headers: XML, body: errorXml(503, 'SERVICE_UNAVAILABLE', 'Service Unavailable') };
    });
    const { http, time } = await start(handler, { retryBudgetMs: 30_000, maxAttempts: 1_000 });
    advance = time.advance;
    const started = time.clock.now().getTime();

    const failure: unknown = await http
      .request({ method: 'GET', path: '/api/vApp/vapp-1' })
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(VcdUnavailableError);
    expect(failure).toMatchObject({ httpStatus: 503 });
    const elapsed = time.clock.now().getTime() - started;
    expect(elapsed).toBeLessThanOrEqual(30_000 + 4_000);
    expect(attempts).toBeGreaterThan(1);
    expect(attempts).toBeLessThan(10);
  });

  it('stops a 503 storm after the default attempts within the default two-minute budget', async () => {
    let attempts = 0;
    const { handler } = vcd(() => {
      attempts += 1;
      return { status: 503 };
    });
    const { http, time } = await start(handler);

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toBeInstanceOf(
      VcdUnavailableError,
    );
    expect(attempts).toBe(8);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(120_000);
  });

  it('does not retry a 401 more than once even while VCD is also busy', async () => {
    let gets = 0;
    const { handler, state } = vcd(() => {
      gets += 1;
      return gets % 2 === 1
        ? { status: 400, headers: XML, body: errorXml(400, 'BUSY_ENTITY', 'busy') }
        : { status: 401 };
    });
    const { http } = await start(handler, { retryBudgetMs: 10_000 });

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toMatchObject({
      httpStatus: 401,
    });
    expect(state.logins).toBe(2);
  });

  it('does not retry a 500 and reports it as unavailable with the VCD message', async () => {
    const { handler } = vcd(() => ({
      status: 500,
      headers: XML,
      body: errorXml(500, 'INTERNAL_SERVER_ERROR', 'Unable to perform this action'),
    }));
    const { http, server, time } = await start(handler);

    const error: unknown = await http
      .request({ method: 'POST', path: '/api/vApp/vapp-1/power/action/powerOn' })
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(VcdUnavailableError);
    expect(error).toMatchObject({
      kind: 'unavailable',
      httpStatus: 500,
      vcdError: { minorErrorCode: 'INTERNAL_SERVER_ERROR' },
    });
    expect(apiCalls(server.requests)).toHaveLength(1);
    expect(time.sleeps).toHaveLength(0);
  });

  it('maps 404 to VcdNotFoundError', async () => {
    const { handler } = vcd(() => ({
      status: 404,
      headers: XML,
      body: errorXml(404, 'RESOURCE_NOT_FOUND', 'gone'),
    }));
    const { http } = await start(handler);

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toBeInstanceOf(
      VcdNotFoundError,
    );
  });

  it('maps 403 ACCESS_TO_RESOURCE_IS_FORBIDDEN to not found on an entity GET only', async () => {
    const forbidden: FakeReply = {
      status: 403,
      headers: { ...XML, 'X-VMWARE-VCLOUD-REQUEST-ID': 'req-403' },
      body: errorXml(403, 'ACCESS_TO_RESOURCE_IS_FORBIDDEN', 'No access to entity'),
    };
    const { handler } = vcd(() => forbidden);
    const { http } = await start(handler);

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toMatchObject({
      kind: 'not_found',
      requestId: 'req-403',
    });
    await expect(
      http.request({ method: 'POST', path: '/api/vApp/vapp-1/power/action/powerOn' }),
    ).rejects.toMatchObject({
      name: 'VcdApiError',
      minorErrorCode: 'ACCESS_TO_RESOURCE_IS_FORBIDDEN',
    });
    await expect(http.request({ method: 'GET', path: '/api/query?type=vApp' })).rejects.toBeInstanceOf(
      VcdApiError,
    );
  });

  it('maps other 4xx to VcdApiError with VCD codes and the request id', async () => {
    const { handler } = vcd(() => ({
      status: 400,
      headers: { ...XML, 'X-VMWARE-VCLOUD-REQUEST-ID': 'req-1' },
      body: errorXml(400, 'DUPLICATE_NAME', 'The VCD entity lab-x already exists.'),
    }));
    const { http } = await start(handler);

    await expect(http.request({ method: 'POST', path: '/api/vApp/vapp-1/x' })).rejects.toMatchObject({
      name: 'VcdApiError',
      kind: 'api',
      majorErrorCode: 400,
      minorErrorCode: 'DUPLICATE_NAME',
      vcdMessage: 'The VCD entity lab-x already exists.',
      requestId: 'req-1',
    });
  });

  it('retries a connection reset, then succeeds', async () => {
    let calls = 0;
    const { handler } = vcd(() => (++calls === 1 ? 'destroy' : ok()));
    const { http } = await start(handler);

    const response = await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(response.status).toBe(200);
    expect(calls).toBe(2);
  });

  it('does not resend a POST whose connection dropped: VCD may have carried it out', async () => {
    let calls = 0;
    const { handler } = vcd(() => (++calls === 1 ? 'destroy' : ok()));
    const { http } = await start(handler);

    await expect(
      http.request({ method: 'POST', path: '/api/vdc/1/action/instantiateVAppTemplate' }),
    ).rejects.toMatchObject({ name: 'VcdUnavailableError' });
    expect(calls).toBe(1);
  });

  it('resends a POST marked repeatable after a dropped connection', async () => {
    let calls = 0;
    const { handler } = vcd(() => (++calls === 1 ? 'destroy' : ok()));
    const { http } = await start(handler);

    const response = await http.request({
      method: 'POST',
      path: '/api/vApp/vapp-1/metadata',
      repeatable: true,
    });

    expect(response.status).toBe(200);
    expect(calls).toBe(2);
  });

  it('reports a timeout as VcdUnavailableError without retrying', async () => {
    let calls = 0;
    const { handler } = vcd(() => {
      calls += 1;
      return new Promise<FakeReply>(() => undefined);
    });
    const { http } = await start(handler, { requestTimeoutMs: 50 });

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toMatchObject({
      name: 'VcdUnavailableError',
      message: expect.stringContaining('timed out') as unknown,
    });
    expect(calls).toBe(1);
  });

  it('reports an unreachable VCD as VcdUnavailableError', async () => {
    const probe = await startFakeVcd(() => ok());
    const url = probe.url;
    await probe.close();
    const logger = recordingLogger();
    http = new VcdHttp({
      url,
      org: 'lab',
      auth: { kind: 'token', apiToken: API_TOKEN },
      logger,
      ...fakeTime(),
    });

    await expect(http.connect()).rejects.toBeInstanceOf(VcdUnavailableError);
  });

  it('turns a malformed XML body into a typed error instead of crashing', async () => {
    const { handler } = vcd(() => ({
      status: 200,
      headers: XML,
      body: '<Task href="x" status="success"><Unclosed></Task>',
    }));
    const { http } = await start(handler);

    await expect(http.requestParsed({ method: 'GET', path: '/api/task/1' }, parseTask)).rejects.toMatchObject(
      {
        name: 'VcdApiError',
        minorErrorCode: 'MALFORMED_RESPONSE',
      },
    );
  });

  it('never sends the session to an href on another host: it asks the configured VCD for the same path', async () => {
    const { handler } = vcd(() => ok(taskXml('/api/task/1', 'running')));
    const { http, server } = await start(handler);
    await http.connect();
    const before = server.requests.length;

    const task = await http.requestParsed(
      { method: 'GET', path: 'https://evil.example.com:8443/api/vApp/vapp-1?x=1' },
      parseTask,
    );

    expect(task.status).toBe('running');
    expect(server.requests.slice(before).map((r) => r.url)).toEqual(['/api/vApp/vapp-1?x=1']);
  });

  it('follows absolute hrefs on the configured host', async () => {
    const { handler } = vcd(() => ok(taskXml('/api/task/1', 'running')));
    const { http, server } = await start(handler);

    const task = await http.requestParsed(
      { method: 'GET', path: `${server.url}/api/vApp/vapp-1` },
      parseTask,
    );

    expect(task.status).toBe('running');
  });

  it('logs in with user@org and password at /cloudapi, then uses the access token as bearer', async () => {
    const { http, server, logger } = await start(
      (req) => {
        if (req.url === '/api/versions') {
          return { status: 200, headers: XML, body: versionsXml(['37.0', '38.0']) };
        }
        if (req.url === '/cloudapi/1.0.0/sessions') {
          return {
            status: 200,
            headers: { ...JSON_TYPE, 'X-VMWARE-VCLOUD-ACCESS-TOKEN': 'jwt-1' },
            body: '{"id":"s1"}',
          };
        }
        return ok();
      },
      { auth: { kind: 'password', user: 'admin', password: PASSWORD } },
    );

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    const login = server.requests.find((r) => r.url === '/cloudapi/1.0.0/sessions');
    expect(login?.method).toBe('POST');
    expect(login?.headers.accept).toBe('application/json;version=38.0');
    expect(login?.headers.authorization).toBe(
      `Basic ${Buffer.from(`admin@lab:${PASSWORD}`).toString('base64')}`,
    );
    expect(apiCalls(server.requests)[0]?.headers.authorization).toBe('Bearer jwt-1');
    expect(JSON.stringify(logger.lines)).not.toContain(PASSWORD);
    expect(JSON.stringify(logger.lines)).not.toContain('jwt-1');
  });

  it('uses the legacy /api/sessions login when the server is older than API 33.0', async () => {
    const { http, server } = await start(
      (req) => {
        if (req.url === '/api/versions') {
          return { status: 200, headers: XML, body: versionsXml(['29.0', '30.0', '31.0', '32.0']) };
        }
        if (req.url === '/api/sessions') {
          return {
            status: 200,
            headers: { ...XML, 'x-vcloud-authorization': 'legacy-1' },
            body: '<Session/>',
          };
        }
        return ok();
      },
      { auth: { kind: 'password', user: 'admin', password: PASSWORD } },
    );

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(http.apiVersion).toBe('32.0');
    const get = apiCalls(server.requests)[0];
    expect(get?.headers['x-vcloud-authorization']).toBe('legacy-1');
    expect(get?.headers.accept).toBe('application/*+xml;version=32.0');
  });

  it('fails with UNSUPPORTED_API_VERSION when no version is in common', async () => {
    const { handler } = vcd(() => ok(), { versions: ['40.0', '41.0'] });
    const { http } = await start(handler);

    await expect(http.connect()).rejects.toMatchObject({ minorErrorCode: 'UNSUPPORTED_API_VERSION' });
  });

  it('logs method, path, status and duration of each exchange at debug level', async () => {
    const { handler } = vcd(() => ok());
    const { http, logger } = await start(handler);

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(logger.lines).toContainEqual({
      level: 'debug',
      message: 'VCD HTTP exchange',
      fields: expect.objectContaining({
        method: 'GET',
        path: '/api/vApp/vapp-1',
        status: 200,
        durationMs: 0,
      }) as unknown,
    });
    expect(JSON.stringify(logger.lines)).not.toContain('at1');
    expect(JSON.stringify(logger.lines)).not.toContain(API_TOKEN);
  });
});

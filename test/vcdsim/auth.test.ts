/** Versions, logins, session expiry and the headers every answer carries. */
import { SimApi, child, childrenOf, startHarness, type Harness } from './sim-harness';

const basic = (login: string): string => `Basic ${Buffer.from(login).toString('base64')}`;

describe('vcdsim versions and authentication', () => {
  let h: Harness;

  beforeEach(async () => {
    h = await startHarness();
  });

  afterEach(async () => {
    await h.close();
  });

  it('lists 33.0 to 38.0 without authentication, the first two deprecated', async () => {
    const res = await fetch(`${h.sim.url}/api/versions`);
    const api = new SimApi(h.sim.url);
    const parsed = await api.get('/api/versions');

    expect(res.status).toBe(200);
    expect(parsed.xml?.name).toBe('SupportedVersions');
    const infos = childrenOf(parsed.xml, 'VersionInfo');
    expect(infos.map((i) => child(i, 'Version')?.text)).toEqual(
      expect.arrayContaining(['33.0', '34.0', '35.0', '36.0', '36.1', '37.0', '38.0']),
    );
    expect(
      infos.filter((i) => i.attributes['deprecated'] === 'true').map((i) => child(i, 'Version')?.text),
    ).toEqual(['33.0', '34.0']);
    expect(child(infos[0], 'LoginUrl')?.text).toBe(`${h.sim.url}/api/sessions`);
  });

  it('answers 406 with an Error for a missing or unoffered API version', async () => {
    await h.api.login();
    for (const accept of [
      'application/*+xml',
      'application/*+xml;version=32.0',
      'application/*+xml;version=39.0',
    ]) {
      const res = await h.api.get('/api/session', { accept });
      expect(res.status).toBe(406);
      expect(res.xml?.attributes['message']).toContain('Invalid API version requested');
    }
    expect((await h.api.get('/api/session', { accept: 'application/*+xml;version=33.0' })).status).toBe(200);
  });

  it('answers 401 with an empty body without a valid session', async () => {
    const none = await h.api.get('/api/query?type=vApp', { anonymous: true });
    expect(none.status).toBe(401);
    expect(none.text).toBe('');
    expect(none.headers.get('content-length')).toBe('0');
    const forged = await h.api.get('/api/query?type=vApp', {
      headers: { Authorization: 'Bearer not-a-token' },
      anonymous: true,
    });
    expect(forged.status).toBe(401);
  });

  it('logs in through CloudAPI with Basic user@org:password and takes the JWT as Bearer', async () => {
    const res = await fetch(`${h.sim.url}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { Accept: 'application/json;version=37.0', Authorization: basic('admin@lab:admin') },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json;version=37.0');
    expect(res.headers.get('x-vmware-vcloud-token-type')).toBe('Bearer');
    const token = res.headers.get('x-vmware-vcloud-access-token') ?? '';
    expect(token.split('.')).toHaveLength(3);
    const body = (await res.json()) as {
      org: { name: string };
      user: { name: string };
      sessionIdleTimeoutMinutes: number;
    };
    expect(body).toMatchObject({
      org: { name: 'lab' },
      user: { name: 'admin' },
      sessionIdleTimeoutMinutes: 30,
    });

    const wrong = await fetch(`${h.sim.url}/cloudapi/1.0.0/sessions`, {
      method: 'POST',
      headers: { Accept: 'application/json;version=37.0', Authorization: basic('admin@lab:nope') },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toBe('');
  });

  it('exchanges the API token for a bearer token (OAuth refresh grant) and refuses a wrong one', async () => {
    const exchange = (org: string, token: string): Promise<Response> =>
      fetch(`${h.sim.url}/oauth/tenant/${org}/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: `grant_type=refresh_token&refresh_token=${token}`,
      });
    const ok = await exchange('lab', 'simulated-api-token');
    expect(ok.status).toBe(200);
    const grant = (await ok.json()) as {
      access_token: string;
      token_type: string;
      expires_in: number;
      refresh_token: string;
    };
    expect(grant).toMatchObject({
      token_type: 'Bearer',
      expires_in: 1800,
      refresh_token: 'simulated-api-token',
    });

    h.api.token = grant.access_token;
    expect((await h.api.get('/api/query?type=orgVdc')).status).toBe(200);
    expect((await exchange('lab', 'stolen')).status).toBe(400);
    expect((await exchange('other-org', 'simulated-api-token')).status).toBe(400);
  });

  it('logs in the legacy way and accepts x-vcloud-authorization', async () => {
    const res = await h.api.post('/api/sessions', undefined, undefined, {
      headers: { Authorization: basic('admin@lab:admin') },
    });
    expect(res.status).toBe(200);
    expect(res.xml?.name).toBe('Session');
    expect(res.xml?.attributes).toMatchObject({ user: 'admin', org: 'lab' });
    const token = res.headers.get('x-vcloud-authorization') ?? '';
    expect(token).toMatch(/^[0-9a-f]{32}$/);
    expect((await h.api.get('/api/org', { headers: { 'x-vcloud-authorization': token } })).status).toBe(200);
  });

  it('expires a session after 30 idle minutes of the injected clock, not while it is used', async () => {
    await h.api.login();
    for (let i = 0; i < 4; i += 1) {
      h.clock.advance(29 * 60 * 1000);
      expect((await h.api.get('/api/org')).status).toBe(200);
    }
    h.clock.advance(31 * 60 * 1000);
    expect((await h.api.get('/api/org')).status).toBe(401);
  });

  it('ends a session on logout and on expireSessions()', async () => {
    await h.api.login();
    expect((await h.api.delete('/api/session')).status).toBe(204);
    expect((await h.api.get('/api/org')).status).toBe(401);

    await h.api.login();
    h.sim.state.expireSessions();
    expect((await h.api.get('/api/org')).status).toBe(401);
  });

  it('puts a request id on every answer and at the start of every Error message', async () => {
    await h.api.login();
    const ok = await h.api.get('/api/org');
    expect(ok.headers.get('x-vmware-vcloud-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const missing = await h.api.get('/api/vApp/vapp-3f0e8a52-0000-4000-8000-000000000000');
    const id = missing.headers.get('x-vmware-vcloud-request-id') ?? '';
    expect(missing.status).toBe(403);
    expect(missing.xml?.attributes['message']).toBe(
      `[ ${id} ] No access to entity "com.vmware.vcloud.entity.vapp:3f0e8a52-0000-4000-8000-000000000000".`,
    );
    expect((await h.api.get('/api/nowhere')).xml?.attributes).toMatchObject({
      majorErrorCode: '404',
      minorErrorCode: 'RESOURCE_NOT_FOUND',
    });
    expect((await h.api.request('PUT', '/api/org')).xml?.attributes['minorErrorCode']).toBe(
      'METHOD_NOT_ALLOWED',
    );
  });
});

/**
 * Issue 15 and issue 14 item 8: what holds a VCD connection up in production: hrefs never lead the session elsewhere,
 * Retry-After is honoured, certificate problems are TLS problems, sessions are logged out, and a service account's
 * single-use refresh token is rotated through the store by every process in turn.
 */
import { openDatabase, type DatabaseTarget, type LabbotDatabase } from '../../src/store/database';
import {
  KyselyRefreshTokenVault,
  SealedTokenError,
  openToken,
  sealToken,
} from '../../src/store/kysely-refresh-token-vault';
import { migrateToLatest } from '../../src/store/migrate';
import { VcdApiError, VcdTlsError, VcdUnavailableError } from '../../src/vcd/errors';
import { VcdHttp, parseRetryAfter, type VcdHttpOptions } from '../../src/vcd/vcd-http';
import { type RefreshTokenVault } from '../../src/vcd/vcd-auth';
import { startVcdSim, type VcdSim } from '../../src/vcdsim/vcd-sim';
import { databaseKinds } from '../store/test-databases';
import { makeTestCa } from '../helpers/test-ca';
import {
  fakeTime,
  JSON_TYPE,
  startFakeVcd,
  taskXml,
  versionsXml,
  XML,
  type FakeHandler,
  type FakeVcdServer,
} from './helpers/fake-vcd-server';
import { recordingLogger } from '../helpers/logger';

const KEY = Buffer.alloc(32, 7);
const SERVICE_TOKEN = 'service-account-first-refresh-token';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) {
    await cleanups.pop()?.();
  }
});

function client(url: string, overrides: Partial<VcdHttpOptions> = {}) {
  const time = fakeTime();
  const logger = recordingLogger();
  const http = new VcdHttp({
    url,
    org: 'lab',
    auth: { kind: 'token', apiToken: 'simulated-api-token' },
    logger,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    ...overrides,
  });
  cleanups.push(() => http.close());
  return { http, time, logger };
}

async function fake(handler: FakeHandler): Promise<FakeVcdServer> {
  const server = await startFakeVcd(handler);
  cleanups.push(() => server.close());
  return server;
}

async function sim(options: Parameters<typeof startVcdSim>[0] = {}): Promise<VcdSim> {
  const started = await startVcdSim({ speedFactor: 100, ...options });
  cleanups.push(() => started.close());
  return started;
}

/** Versions and token logins; the rest goes to `api`. */
function vcd(api: FakeHandler): FakeHandler {
  return (req) => {
    if (req.url === '/api/versions') {
      return { status: 200, headers: XML, body: versionsXml(['37.0', '38.0']) };
    }
    if (req.url === '/oauth/tenant/lab/token') {
      return {
        status: 200,
        headers: JSON_TYPE,
        body: JSON.stringify({ access_token: 'at', token_type: 'Bearer', refresh_token: 'rt' }),
      };
    }
    return api(req);
  };
}

describe('VCD client: credentials only to VCD_URL (issue 14 item 8)', () => {
  it.each([
    ['protocol-relative', (evil: string) => `//${evil}/api/vApp/vapp-1`],
    ['backslashes', (evil: string) => `\\\\${evil}\\api\\vApp\\vapp-1`],
    ['slash-backslash', (evil: string) => `/\\${evil}/api/vApp/vapp-1`],
    ['absolute with a backslash', (evil: string) => `http:\\\\${evil}/api/vApp/vapp-1`],
  ])('refuses a %s href with UNTRUSTED_HREF and sends nothing anywhere', async (_name, href) => {
    const evil = await fake(() => ({ status: 200, headers: XML, body: taskXml('/api/task/1', 'success') }));
    const good = await fake(
      vcd(() => ({ status: 200, headers: XML, body: taskXml('/api/task/1', 'success') })),
    );
    const { http } = client(good.url);
    await http.connect();
    const before = good.requests.length;

    const failure: unknown = await http
      .request({ method: 'GET', path: href(new URL(evil.url).host) })
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(VcdApiError);
    expect(failure).toMatchObject({ minorErrorCode: 'UNTRUSTED_HREF' });
    expect(evil.requests).toEqual([]);
    expect(good.requests.length).toBe(before);
  });

  it('still follows relative paths and absolute hrefs of its own origin', async () => {
    const good = await fake(
      vcd(() => ({ status: 200, headers: XML, body: taskXml('/api/task/1', 'success') })),
    );
    const { http } = client(good.url);

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });
    await http.request({ method: 'GET', path: `${good.url}/api/vApp/vapp-2` });

    expect(good.requests.map((r) => r.url)).toContain('/api/vApp/vapp-2');
  });
});

describe('VCD client: Retry-After on 429 and 503', () => {
  it('reads delay-seconds and HTTP-dates against the injected clock', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('waits what a 429 asks (seconds), then succeeds', async () => {
    let calls = 0;
    const server = await fake(
      vcd(() =>
        ++calls === 1
          ? { status: 429, headers: { 'Retry-After': '7' } }
          : { status: 200, headers: XML, body: taskXml('/api/task/1', 'success') },
      ),
    );
    const { http, time } = client(server.url);

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(time.sleeps).toEqual([7000]);
  });

  it('waits until the HTTP-date of a 503, measured on the injected clock', async () => {
    let calls = 0;
    const server = await fake(
      vcd(() =>
        ++calls === 1
          ? { status: 503, headers: { 'Retry-After': 'Thu, 01 Jan 2026 00:00:12 GMT' } }
          : { status: 200, headers: XML, body: taskXml('/api/task/1', 'success') },
      ),
    );
    // fakeTime starts at 2026-01-01T00:00:00Z; the version and login calls take no time.
    const { http, time } = client(server.url);

    await http.request({ method: 'GET', path: '/api/vApp/vapp-1' });

    expect(time.sleeps).toEqual([12_000]);
  });

  it('gives up at once when Retry-After is beyond the retry budget, as unavailable (try later)', async () => {
    const server = await fake(vcd(() => ({ status: 429, headers: { 'Retry-After': '600' } })));
    const { http, time } = client(server.url, { retryBudgetMs: 60_000 });

    const failure: unknown = await http
      .request({ method: 'GET', path: '/api/vApp/vapp-1' })
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(VcdUnavailableError);
    expect(failure).toMatchObject({ httpStatus: 429 });
    expect(time.sleeps).toEqual([]);
  });

  it('stops a 429 storm within the budget, each wait at least what VCD asked', async () => {
    let attempts = 0;
    const server = await fake(
      vcd(() => {
        attempts += 1;
        return { status: 429, headers: { 'Retry-After': '5' } };
      }),
    );
    const { http, time } = client(server.url, { retryBudgetMs: 30_000, maxAttempts: 100 });

    await expect(http.request({ method: 'GET', path: '/api/vApp/vapp-1' })).rejects.toMatchObject({
      httpStatus: 429,
    });

    expect(time.sleeps.every((ms) => ms >= 5000)).toBe(true);
    expect(time.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(30_000);
    expect(attempts).toBe(time.sleeps.length + 1);
    expect(attempts).toBeGreaterThan(2);
  });
});

describe('VCD client: TLS', () => {
  it('reports a self-signed certificate as a TLS problem with its fix, without retrying', async () => {
    const vcdSim = await sim({ tls: true });
    const { http, time } = client(vcdSim.url);

    const failure: unknown = await http.negotiateVersion().catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(VcdTlsError);
    expect(failure).toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT', kind: 'api' });
    expect((failure as Error).message).toContain('VCD_CA_FILE');
    expect((failure as Error).message).not.toMatch(/DNS|firewall/);
    expect(time.sleeps).toEqual([]);
  });

  it('reports a certificate from an unknown CA, and trusts it with the CA added to the default ones', async () => {
    const ca = makeTestCa();
    const vcdSim = await sim({ tls: ca.server });

    const untrusted = await client(vcdSim.url)
      .http.negotiateVersion()
      .catch((e: unknown) => e);
    expect(untrusted).toBeInstanceOf(VcdTlsError);
    expect(untrusted).toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });

    const { http } = client(vcdSim.url, { tls: { ca: ca.caPem } });
    await http.connect();
    expect(http.apiVersion).toBe('38.0');
  });

  it('reports a host name outside the certificate with its own fix', async () => {
    const ca = makeTestCa();
    // The certificate names 127.0.0.1 and localhost; 127.0.0.2 is another loopback address it does not list.
    const vcdSim = await sim({ tls: ca.server, host: '127.0.0.2' });

    const failure: unknown = await client(vcdSim.url, { tls: { ca: ca.caPem } })
      .http.negotiateVersion()
      .catch((e: unknown) => e);

    expect(failure).toBeInstanceOf(VcdTlsError);
    expect(failure).toMatchObject({ code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect((failure as VcdTlsError).fix).toContain('host name');
  });

  it('connects without verification when told to (VCD_INSECURE_TLS)', async () => {
    const vcdSim = await sim({ tls: true });
    const { http } = client(vcdSim.url, { tls: { insecure: true } });

    await http.connect();

    expect(http.loginMethod).toBe('api-token');
  });
});

describe('VCD client: log out', () => {
  it('ends a token session with DELETE /cloudapi/1.0.0/sessions/current', async () => {
    const vcdSim = await sim();
    const { http } = client(vcdSim.url);
    await http.connect();
    expect(vcdSim.state.sessions.size).toBe(1);

    await http.logOut();

    expect(vcdSim.state.sessions.size).toBe(0);
    await http.logOut();
  });

  it('ends a legacy session with DELETE /api/session', async () => {
    const server = await fake((req) => {
      if (req.url === '/api/versions') {
        return { status: 200, headers: XML, body: versionsXml(['30.0', '31.0']) };
      }
      if (req.url === '/api/sessions') {
        return { status: 200, headers: { ...XML, 'x-vcloud-authorization': 'legacy-token' }, body: '' };
      }
      return { status: 204 };
    });
    const { http } = client(server.url, { auth: { kind: 'password', user: 'u', password: 'p' } });
    await http.connect();

    await http.logOut();

    const last = server.requests.at(-1);
    expect(last).toMatchObject({ method: 'DELETE', url: '/api/session' });
    expect(last?.headers['x-vcloud-authorization']).toBe('legacy-token');
  });
});

describe.each(databaseKinds('service account token vault').map((kind) => [kind.name, kind] as const))(
  'VCD client: service account tokens (%s)',
  (_name, kind) => {
    let target: DatabaseTarget;
    beforeEach(async () => {
      const created = await kind.create();
      target = created.target;
      cleanups.push(() => created.dispose());
    });

    /** One "process": its own database connection and vault. */
    async function processVault(
      options: { key?: Buffer; token?: string } = {},
    ): Promise<{ vault: RefreshTokenVault; db: LabbotDatabase }> {
      const db = await openDatabase(target);
      cleanups.push(() => db.close());
      await migrateToLatest(db);
      const vault = new KyselyRefreshTokenVault(db, {
        id: 'https://vcd.example#lab',
        configuredToken: options.token ?? SERVICE_TOKEN,
        key: options.key ?? KEY,
        now: () => new Date(),
      });
      return { vault, db };
    }

    function serviceClient(url: string, vault: RefreshTokenVault) {
      return client(url, { auth: { kind: 'token', apiToken: SERVICE_TOKEN, vault } });
    }

    it('the simulator refuses a spent token as VCD does: a plain token login works once only', async () => {
      const vcdSim = await sim({ serviceAccount: { name: 'labbot-sa', token: SERVICE_TOKEN } });
      const first = client(vcdSim.url, { auth: { kind: 'token', apiToken: SERVICE_TOKEN } });
      await first.http.connect();
      const second = client(vcdSim.url, { auth: { kind: 'token', apiToken: SERVICE_TOKEN } });

      await expect(second.http.connect()).rejects.toMatchObject({
        minorErrorCode: 'LOGIN_FAILED',
        message: expect.stringContaining('Invalid refresh token') as unknown,
      });
    });

    it('rotates the token through the store across two processes and a restart, never spending one twice', async () => {
      const vcdSim = await sim({ serviceAccount: { name: 'labbot-sa', token: SERVICE_TOKEN } });
      const a = await processVault();
      const b = await processVault();

      const processA = serviceClient(vcdSim.url, a.vault).http;
      await processA.connect();
      const processB = serviceClient(vcdSim.url, b.vault).http;
      await processB.connect();
      expect(processA.loginMethod).toBe('service-account');

      // Both sessions end; both log in again at the same moment (the lock makes them take turns).
      vcdSim.state.sessions.closeAll();
      await Promise.all([
        processA.request({ method: 'GET', path: '/api/org' }),
        processB.request({ method: 'GET', path: '/api/org' }),
      ]);

      // A restart: a new process, a new connection to the same store.
      await a.db.close();
      const restarted = await processVault();
      await serviceClient(vcdSim.url, restarted.vault).http.connect();

      expect(vcdSim.state.serviceAccount?.exchanges).toBe(5);
      const row = await restarted.db.kysely
        .selectFrom('vcd_refresh_tokens')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(row.rotations).toBe(5);
      // Sealed: neither the first token nor the current one is in the row.
      expect(row.sealed).not.toContain(SERVICE_TOKEN);
      expect(row.sealed).not.toContain(vcdSim.state.serviceAccount?.currentToken ?? '?');
      expect(openToken(row.sealed, KEY, row.id)).toBe(vcdSim.state.serviceAccount?.currentToken);
    });

    it('starts a new chain when VCD_API_TOKEN changes (the operator granted a new token)', async () => {
      const vcdSim = await sim({ serviceAccount: { name: 'labbot-sa', token: SERVICE_TOKEN } });
      const first = await processVault();
      await serviceClient(vcdSim.url, first.vault).http.connect();
      const granted = vcdSim.state.serviceAccount?.currentToken ?? '';

      const second = await processVault({ token: granted });
      await client(vcdSim.url, {
        auth: { kind: 'token', apiToken: granted, vault: second.vault },
      }).http.connect();

      const row = await second.db.kysely
        .selectFrom('vcd_refresh_tokens')
        .selectAll()
        .executeTakeFirstOrThrow();
      expect(row.rotations).toBe(1);
      expect(vcdSim.state.serviceAccount?.exchanges).toBe(2);
    });

    it('refuses to use a stored token sealed with another key, saying which setting differs', async () => {
      const vcdSim = await sim({ serviceAccount: { name: 'labbot-sa', token: SERVICE_TOKEN } });
      const first = await processVault();
      await serviceClient(vcdSim.url, first.vault).http.connect();

      const wrongKey = await processVault({ key: Buffer.alloc(32, 9) });
      const failure: unknown = await serviceClient(vcdSim.url, wrongKey.vault)
        .http.connect()
        .catch((e: unknown) => e);

      expect(failure).toBeInstanceOf(SealedTokenError);
      expect((failure as Error).message).toContain('LABBOT_SECRET_KEY');
      expect(vcdSim.state.serviceAccount?.exchanges).toBe(1);
    });

    it('seals with AES-256-GCM bound to its row', () => {
      const sealed = sealToken('secret-refresh', KEY, 'row-a');
      expect(openToken(sealed, KEY, 'row-a')).toBe('secret-refresh');
      expect(() => openToken(sealed, KEY, 'row-b')).toThrow(SealedTokenError);
      expect(sealToken('secret-refresh', KEY, 'row-a')).not.toBe(sealed);
    });
  },
);

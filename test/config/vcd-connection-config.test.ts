import { ConfigError } from '../../src/config/config-error';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { decodeSecretKey, isLoopbackUrl, loadConfig } from '../../src/config/load-config';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) {
      return error.problems.map((p) => `${p.key}: ${p.message}`);
    }
    throw error;
  }
  throw new Error('expected a ConfigError');
}

const REAL = { VCD_ORG: 'acme', VCD_VDC: 'acme-vdc', VCD_API_TOKEN: 't0ken' };
const KEY = Buffer.alloc(32, 3).toString('base64');

describe('config: VCD_URL is parsed, not pattern-matched (issue 14 item 8)', () => {
  it.each([
    'HTTP://vcd.example.com',
    'Http://vcd.example.com',
    'http://127.evil.example',
    'http://127.0.0.1.nip.io',
    'http://localhost.evil.example',
  ])('refuses plain http to a remote host: %s', (url) => {
    expect(problemsOf(() => loadConfig({ ...REAL, VCD_URL: url }))).toEqual([
      'VCD_URL: uses plain http to a remote host; credentials would cross the network unencrypted',
    ]);
  });

  it.each([
    'http://127.0.0.1:8443',
    'http://127.1:8443',
    'http://[::1]:8443',
    'http://localhost:8443',
    'HTTPS://vcd.example.com',
  ])('accepts loopback plain http and https in any case: %s', (url) => {
    expect(loadConfig({ ...REAL, VCD_URL: url }).vcd.kind).toBe('real');
  });

  it('tells loopback by address', () => {
    expect(isLoopbackUrl('http://[::ffff:127.0.0.1]/')).toBe(true);
    expect(isLoopbackUrl('http://0x7f.0.0.1/')).toBe(true);
    expect(isLoopbackUrl('http://128.0.0.1/')).toBe(false);
    expect(isLoopbackUrl('http://[::2]/')).toBe(false);
  });
});

describe('config: provider (System) accounts are refused', () => {
  it.each(['System', 'system', 'SYSTEM'])('VCD_ORG=%s is a configuration error with the fix', (org) => {
    let error: ConfigError | undefined;
    try {
      loadConfig({ ...REAL, VCD_ORG: org, VCD_URL: 'https://vcd.example.com' });
    } catch (e) {
      error = e as ConfigError;
    }
    expect(error?.problems).toEqual([
      expect.objectContaining({
        key: 'VCD_ORG',
        message: expect.stringContaining('provider (System) organization') as unknown,
        fix: expect.stringContaining('tenant org') as unknown,
      }),
    ]);
  });
});

describe('config: token kinds and the secret key', () => {
  const base = { ...REAL, VCD_URL: 'https://vcd.example.com' };

  it('defaults to a user API token', () => {
    expect(loadConfig(base).vcd).toMatchObject({ auth: { kind: 'token', tokenKind: 'user' } });
  });

  it('takes a service account with a 32-byte key, and keeps the key secret', () => {
    const config = loadConfig({ ...base, VCD_API_TOKEN_KIND: 'service-account', LABBOT_SECRET_KEY: KEY });
    expect(config.vcd).toMatchObject({ auth: { kind: 'token', tokenKind: 'service-account' } });
    expect(JSON.stringify(config)).not.toContain(KEY);
  });

  it('needs the key, of the right size, for a service account', () => {
    expect(problemsOf(() => loadConfig({ ...base, VCD_API_TOKEN_KIND: 'service-account' }))).toEqual([
      'LABBOT_SECRET_KEY: is required with VCD_API_TOKEN_KIND=service-account: the rotated token is stored encrypted',
    ]);
    expect(
      problemsOf(() =>
        loadConfig({
          ...base,
          VCD_API_TOKEN_KIND: 'service-account',
          LABBOT_SECRET_KEY: 'correct horse battery',
        }),
      ),
    ).toEqual(['LABBOT_SECRET_KEY: is not 32 bytes as base64 or 64 hex digits']);
    expect(problemsOf(() => loadConfig({ ...base, VCD_API_TOKEN_KIND: 'robot' }))).toEqual([
      'VCD_API_TOKEN_KIND: "robot" is not a token kind',
    ]);
  });

  it('decodes hex, base64 and base64url keys of 32 bytes only', () => {
    const bytes = Buffer.alloc(32, 0xfb);
    expect(decodeSecretKey(bytes.toString('hex'))).toEqual(bytes);
    expect(decodeSecretKey(bytes.toString('base64'))).toEqual(bytes);
    expect(decodeSecretKey(bytes.toString('base64url'))).toEqual(bytes);
    expect(decodeSecretKey(Buffer.alloc(16).toString('base64'))).toBeUndefined();
  });
});

describe('config: TLS options', () => {
  const base = { ...REAL, VCD_URL: 'https://vcd.example.com' };

  it('verifies certificates by default, takes a CA file, or insecure on request', () => {
    expect(loadConfig(base).vcd).toMatchObject({ tls: { insecure: false } });
    expect(loadConfig({ ...base, VCD_CA_FILE: '/etc/labbot/vcd-ca.pem' }).vcd).toMatchObject({
      tls: { caFile: '/etc/labbot/vcd-ca.pem', insecure: false },
    });
    expect(loadConfig({ ...base, VCD_INSECURE_TLS: 'TRUE' }).vcd).toMatchObject({ tls: { insecure: true } });
  });

  it('refuses an unclear insecure flag, and insecure beside a CA file', () => {
    expect(problemsOf(() => loadConfig({ ...base, VCD_INSECURE_TLS: 'yes' }))).toEqual([
      'VCD_INSECURE_TLS: "yes" is neither true nor false',
    ]);
    expect(
      problemsOf(() => loadConfig({ ...base, VCD_INSECURE_TLS: 'true', VCD_CA_FILE: '/ca.pem' })),
    ).toEqual(['VCD_INSECURE_TLS: is true while VCD_CA_FILE is set; the CA file would be ignored']);
  });
});

describe('config: no simulator defaults with a real VCD (issue 15 item 5)', () => {
  const base = { ...REAL, VCD_URL: 'https://vcd.example.com' };

  it('assumes no edge or address pool, and the built-in templates get no simulator networking', () => {
    const policy = loadConfig(base).policy;

    expect(policy.edge).toBeUndefined();
    expect(policy.templates.map((t) => t.network)).toEqual([undefined, undefined, undefined]);
    // The embedded simulator keeps them.
    expect(loadConfig({}).policy.edge).toEqual(DEFAULT_POLICY.edge);
  });

  it('makes templates with a network block and no edge a configuration error', () => {
    const yaml = [
      'templates:',
      '  - key: esxi',
      '    vcpus: 4',
      '    memoryGb: 16',
      '    storageGb: 100',
      '    network: { esxiVm: esxi-01, dnat: [{ name: ui, vm: esxi-01, publicPort: 443, port: 443, allow: [10.0.0.0/8] }] }',
      'kinds:',
      '  - { name: demo, defaultTemplate: esxi, defaultLifetimeHours: 4, maxLifetimeHours: 8, maxExtensions: 1, extendHours: 1 }',
      '  - { name: repro, defaultTemplate: esxi, defaultLifetimeHours: 4, maxLifetimeHours: 8, maxExtensions: 1, extendHours: 1 }',
    ].join('\n');

    expect(problemsOf(() => loadConfig(base, { path: 'labbot.yml', text: yaml }))).toEqual([
      'labbot.yml: edge: templates esxi have a network block but no edge is configured',
    ]);
    // The same file against the simulator uses the simulator's edge.
    expect(loadConfig({}, { path: 'labbot.yml', text: yaml }).policy.edge?.gateway).toBe('edge-01');
  });

  it("keeps the built-in templates' networking when labbot.yml names the real edge", () => {
    const policy = loadConfig(base, {
      path: 'labbot.yml',
      text: "edge: { gateway: tenant-edge, publicIps: '198.51.100.10-198.51.100.20' }\n",
    }).policy;

    expect(policy.edge).toEqual({
      gateway: 'tenant-edge',
      publicIps: { start: '198.51.100.10', end: '198.51.100.20' },
    });
    expect(policy.templates.every((t) => t.network !== undefined)).toBe(true);
  });
});

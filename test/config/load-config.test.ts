import { ConfigError } from '../../src/config/config-error';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { loadConfig } from '../../src/config/load-config';
import { describeConfig } from '../../src/config/redact';

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

describe('config/load-config', () => {
  it('runs on embedded defaults with an empty environment: local shell, simulated VCD, SQLite', () => {
    const config = loadConfig({});

    expect(config.slack).toEqual({ kind: 'shell', user: 'U_LOCAL' });
    expect(config.vcd).toEqual({ kind: 'simulated', org: 'lab', vdc: 'lab-vdc', catalog: 'labs' });
    expect(config.database).toEqual({ kind: 'sqlite', dataDir: './data' });
    expect(config.policy).toEqual({ ...DEFAULT_POLICY, admins: ['U_LOCAL'] });
    expect(config.policySource).toBe('built-in');
  });

  it('selects HTTP mode with a bot token and signing secret, and Socket Mode with an app token', () => {
    const http = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      PORT: '0',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
    });
    const socket = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' });

    expect(http.slack).toMatchObject({ kind: 'http', port: 0, apiUrl: 'http://127.0.0.1:9/api/' });
    expect(http.slack.kind === 'http' && http.slack.signingSecret.reveal()).toBe('s');
    expect(socket.slack).toMatchObject({ kind: 'socket', port: 3000 });
  });

  it('reports every problem at once, each with its fix', () => {
    let error: ConfigError | undefined;
    try {
      loadConfig({
        SLACK_BOT_TOKEN: 'xoxp-wrong',
        PORT: 'eighty',
        VCD_URL: 'http://vcd.example.com',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
      });
    } catch (e) {
      error = e as ConfigError;
    }

    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.problems.map((p) => p.key)).toEqual([
      'PORT',
      'SLACK_BOT_TOKEN',
      'VCD_URL',
      'VCD_ORG',
      'VCD_VDC',
      'VCD_API_TOKEN',
      'DATABASE_URL',
      'LOG_LEVEL',
    ]);
    expect(error?.problems.every((p) => p.fix.length > 0)).toBe(true);
    expect(error?.message).toMatch(/^labbot cannot start: 8 configuration problems/);
  });

  it('reads the Slack trust and metrics options, refusing bad values with the fix', () => {
    const defaults = loadConfig({});
    expect(defaults.slackTrust).toEqual({ allowGuests: false, allowExternal: false });
    expect(defaults.metrics).toEqual({});

    const set = loadConfig({
      LABBOT_SLACK_TEAMS: 'T0AAA, E0GRID',
      LABBOT_SLACK_ALLOW_GUESTS: 'true',
      LABBOT_SLACK_ALLOW_EXTERNAL: 'FALSE',
      LABBOT_METRICS_TOKEN: 'scrape-me',
      LABBOT_METRICS_PORT: '9464',
    });
    expect(set.slackTrust).toEqual({ teams: ['T0AAA', 'E0GRID'], allowGuests: true, allowExternal: false });
    expect(set.metrics.port).toBe(9464);
    expect(set.metrics.host).toBe('127.0.0.1');
    expect(set.metrics.token?.reveal()).toBe('scrape-me');
    expect(JSON.stringify(describeConfig(set))).not.toContain('scrape-me');

    expect(
      problemsOf(() =>
        loadConfig({
          LABBOT_SLACK_TEAMS: 'T0AAA,acme',
          LABBOT_SLACK_ALLOW_GUESTS: 'yes',
          LABBOT_METRICS_PORT: '99999',
        }),
      ),
    ).toEqual([
      'LABBOT_SLACK_TEAMS: "acme" is not a Slack workspace or organisation id',
      'LABBOT_SLACK_ALLOW_GUESTS: "yes" is not true or false',
      'LABBOT_METRICS_PORT: "99999" is not a TCP port',
    ]);
  });

  it('accepts a real VCD with an API token or a user and password', () => {
    const base = { VCD_URL: 'https://vcd.example.com/', VCD_ORG: 'acme', VCD_VDC: 'acme-vdc' };

    const token = loadConfig({ ...base, VCD_API_TOKEN: 't0ken' });
    const password = loadConfig({ ...base, VCD_USER: 'svc', VCD_PASSWORD: 'pw' });

    expect(token.vcd).toMatchObject({
      kind: 'real',
      url: 'https://vcd.example.com',
      org: 'acme',
      auth: { kind: 'token' },
    });
    expect(password.vcd).toMatchObject({ kind: 'real', auth: { kind: 'password', user: 'svc' } });
  });

  it('never shows a secret when the config is logged', () => {
    const config = loadConfig({
      SLACK_BOT_TOKEN: 'xoxb-secret-bot',
      SLACK_SIGNING_SECRET: 'secret-signing',
      VCD_URL: 'https://vcd.example.com',
      VCD_ORG: 'o',
      VCD_VDC: 'v',
      VCD_API_TOKEN: 'secret-vcd',
      DATABASE_URL: 'postgres://u:secret-pw@db/labbot',
    });

    const logged = JSON.stringify(describeConfig(config));

    expect(logged).not.toMatch(/secret/);
    expect(logged).toContain('*** REDACTED ***');
    expect(String(config.slack.kind === 'http' ? config.slack.botToken : '')).toBe('*** REDACTED ***');
  });

  it('merges labbot.yml over the defaults', () => {
    const config = loadConfig(
      {},
      {
        path: 'labbot.yml',
        text: 'admins: [UADMIN1]\nrates: { vcpuHour: 0.1, memoryGbHour: 0.01, storageGbMonth: 0.2 }\n',
      },
    );

    expect(config.policy.admins).toEqual(['UADMIN1', 'U_LOCAL']);
    expect(config.policy.rates.vcpuHour).toBe(0.1);
    expect(config.policy.templates).toBe(DEFAULT_POLICY.templates);
    expect(config.policySource).toBe('labbot.yml');
  });

  it('explains what is wrong in labbot.yml, with the path of each entry', () => {
    const text = [
      'templates:',
      '  - { key: small, vcpus: 2, memoryGb: 4, storageGb: 20 }',
      'kinds:',
      '  - { name: demo, defaultTemplate: missing, defaultLifetimeHours: 8, maxLifetimeHours: 4 }',
      "ticketPattern: '(['",
    ].join('\n');

    expect(problemsOf(() => loadConfig({}, { path: 'labbot.yml', text }))).toEqual([
      'labbot.yml: kinds.0.defaultTemplate: kind "demo" uses template "missing", which is not in templates',
      'labbot.yml: kinds.0.maxLifetimeHours: kind "demo" has a maximum lifetime (4 h) below its default (8 h)',
      'labbot.yml: kinds: kind "repro" is missing; /lab repro needs it',
      'labbot.yml: ticketPattern: is not a valid regular expression',
    ]);
  });

  it('reports unknown keys, bad types and bad YAML', () => {
    expect(
      problemsOf(() => loadConfig({}, { path: 'l.yml', text: 'admins: [not-a-user]\ncolour: blue\n' })),
    ).toHaveLength(2);
    expect(problemsOf(() => loadConfig({}, { path: 'l.yml', text: 'kinds: [\n' }))[0]).toMatch(
      /^l.yml: is not valid YAML/,
    );
  });
});

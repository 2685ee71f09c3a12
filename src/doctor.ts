/**
 * `labbot doctor`: checks everything labbot needs before it starts (config, VCD, Slack, database) and prints each
 * as ok or as a failure with its fix. It uses the same adapters the bot uses, so what it proves is what the bot
 * will meet. With no VCD_URL it starts the embedded simulator, as `labbot start` does, and checks against it.
 */
import { type Config } from './config/config';
import { ConfigError } from './config/config-error';
import { loadConfig } from './config/load-config';
import { readPolicyFile } from './config/read-policy-file';
import { type Clock, type Logger, type Sleep } from './labs/ports';
import { createRootLogger } from './observability/logger';
import { createSlackWebClient, slackErrorCode } from './slack/slack-web-client';
import { openDatabase, type LabbotDatabase } from './store/database';
import { migrateToLatest } from './store/migrate';
import { VcdApiError, VcdNotFoundError, VcdTlsError, VcdUnavailableError } from './vcd/errors';
import { type VcdEdgeGatewayRecord } from './vcd/network-resources';
import { nsxtEdgeChecks } from './vcd/nsxt/nsxt-doctor';
import { VcdCloud } from './vcd/vcd-cloud';
import { uplinkAddresses } from './vcd/wire/edge-gateway';
import { inRange } from './labs/ipv4';
import { startVcdSim, type VcdSim } from './vcdsim/vcd-sim';
import { needsTokenStore, realVcdOptions } from './vcd-connection';

/** ok: fine; warn: works, but something is missing or risky; fail: labbot will not work; skip: not checked. */
export type CheckStatus = 'ok' | 'warn' | 'fail' | 'skip';

/** One line of the report. */
export interface DoctorCheck {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

export interface DoctorDeps {
  /** Default: errors only, on stderr (the report is on stdout). */
  logger?: Logger;
  /** Where the report goes; default stdout. */
  write?: (text: string) => void;
  /** Per-request timeout for VCD and Slack; default 15 s. */
  requestTimeoutMs?: number;
  /** How long one VCD call may keep retrying busy/503 answers; default 20 s. */
  retryBudgetMs?: number;
  /** Time for VCD retries (Retry-After, backoff); default the system's. Tests inject them. */
  clock?: Clock;
  sleep?: Sleep;
}

/** Exit code when the configuration itself is invalid (sysexits EX_CONFIG, as `labbot start` uses). */
export const EXIT_CONFIG = 78;

const SKIPPED_VCD = 'not checked: needs the checks above';
const VCD_CHECKS = [
  'VCD reachable',
  'API version',
  'login',
  'org',
  'VDC',
  'templates',
  'networks',
  'edge gateway',
  'edge addresses',
  'edge rights',
];

/**
 * Loads the configuration from the environment and labbot.yml, then runs the doctor. A configuration error is
 * reported as failed `config` checks, one per problem, each with its fix.
 *
 * @returns the exit code: 0 when nothing failed, 1 when a check failed, 78 when the configuration is invalid.
 * @throws nothing the caller must handle: every failure becomes a line of the report.
 */
export async function runDoctorCommand(env: NodeJS.ProcessEnv, deps: DoctorDeps = {}): Promise<number> {
  const write = deps.write ?? ((text: string) => void process.stdout.write(text));
  let config: Config;
  try {
    config = loadConfig(env, readPolicyFile(env));
  } catch (error) {
    if (!(error instanceof ConfigError)) {
      throw error;
    }
    const checks = error.problems.map((p): DoctorCheck => ({
      name: 'config',
      status: 'fail',
      detail: `${p.key}: ${p.message}`,
      fix: p.fix,
    }));
    write(formatDoctorReport(checks));
    return EXIT_CONFIG;
  }
  return runDoctor(config, { ...deps, write });
}

/**
 * Runs every check against the configured (or embedded) VCD, Slack and database, prints the report and returns the
 * exit code: 0 when nothing failed (warnings allowed), 1 otherwise.
 */
export async function runDoctor(config: Config, deps: DoctorDeps = {}): Promise<number> {
  const checks = await collectDoctorChecks(config, deps);
  (deps.write ?? ((text: string) => void process.stdout.write(text)))(formatDoctorReport(checks));
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

/** Runs every check and returns them in report order. Never throws: a check that throws is reported as failed. */
export async function collectDoctorChecks(config: Config, deps: DoctorDeps = {}): Promise<DoctorCheck[]> {
  const logger =
    deps.logger ?? createRootLogger(['trace', 'debug'].includes(config.logLevel) ? config.logLevel : 'error');
  const checks: DoctorCheck[] = [configCheck(config)];
  checks.push(...(await vcdChecks(config, logger, deps)));
  checks.push(await slackCheck(config, logger, deps));
  checks.push(await databaseCheck(config, logger));
  return checks;
}

/** The report as text: one aligned line per check, the fix under each warning or failure, and a verdict. */
export function formatDoctorReport(checks: readonly DoctorCheck[]): string {
  const width = Math.max(...checks.map((c) => c.name.length), 0);
  const label: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'WARN', fail: 'FAIL', skip: 'skip' };
  const lines = checks.flatMap((c) => [
    `  ${label[c.status]}  ${c.name.padEnd(width)}  ${c.detail}`,
    ...(c.fix !== undefined && (c.status === 'fail' || c.status === 'warn')
      ? [`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.fix}`]
      : []),
  ]);
  const failed = checks.filter((c) => c.status === 'fail').length;
  const warned = checks.filter((c) => c.status === 'warn').length;
  const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;
  const verdict =
    failed > 0
      ? `${plural(failed, 'check')} failed${warned > 0 ? `, ${plural(warned, 'warning')}` : ''}: labbot will not work until fixed.`
      : `All checks passed${warned > 0 ? ` (${plural(warned, 'warning')})` : ''}.`;
  return `labbot doctor\n\n${lines.join('\n')}\n\n${verdict}\n`;
}

function configCheck(config: Config): DoctorCheck {
  const policy = config.policy;
  const vcd = config.vcd.kind === 'simulated' ? 'embedded VCD simulator' : `VCD ${config.vcd.url}`;
  const slack =
    config.slack.kind === 'shell'
      ? 'local shell (no Slack)'
      : `Slack ${config.slack.kind === 'http' ? 'HTTP' : 'Socket'} mode`;
  const database = config.database.kind === 'sqlite' ? `SQLite in ${config.database.dataDir}` : 'PostgreSQL';
  return {
    name: 'config',
    status: 'ok',
    detail:
      `${config.policySource === 'built-in' ? 'built-in policy' : config.policySource}: ` +
      `${policy.templates.length} templates, ${policy.kinds.length} lab kinds; ${vcd}; ${slack}; ${database}`,
  };
}

/** A VCD failure's own words, without the "VCD GET /path failed:" prefix where VCD gave a message. */
function reason(error: unknown): string {
  if (error instanceof VcdApiError && error.vcdMessage !== '') {
    return error.vcdMessage;
  }
  return error instanceof Error ? error.message : String(error);
}

async function vcdChecks(config: Config, logger: Logger, deps: DoctorDeps): Promise<DoctorCheck[]> {
  const target = config.vcd;
  let sim: VcdSim | undefined;
  if (target.kind === 'simulated') {
    try {
      sim = await startVcdSim({ port: 0, org: target.org, vdc: target.vdc, catalog: target.catalog });
    } catch (error) {
      return [
        {
          name: 'VCD reachable',
          status: 'fail',
          detail: `the embedded simulator did not start: ${reason(error)}`,
          fix: 'free a loopback port, or set VCD_URL to a real VCD',
        },
      ];
    }
  }
  const url = sim?.url ?? (target.kind === 'real' ? target.url : '');
  let db: LabbotDatabase | undefined;
  let cloud: VcdCloud;
  try {
    // A service account's token lives in the store: the doctor spends and rotates it like any replica.
    db = needsTokenStore(target) ? await openMigratedDatabase(config, logger) : undefined;
    cloud = new VcdCloud({
      url,
      org: target.org,
      vdc: target.vdc,
      catalog: target.catalog,
      networks: config.policy.networks,
      ...(target.kind === 'simulated'
        ? { auth: { kind: 'token', apiToken: 'simulated-api-token' } }
        : realVcdOptions(target, db, logger.child({ component: 'vcd' }))),
      simulated: target.kind === 'simulated',
      logger: logger.child({ component: 'vcd' }),
      requestTimeoutMs: deps.requestTimeoutMs ?? 15_000,
      retryBudgetMs: deps.retryBudgetMs ?? 20_000,
      ...(deps.clock !== undefined ? { clock: deps.clock } : {}),
      ...(deps.sleep !== undefined ? { sleep: deps.sleep } : {}),
    });
  } catch (error) {
    await db?.close();
    await sim?.close();
    return [
      {
        name: 'VCD reachable',
        status: 'fail',
        detail: `cannot set up the VCD connection: ${
          error instanceof ConfigError
            ? error.problems.map((p) => `${p.key}: ${p.message}`).join('; ')
            : reason(error)
        }`,
        fix:
          error instanceof ConfigError
            ? error.problems.map((p) => p.fix).join('; ')
            : 'check DATABASE_URL or LABBOT_DATA_DIR: a service account token is kept in the store',
      },
    ];
  }
  try {
    return await new VcdDoctor(config, cloud, url, sim !== undefined).run();
  } finally {
    // Doctor's session ends here rather than lingering on VCD until its idle timeout.
    await cloud.logOut();
    cloud.close();
    await db?.close();
    await sim?.close();
  }
}

async function openMigratedDatabase(config: Config, logger: Logger): Promise<LabbotDatabase> {
  const target = config.database;
  const db = await openDatabase(
    target.kind === 'sqlite' ? target : { kind: 'postgres', url: target.url.reveal() },
    logger.child({ component: 'store' }),
  );
  try {
    await migrateToLatest(db);
    return db;
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The VCD checks in order; each later check runs only when the ones it needs passed. */
class VcdDoctor {
  private readonly checks: DoctorCheck[] = [];

  constructor(
    private readonly config: Config,
    private readonly cloud: VcdCloud,
    private readonly url: string,
    private readonly embedded: boolean,
  ) {}

  async run(): Promise<DoctorCheck[]> {
    // Reachability and login gate everything; networks and the edge are looked up inside the VDC.
    const connected =
      (await this.step('VCD reachable', () => this.reachable())) &&
      (await this.step('login', () => this.login()));
    if (connected) {
      await this.step('org', () => this.org());
      const vdcFound = await this.step('VDC', () => this.vdc());
      await this.step('templates', () => this.templates());
      if (vdcFound) {
        await this.step('networks', () => this.networks());
        await this.step('edge gateway', () => this.edge());
      }
    }
    return VCD_CHECKS.map(
      (name) => this.checks.find((c) => c.name === name) ?? { name, status: 'skip', detail: SKIPPED_VCD },
    );
  }

  private add(check: DoctorCheck): boolean {
    this.checks.push(check);
    return check.status !== 'fail';
  }

  /** Runs one check; an error it did not expect fails that check rather than the whole report. */
  private async step(name: string, check: () => Promise<boolean>): Promise<boolean> {
    try {
      return await check();
    } catch (error) {
      return this.add({
        name,
        status: 'fail',
        detail: reason(error),
        fix:
          error instanceof VcdUnavailableError
            ? 'VCD stopped answering during the checks; check its health and run the doctor again'
            : 'see the error; LOG_LEVEL=debug logs every VCD exchange',
      });
    }
  }

  private async reachable(): Promise<boolean> {
    const where = this.embedded ? `embedded simulator at ${this.url}` : this.url;
    try {
      const negotiated = await this.cloud.negotiateVersion();
      const target = this.config.vcd;
      if (target.kind === 'real' && target.tls.insecure) {
        this.add({
          name: 'VCD reachable',
          status: 'warn',
          detail: `${where} answers GET /api/versions, but its TLS certificate is NOT verified (VCD_INSECURE_TLS=true)`,
          fix: "anyone on the path can read labbot's VCD credentials: set VCD_CA_FILE to the CA of VCD's certificate and unset VCD_INSECURE_TLS",
        });
      } else {
        this.add({ name: 'VCD reachable', status: 'ok', detail: `${where} answers GET /api/versions` });
      }
      const detail = `API ${negotiated.version}`;
      if (negotiated.legacyLogin) {
        return this.add({
          name: 'API version',
          status: 'warn',
          detail: `${detail}: VCD is older than 10.0, so labbot logs in with the deprecated /api/sessions`,
          fix: 'upgrade VCD to 10.4 or later; labbot is tested against API 33.0 to 38.0',
        });
      }
      if (negotiated.deprecated) {
        return this.add({
          name: 'API version',
          status: 'warn',
          detail: `${detail}, which this VCD marks deprecated`,
          fix: 'upgrade labbot or check the VCD version; newer API versions were not offered in common',
        });
      }
      return this.add({ name: 'API version', status: 'ok', detail });
    } catch (error) {
      if (error instanceof VcdTlsError) {
        return this.add({
          name: 'VCD reachable',
          status: 'fail',
          detail: `${where}: TLS certificate not trusted (${error.code})`,
          fix: error.fix,
        });
      }
      if (error instanceof VcdUnavailableError && error.httpStatus === 429) {
        return this.add({
          name: 'VCD reachable',
          status: 'fail',
          detail: `${where}: rate limited (HTTP 429) through every retry, Retry-After honoured`,
          fix: 'VCD or its load balancer limits the request rate of this account or address: run the doctor again later; if it persists, ask the provider to raise the limit',
        });
      }
      if (error instanceof VcdUnavailableError) {
        return this.add({
          name: 'VCD reachable',
          status: 'fail',
          detail: `${where}: ${reason(error)}`,
          fix:
            'check VCD_URL (the base URL, e.g. https://vcd.example.com, without /tenant or /provider), ' +
            'DNS, proxies and firewalls between labbot and VCD',
        });
      }
      if (error instanceof VcdApiError && error.minorErrorCode === 'UNSUPPORTED_API_VERSION') {
        this.add({ name: 'VCD reachable', status: 'ok', detail: `${where} answers GET /api/versions` });
        return this.add({
          name: 'API version',
          status: 'fail',
          detail: reason(error),
          fix: 'labbot needs a VCD that offers API 29.0 to 38.0 (VCD 9.0 to 10.5)',
        });
      }
      return this.add({
        name: 'VCD reachable',
        status: 'fail',
        detail: `${where} answered GET /api/versions, but not as VCD does: ${reason(error)}`,
        fix: 'point VCD_URL at the VCD base URL (the host serving /api and /cloudapi), not a portal or proxy page',
      });
    }
  }

  private async login(): Promise<boolean> {
    const target = this.config.vcd;
    try {
      const info = await this.cloud.connectionInfo();
      const how = {
        'api-token': 'API token exchanged at /oauth/tenant/{org}/token',
        'service-account':
          'service account token exchanged at /oauth/tenant/{org}/token; VCD rotated it and the new one is stored encrypted',
        cloudapi: 'user and password at /cloudapi/1.0.0/sessions',
        legacy: 'user and password at the deprecated /api/sessions',
      }[info.loginMethod];
      return this.add({ name: 'login', status: 'ok', detail: `${how}, org ${target.org}` });
    } catch (error) {
      const usesToken = target.kind === 'simulated' || target.auth.kind === 'token';
      const fix =
        error instanceof VcdApiError && error.minorErrorCode === 'UNSUPPORTED_API_VERSION'
          ? 'this VCD predates API tokens (10.3.1): set VCD_USER and VCD_PASSWORD instead of VCD_API_TOKEN'
          : target.kind === 'real' &&
              target.auth.kind === 'token' &&
              target.auth.tokenKind === 'service-account'
            ? 'the service account token was refused: when it was spent or revoked, grant the account a new one in VCD and set it as VCD_API_TOKEN (labbot then starts a new chain); every replica needs the same LABBOT_SECRET_KEY'
            : usesToken
              ? `check VCD_API_TOKEN (a current, unrevoked API token of a user in org "${target.org}") and VCD_ORG`
              : `check VCD_USER and VCD_PASSWORD, and that VCD_ORG ("${target.org}") is the organization the user belongs to`;
      return this.add({ name: 'login', status: 'fail', detail: reason(error), fix });
    }
  }

  private async org(): Promise<boolean> {
    const wanted = this.config.vcd.org;
    const orgs = await this.cloud.listOrgs();
    const found = orgs.find((o) => (o.name ?? '').toLowerCase() === wanted.toLowerCase());
    if (found !== undefined) {
      return this.add({ name: 'org', status: 'ok', detail: `${found.name ?? wanted} (${found.href})` });
    }
    return this.add({
      name: 'org',
      status: 'fail',
      detail: `the session does not see org "${wanted}"; it sees ${orgs.map((o) => o.name).join(', ') || 'none'}`,
      fix: 'set VCD_ORG to the organization labbot logs in to',
    });
  }

  private async vdc(): Promise<boolean> {
    try {
      const vdc = await this.cloud.getVdc();
      return this.add({ name: 'VDC', status: 'ok', detail: `${vdc.name} (${vdc.href})` });
    } catch (error) {
      if (!(error instanceof VcdNotFoundError)) {
        throw error;
      }
      const visible = await this.cloud.listVdcNames().catch(() => []);
      return this.add({
        name: 'VDC',
        status: 'fail',
        detail: `org VDC "${this.config.vcd.vdc}" is not visible in org ${this.config.vcd.org}`,
        fix: `set VCD_VDC to one of: ${visible.join(', ') || '(this user sees no VDC; ask the provider)'}`,
      });
    }
  }

  private async templates(): Promise<boolean> {
    const catalog = this.config.vcd.catalog;
    try {
      await this.cloud.findCatalog();
    } catch (error) {
      if (!(error instanceof VcdNotFoundError)) {
        throw error;
      }
      return this.add({
        name: 'templates',
        status: 'fail',
        detail: `catalog "${catalog}" is not visible to this user`,
        fix: 'set VCD_CATALOG to the catalog holding the lab templates, or share that catalog with the org',
      });
    }
    const present = new Set((await this.cloud.listTemplates()).map((t) => t.name));
    const wanted = this.config.policy.templates;
    const missing = wanted.filter((t) => !present.has(t.catalogItem));
    if (missing.length === 0) {
      return this.add({
        name: 'templates',
        status: 'ok',
        detail: `${wanted.length} of ${wanted.length} in catalog ${catalog}: ${wanted.map((t) => t.catalogItem).join(', ')}`,
      });
    }
    return this.add({
      name: 'templates',
      status: 'fail',
      detail:
        `missing from catalog ${catalog}: ` +
        missing.map((t) => `${t.catalogItem} (template ${t.key})`).join(', '),
      fix:
        `upload or capture them into catalog ${catalog}, or change catalogItem in ${this.config.policySource === 'built-in' ? 'labbot.yml' : this.config.policySource}; ` +
        `the catalog holds: ${[...present].sort().join(', ') || 'nothing'}`,
    });
  }

  private async networks(): Promise<boolean> {
    const available = await this.cloud.listOrgVdcNetworks();
    const wanted = this.config.policy.networks;
    const missing = wanted.filter((n) => !available.some((a) => a.name === n));
    if (missing.length > 0) {
      return this.add({
        name: 'networks',
        status: 'fail',
        detail: `not in VDC ${this.config.vcd.vdc}: ${missing.join(', ')}`,
        fix:
          `create the org VDC network(s), or set networks in labbot.yml to existing ones: ` +
          `${available.map((a) => a.name).join(', ') || '(the VDC has none)'}`,
      });
    }
    const describe = wanted.map((name) => {
      const network = available.find((a) => a.name === name);
      const via = network?.edgeGatewayName ? ` via ${network.edgeGatewayName}` : '';
      return `${name} (${network?.connection ?? 'unknown'}${via})`;
    });
    return this.add({ name: 'networks', status: 'ok', detail: describe.join(', ') });
  }

  private async edge(): Promise<boolean> {
    const warnFix =
      'labs get no DNAT/firewall access rules without one: ask the provider for an edge gateway in this VDC, or reach labs over a VPN';
    let edges: VcdEdgeGatewayRecord[];
    try {
      edges = await this.cloud.listEdgeGateways();
    } catch (error) {
      if (error instanceof VcdApiError) {
        return this.add({
          name: 'edge gateway',
          status: 'warn',
          detail: `could not list edge gateways: ${reason(error)}`,
          fix: `grant the role the right to view edge gateways; ${warnFix}`,
        });
      }
      throw error;
    }
    if (edges.length === 0) {
      return this.add({
        name: 'edge gateway',
        status: 'warn',
        detail: `none in VDC ${this.config.vcd.vdc}`,
        fix: warnFix,
      });
    }
    const configured = this.config.policy.edge;
    const source = this.config.policySource === 'built-in' ? 'labbot.yml' : this.config.policySource;
    if (configured !== undefined) {
      const nsxt = await this.nsxtEdge(configured, source);
      if (nsxt !== undefined) {
        return nsxt;
      }
    }
    const routedVia = new Set((await this.cloud.listOrgVdcNetworks()).map((n) => n.edgeGatewayName));
    const record =
      configured !== undefined
        ? edges.find((e) => e.name === configured.gateway)
        : (edges.find((e) => routedVia.has(e.name)) ?? edges[0]);
    if (record === undefined) {
      if (configured !== undefined) {
        return this.add({
          name: 'edge gateway',
          status: 'fail',
          detail: `${configured.gateway} (edge.gateway in ${source}) is not in VDC ${this.config.vcd.vdc}`,
          fix: `set edge.gateway in ${source} to one of: ${edges.map((e) => e.name).join(', ')}`,
        });
      }
      return this.add({ name: 'edge gateway', status: 'warn', detail: 'none found', fix: warnFix });
    }
    const edge = await this.cloud.getEdgeGateway(record.href);
    const uplinks = uplinkAddresses(edge);
    const addresses = uplinks.map((r) => (r.start === r.end ? r.start : `${r.start}-${r.end}`));
    const extra = edges.length > 1 ? ` (${edges.length} in the VDC)` : '';
    if (configured !== undefined) {
      // Labs get their address and rules from this edge: a pool outside its public addresses, or an edge the role
      // may not reconfigure, fails every deploy with networking, so both are failures here rather than at deploy.
      const pool = configured.publicIps;
      const outside = [pool.start, pool.end].filter((ip) => !uplinks.some((r) => inRange(ip, r)));
      if (outside.length > 0) {
        return this.add({
          name: 'edge gateway',
          status: 'fail',
          detail: `edge.publicIps ${pool.start}-${pool.end} in ${source} is not within ${edge.name}'s public addresses (${addresses.join(', ') || 'none'})`,
          fix: `set edge.publicIps in ${source} to addresses the provider sub-allocated to ${edge.name}`,
        });
      }
      if (edge.configureServicesHref === undefined) {
        return this.add({
          name: 'edge gateway',
          status: 'fail',
          detail: `${edge.name} offers no configureServices link: labbot cannot add the labs' NAT and firewall rules`,
          fix: 'give the role the right to configure the edge gateway services, or remove the network blocks of the templates',
        });
      }
      this.add({
        name: 'edge addresses',
        status: 'ok',
        detail: `static sub-allocation on the uplink (${addresses.join(', ')}); lab pool ${pool.start}-${pool.end}`,
      });
      this.add({
        name: 'edge rights',
        status: 'ok',
        detail: 'configureServices allowed: NAT and firewall rules through the legacy NSX-V API',
      });
      return this.add({
        name: 'edge gateway',
        status: 'ok',
        detail: `${edge.name}${extra}: NSX-V (legacy), lab pool ${pool.start}-${pool.end} of public ${addresses.join(', ')}; ${edge.nat?.rules.length ?? 0} NAT and ${edge.firewall?.rules.length ?? 0} firewall rules`,
      });
    }
    if (addresses.length === 0) {
      return this.add({
        name: 'edge gateway',
        status: 'warn',
        detail: `${edge.name}${extra} has no public address on an uplink`,
        fix: 'ask the provider to allocate public IPs to the edge uplink, or labs cannot be reached from outside',
      });
    }
    return this.add({
      name: 'edge gateway',
      status: 'ok',
      detail: `${edge.name}${extra}, public ${addresses.join(', ')}; ${edge.nat?.rules.length ?? 0} NAT and ${edge.firewall?.rules.length ?? 0} firewall rules`,
    });
  }

  /**
   * The configured edge when NSX-T backs it: three lines (edge, addresses, rights). Undefined for an NSX-V edge or one
   * the CloudAPI does not show, which the legacy checks then report.
   */
  private async nsxtEdge(
    configured: NonNullable<Config['policy']['edge']>,
    source: string,
  ): Promise<boolean | undefined> {
    let target;
    try {
      target = await this.cloud.describeEdge(configured.gateway);
    } catch (error) {
      if (error instanceof VcdApiError && error.minorErrorCode === 'EDGE_DISTRIBUTED_ONLY') {
        return this.add({
          name: 'edge gateway',
          status: 'fail',
          detail: `${configured.gateway}: NSX-T, DISTRIBUTED_ONLY: no NAT and no firewall, so labs cannot be reached through it`,
          fix: `ask the provider to give ${configured.gateway} an edge cluster (deployment mode ACTIVE_STANDBY), or set edge.gateway in ${source} to an edge gateway with NAT and firewall`,
        });
      }
      if (error instanceof VcdNotFoundError || error instanceof VcdApiError) {
        return undefined;
      }
      throw error;
    }
    if (target.kind !== 'nsxt') {
      return undefined;
    }
    const lines = await nsxtEdgeChecks(this.cloud.cloudapi, target, configured.publicIps, {
      vdc: this.config.vcd.vdc,
      source,
    });
    return lines.map((line) => this.add(line)).every(Boolean);
  }
}

async function slackCheck(config: Config, logger: Logger, deps: DoctorDeps): Promise<DoctorCheck> {
  const slack = config.slack;
  if (slack.kind === 'shell') {
    return { name: 'Slack', status: 'skip', detail: 'local shell mode: no SLACK_BOT_TOKEN set' };
  }
  const client = createSlackWebClient({
    botToken: slack.botToken.reveal(),
    ...(slack.apiUrl !== undefined ? { apiUrl: slack.apiUrl } : {}),
    // A doctor reports; it does not wait out five minutes of retries.
    retry: { retries: 0 },
    requestTimeoutMs: deps.requestTimeoutMs ?? 15_000,
    logger: logger.child({ component: 'slack' }),
  });
  // Read as a loose record: the doctor prints whichever identity fields the answer has.
  const auth = (client as unknown as { auth?: { test?: () => Promise<Record<string, unknown>> } }).auth;
  if (typeof auth?.test !== 'function') {
    return {
      name: 'Slack',
      status: 'fail',
      detail: 'the Slack client has no auth.test',
      fix: 'report this bug',
    };
  }
  try {
    const answer = await auth.test();
    const text = (key: string): string => (typeof answer[key] === 'string' ? answer[key] : '?');
    return {
      name: 'Slack',
      status: 'ok',
      detail: `auth.test: bot ${text('user')} in workspace ${text('team')}`,
    };
  } catch (error) {
    const code = slackErrorCode(error);
    if (code !== undefined) {
      return {
        name: 'Slack',
        status: 'fail',
        detail: `auth.test refused the bot token: ${code}`,
        fix: "set SLACK_BOT_TOKEN to the app's Bot User OAuth Token (xoxb-…) from OAuth & Permissions, and reinstall the app if it was revoked",
      };
    }
    return {
      name: 'Slack',
      status: 'fail',
      detail: `could not reach Slack for auth.test: ${error instanceof Error ? error.message : String(error)}`,
      fix: `check network access to ${slack.apiUrl ?? 'https://slack.com/api/'} (proxy, firewall, SLACK_API_URL)`,
    };
  }
}

async function databaseCheck(config: Config, logger: Logger): Promise<DoctorCheck> {
  const target = config.database;
  const fix =
    target.kind === 'sqlite'
      ? 'make LABBOT_DATA_DIR a writable folder (it is created if missing), or set DATABASE_URL for PostgreSQL'
      : 'check DATABASE_URL (host, port, user, password, database) and that PostgreSQL accepts the connection';
  let db: LabbotDatabase;
  try {
    db = await openDatabase(
      target.kind === 'sqlite' ? target : { kind: 'postgres', url: target.url.reveal() },
      logger.child({ component: 'store' }),
    );
  } catch (error) {
    return {
      name: 'database',
      status: 'fail',
      detail: error instanceof Error ? error.message : String(error),
      fix,
    };
  }
  try {
    const applied = await migrateToLatest(db);
    return {
      name: 'database',
      status: 'ok',
      detail:
        `${db.dialect} at ${db.location}; schema up to date` +
        (applied.length > 0 ? ` (applied ${applied.join(', ')})` : ''),
    };
  } catch (error) {
    return {
      name: 'database',
      status: 'fail',
      detail: `${db.dialect} at ${db.location} opened, but migrating failed: ${error instanceof Error ? error.message : String(error)}`,
      fix: 'see the cause above; a migration that failed half-way needs a look at the database before retrying',
    };
  } finally {
    await db.close();
  }
}

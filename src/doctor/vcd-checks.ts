/**
 * The VCD checks: reachable, API version, login, org, VDC, templates, networks and the edge gateway, through the same
 * client `labbot start` builds (createVcdCloud) and its read-only inspector.
 */
import { type Config } from '../config/config';
import { ConfigError } from '../config/config-error';
import { type Logger } from '../labs/ports';
import { type LabbotDatabase } from '../store/database';
import { VcdApiError, VcdNotFoundError, VcdTlsError, VcdUnavailableError } from '../vcd/errors';
import { type VcdCloud } from '../vcd/vcd-cloud';
import { type VcdInspector } from '../vcd/vcd-inspector';
import { createVcdCloud, EmbeddedVcdError, needsTokenStore, type VcdConnection } from '../vcd-connection';
import { openMigratedDatabase } from './database-check';
import { type DoctorDeps } from './deps';
import { edgeChecks } from './edge-checks';
import { reason, type DoctorCheck } from './report';

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

/** The VCD checks in report order; those that could not run for want of an earlier one are skipped. */
export async function vcdChecks(config: Config, logger: Logger, deps: DoctorDeps): Promise<DoctorCheck[]> {
  const target = config.vcd;
  let db: LabbotDatabase | undefined;
  let vcd: VcdConnection;
  try {
    // A service account's token lives in the store: the doctor spends and rotates it like any replica.
    db = needsTokenStore(target) ? await openMigratedDatabase(config, logger) : undefined;
    vcd = await createVcdCloud(config, {
      logger,
      ...(db !== undefined ? { database: db } : {}),
      client: {
        requestTimeoutMs: deps.requestTimeoutMs ?? 15_000,
        retryBudgetMs: deps.retryBudgetMs ?? 20_000,
        ...(deps.clock !== undefined ? { clock: deps.clock } : {}),
        ...(deps.sleep !== undefined ? { sleep: deps.sleep } : {}),
      },
    });
  } catch (error) {
    await db?.close();
    return [setupFailure(error)];
  }
  const url = vcd.simulator?.url ?? (target.kind === 'real' ? target.url : '');
  try {
    return await new VcdDoctor(config, vcd.cloud, url, vcd.simulator !== undefined).run();
  } finally {
    // Doctor's session ends here rather than lingering on VCD until its idle timeout.
    await vcd.close();
    await db?.close();
  }
}

/** The one line when no client could be built: the simulator did not start, or the config or store is unusable. */
function setupFailure(error: unknown): DoctorCheck {
  if (error instanceof EmbeddedVcdError) {
    return {
      name: 'VCD reachable',
      status: 'fail',
      detail: `the embedded simulator did not start: ${reason(error)}`,
      fix: 'free a loopback port, or set VCD_URL to a real VCD',
    };
  }
  return {
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
  };
}

/** The VCD checks in order; each later check runs only when the ones it needs passed. */
class VcdDoctor {
  private readonly checks: DoctorCheck[] = [];
  private readonly inspector: VcdInspector;

  constructor(
    private readonly config: Config,
    private readonly cloud: VcdCloud,
    private readonly url: string,
    private readonly embedded: boolean,
  ) {
    this.inspector = cloud.inspector;
  }

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
      const negotiated = await this.inspector.negotiateVersion();
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
      const info = await this.inspector.connectionInfo();
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
    const orgs = await this.inspector.listOrgs();
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
      const vdc = await this.inspector.getVdc();
      return this.add({ name: 'VDC', status: 'ok', detail: `${vdc.name} (${vdc.href})` });
    } catch (error) {
      if (!(error instanceof VcdNotFoundError)) {
        throw error;
      }
      const visible = await this.inspector.listVdcNames().catch(() => []);
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
      await this.inspector.findCatalog();
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
    const available = await this.inspector.listOrgVdcNetworks();
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
    return (await edgeChecks(this.config, this.inspector)).map((line) => this.add(line)).every(Boolean);
  }
}

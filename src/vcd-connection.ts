/**
 * How `labbot start`, `reap` and `doctor` connect to VCD from the config: `createVcdCloud` is the one factory (the
 * embedded simulator when no VCD_URL is set; otherwise credentials, with the store's vault for a service account's
 * rotating token, and TLS from VCD_CA_FILE / VCD_INSECURE_TLS). Part of the composition root.
 */
import { type Config } from './config/config';
import { decodeSecretKey } from './config/load-config';
import { readCaFile } from './config/read-ca-file';
import { type Logger } from './labs/ports';
import { type LabbotDatabase } from './store/labbot-database';
import { KyselyRefreshTokenVault } from './store/kysely-refresh-token-vault';
import { VcdCloud, type VcdCloudOptions } from './vcd/vcd-cloud';
import { type VcdSim } from './vcdsim/vcd-sim';
import type * as VcdSimModule from './vcdsim/vcd-sim';

type RealVcd = Extract<Config['vcd'], { kind: 'real' }>;

export interface CreateVcdCloudOptions {
  logger: Logger;
  /** The store, where a service account's rotating token lives; required for one, unused otherwise. */
  database?: LabbotDatabase;
  /** Speed of the embedded simulator (when no VCD_URL is set); default the simulator's real-time pace. */
  simSpeedFactor?: number;
  /** Client tuning: doctor shortens timeouts and retries, tests inject time. */
  client?: Pick<VcdCloudOptions, 'requestTimeoutMs' | 'retryBudgetMs' | 'clock' | 'sleep'>;
}

/** A connected VCD client, the embedded simulator behind it if any, and how to release both. */
export interface VcdConnection {
  cloud: VcdCloud;
  simulator?: VcdSim;
  /** Logs out (so the session does not linger on VCD until its idle timeout), frees sockets, stops the simulator. */
  close(): Promise<void>;
}

/** The embedded simulator could not start (e.g. no loopback port): nothing else was set up. */
export class EmbeddedVcdError extends Error {
  constructor(cause: unknown) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
    this.name = 'EmbeddedVcdError';
  }
}

/**
 * The VCD client the config describes, for `labbot start` (compose-core.ts) and `labbot doctor` alike: the embedded
 * simulator when the config says simulated, the configured VCD otherwise.
 * @throws EmbeddedVcdError when the simulator cannot listen; ConfigError when VCD_CA_FILE cannot be read; Error when
 *   a service account has no store or LABBOT_SECRET_KEY is not a key. Nothing is left running when it throws.
 */
export async function createVcdCloud(config: Config, options: CreateVcdCloudOptions): Promise<VcdConnection> {
  const vcd = config.vcd;
  const logger = options.logger.child({ component: 'vcd' });
  const common = {
    org: vcd.org,
    vdc: vcd.vdc,
    catalog: vcd.catalog,
    networks: config.policy.networks,
    logger,
    ...options.client,
  };
  if (vcd.kind === 'simulated') {
    let sim: VcdSim;
    try {
      // Loaded only here: a bot against a real VCD never holds the simulator's modules in memory.
      const { startVcdSim } = lazy<typeof VcdSimModule>('./vcdsim/vcd-sim');
      sim = await startVcdSim({
        port: 0,
        ...(options.simSpeedFactor !== undefined ? { speedFactor: options.simSpeedFactor } : {}),
        org: vcd.org,
        vdc: vcd.vdc,
        catalog: vcd.catalog,
      });
    } catch (error) {
      throw new EmbeddedVcdError(error);
    }
    const cloud = new VcdCloud({
      ...common,
      url: sim.url,
      auth: { kind: 'token', apiToken: 'simulated-api-token' },
      simulated: true,
    });
    return { cloud, simulator: sim, close: closer(cloud, sim) };
  }
  const cloud = new VcdCloud({
    ...common,
    url: vcd.url,
    ...realVcdOptions(vcd, options.database, logger),
    simulated: false,
  });
  return { cloud, close: closer(cloud) };
}

function closer(cloud: VcdCloud, sim?: VcdSim): () => Promise<void> {
  return async () => {
    await cloud.logOut();
    cloud.close();
    await sim?.close();
  };
}

/** True when the login needs the store (a service account's token lives there). */
export function needsTokenStore(vcd: Config['vcd']): boolean {
  return vcd.kind === 'real' && vcd.auth.kind === 'token' && vcd.auth.tokenKind === 'service-account';
}

/**
 * The auth and TLS options of a real VCD. Warns loudly when certificate verification is off.
 * @throws ConfigError when VCD_CA_FILE cannot be read; Error when a service account has no database to keep its token.
 */
export function realVcdOptions(
  vcd: RealVcd,
  database: LabbotDatabase | undefined,
  logger: Logger,
): Pick<VcdCloudOptions, 'auth' | 'tls'> {
  if (vcd.tls.insecure) {
    logger.warn(
      { vcdUrl: vcd.url },
      'VCD_INSECURE_TLS=true: the VCD certificate is NOT verified; anyone on the network path can read the VCD ' +
        'credentials and change every answer. Set VCD_CA_FILE to the CA of the VCD certificate instead.',
    );
  }
  const tls = {
    ...(vcd.tls.caFile !== undefined ? { ca: readCaFile(vcd.tls.caFile) } : {}),
    ...(vcd.tls.insecure ? { insecure: true } : {}),
  };
  return { auth: realVcdAuth(vcd, database), tls };
}

function realVcdAuth(vcd: RealVcd, database: LabbotDatabase | undefined): VcdCloudOptions['auth'] {
  const auth = vcd.auth;
  if (auth.kind === 'password') {
    return { kind: 'password', user: auth.user, password: auth.password.reveal() };
  }
  if (auth.tokenKind === 'user') {
    return { kind: 'token', apiToken: auth.apiToken.reveal() };
  }
  if (database === undefined) {
    throw new Error('a service account token needs the store (it keeps the rotated token)');
  }
  const key = decodeSecretKey(auth.secretKey.reveal());
  if (key === undefined) {
    throw new Error('LABBOT_SECRET_KEY is not a 32-byte key');
  }
  const vault = new KyselyRefreshTokenVault(database, {
    id: `${vcd.url}#${vcd.org.toLowerCase()}`,
    configuredToken: auth.apiToken.reveal(),
    key,
    now: () => new Date(),
    ...(database.logger !== undefined ? { logger: database.logger } : {}),
  });
  return { kind: 'token', apiToken: auth.apiToken.reveal(), vault };
}

/**
 * A module loaded on first use rather than at start-up, so that what only some modes need stays out of the bot's
 * memory. `require`, not `import()`: the package is CommonJS and jest runs it as such.
 */
function lazy<T>(id: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberate lazy load, see above
  return require(id) as T;
}

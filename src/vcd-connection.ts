/**
 * How `labbot start`, `reap` and `doctor` connect to a real VCD from the config: credentials (with the store's vault for
 * a service account's rotating token) and TLS (VCD_CA_FILE, VCD_INSECURE_TLS). Part of the composition root.
 */
import { type Config } from './config/config';
import { decodeSecretKey } from './config/load-config';
import { readCaFile } from './config/read-ca-file';
import { type Logger } from './labs/ports';
import { type LabbotDatabase } from './store/labbot-database';
import { KyselyRefreshTokenVault } from './store/kysely-refresh-token-vault';
import { type VcdCloudOptions } from './vcd/vcd-cloud';

type RealVcd = Extract<Config['vcd'], { kind: 'real' }>;

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

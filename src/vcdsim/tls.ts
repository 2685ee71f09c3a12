/**
 * A self-signed certificate for `--tls`, made at start-up. Node's crypto makes keys but not X.509 certificates, and
 * labbot has no certificate library, so the simulator asks the `openssl` command line tool (present on Debian, macOS and
 * most CI images) and says so plainly when it is missing. Nothing is downloaded.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TlsMaterial {
  /** PEM private key. */
  readonly key: string;
  /** PEM certificate; clients trust it with `--cacert` or NODE_EXTRA_CA_CERTS. */
  readonly cert: string;
}

/**
 * Generates a key and a self-signed certificate valid for 30 days for localhost, 127.0.0.1, ::1 and `host`.
 *
 * @throws Error with the fix when `openssl` is not on PATH or fails.
 */
export function generateSelfSignedCertificate(host: string, openssl = 'openssl'): TlsMaterial {
  const dir = mkdtempSync(path.join(tmpdir(), 'vcdsim-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    const names = new Set(['DNS:localhost', 'IP:127.0.0.1', 'IP:::1']);
    names.add(/^[\d.]+$/.test(host) || host.includes(':') ? `IP:${host}` : `DNS:${host}`);
    try {
      execFileSync(
        openssl,
        [
          'req',
          '-x509',
          '-newkey',
          'rsa:2048',
          '-nodes',
          '-sha256',
          '-days',
          '30',
          '-subj',
          '/CN=vcdsim',
          '-addext',
          `subjectAltName=${[...names].join(',')}`,
          '-keyout',
          keyFile,
          '-out',
          certFile,
        ],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
    } catch (error) {
      const missing = (error as { code?: string }).code === 'ENOENT';
      throw new Error(
        missing
          ? 'vcdsim --tls needs the openssl command to make its self-signed certificate, and it is not on PATH. ' +
              'Install it (Debian: apt-get install openssl) or run without --tls.'
          : `openssl could not make a self-signed certificate: ${String((error as { stderr?: unknown }).stderr ?? error)}`,
        { cause: error },
      );
    }
    return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type TlsMaterial } from '../../src/vcdsim/tls';

/** A private CA and a server certificate it signed for 127.0.0.1 and localhost (as a company CA would issue). */
export interface TestCa {
  /** The CA certificate (PEM): what an operator puts in VCD_CA_FILE. */
  caPem: string;
  /** The server's key and certificate, for the simulator's `tls` option. */
  server: TlsMaterial;
}

/** Makes a CA and a leaf certificate with openssl (the simulator's --tls needs it too). */
export function makeTestCa(): TestCa {
  const dir = mkdtempSync(path.join(tmpdir(), 'labbot-test-ca-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  };
  try {
    openssl(
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-sha256',
      '-days',
      '2',
      '-subj',
      '/CN=labbot test CA',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout',
      file('ca.key'),
      '-out',
      file('ca.pem'),
    );
    openssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      '/CN=vcd.test',
      '-keyout',
      file('server.key'),
      '-out',
      file('server.csr'),
    );
    writeFileSync(file('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
    openssl(
      'x509',
      '-req',
      '-in',
      file('server.csr'),
      '-CA',
      file('ca.pem'),
      '-CAkey',
      file('ca.key'),
      '-CAcreateserial',
      '-days',
      '2',
      '-sha256',
      '-extfile',
      file('ext.cnf'),
      '-out',
      file('server.pem'),
    );
    return {
      caPem: readFileSync(file('ca.pem'), 'utf8'),
      server: {
        key: readFileSync(file('server.key'), 'utf8'),
        cert: readFileSync(file('server.pem'), 'utf8'),
      },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

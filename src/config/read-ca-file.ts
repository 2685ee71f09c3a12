import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

/**
 * Reads VCD_CA_FILE: PEM text holding at least one certificate.
 * @throws ConfigError when the file cannot be read or holds no PEM certificate.
 */
export function readCaFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([
      {
        key: 'VCD_CA_FILE',
        message: `cannot read ${path}: ${(error as Error).message}`,
        fix: 'point VCD_CA_FILE at a readable PEM file of the CA certificates VCD uses, or unset it',
      },
    ]);
  }
  if (!text.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ConfigError([
      {
        key: 'VCD_CA_FILE',
        message: `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
        fix: 'convert the CA to PEM, e.g. `openssl x509 -inform der -in ca.cer -out ca.pem`',
      },
    ]);
  }
  return text;
}

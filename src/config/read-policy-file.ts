import { readFileSync } from 'node:fs';
import { type PolicyFile } from './load-config';
import { ConfigError } from './config-error';
import { optionValue } from './options';

/**
 * Finds labbot.yml: LABBOT_CONFIG when set (it must exist), else ./labbot.yml when present, else undefined
 * (the built-in default).
 * @throws ConfigError when LABBOT_CONFIG names a file that cannot be read.
 */
export function readPolicyFile(env: Readonly<Record<string, string | undefined>>): PolicyFile | undefined {
  const explicit = env.LABBOT_CONFIG?.trim();
  const path = explicit || optionValue(env, 'LABBOT_CONFIG') || './labbot.yml';
  try {
    return { path, text: readFileSync(path, 'utf8') };
  } catch (error) {
    if (!explicit && (error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw new ConfigError([
      {
        key: 'LABBOT_CONFIG',
        message: `cannot read ${path}: ${(error as Error).message}`,
        fix: 'point LABBOT_CONFIG at a readable YAML file, or unset it for the built-in default',
      },
    ]);
  }
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/config/load-config';
import { ENV_OPTIONS } from '../../src/config/options';

/** The labbot.yml example in README.md must be a valid configuration: the README stays honest. */
describe('config/README example', () => {
  it('loads without problems', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');
    const yaml = /```yaml\n([\s\S]*?)```/.exec(readme)?.[1];

    expect(yaml).toBeDefined();
    const config = loadConfig({}, { path: 'README.md', text: yaml ?? '' });

    expect(config.policy.kinds.map((k) => k.name)).toEqual(['demo', 'repro']);
    expect(config.policy.reaper.mode).toBe('plan');
    expect(config.policy.schedule).toEqual({
      expectedDeployMinutes: 20,
      maxDaysAhead: 14,
      lateWarningMinutes: 10,
      defaultTimeZone: 'UTC',
    });
  });
});

describe('config/README variables', () => {
  it('documents every environment variable labbot reads', () => {
    const readme = readFileSync(path.resolve(__dirname, '../../README.md'), 'utf8');

    expect(ENV_OPTIONS.map((o) => o.name).filter((name) => !readme.includes(`\`${name}\``))).toEqual([]);
  });
});

import { type Config } from './config';

/**
 * The config as a plain object for one startup log line: secrets appear as `*** REDACTED ***` (Secret's
 * toJSON does it), and the policy is summarised rather than dumped.
 */
export function describeConfig(config: Config): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      slack: config.slack,
      vcd: config.vcd,
      database: config.database,
      logLevel: config.logLevel,
      policy: {
        source: config.policySource,
        templates: config.policy.templates.map((t) => t.key),
        kinds: config.policy.kinds.map((k) => k.name),
        admins: config.policy.admins.length,
      },
    }),
  ) as Record<string, unknown>;
}

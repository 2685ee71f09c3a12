/** One thing wrong with the configuration, and how to fix it. */
export interface ConfigProblem {
  /** Environment variable or YAML path, e.g. `SLACK_BOT_TOKEN` or `labbot.yml: kinds[0].maxLifetimeHours`. */
  key: string;
  message: string;
  fix: string;
}

/** Every configuration problem at once, so an operator fixes them in one go (DESIGN.md section 2). */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(formatProblems(problems));
  }
}

function formatProblems(problems: ConfigProblem[]): string {
  const lines = problems.map((p) => `  - ${p.key}: ${p.message}\n    fix: ${p.fix}`);
  return `labbot cannot start: ${problems.length} configuration problem${problems.length === 1 ? '' : 's'}\n${lines.join('\n')}`;
}

import { schedule as cronSchedule, validate } from 'node-cron';
import { ConfigError } from '../config/config-error';
import { causeChain } from '../labs/errors';
import { type Logger, type RunCoordinator } from '../labs/ports';

export interface ReaperSchedule {
  stop(): Promise<void>;
}

/**
 * Checks a cron expression before anything starts.
 * @throws ConfigError naming the bad expression and the fix.
 */
export function assertCronExpression(expression: string, key = 'labbot.yml: reaper.cron'): void {
  if (!validate(expression)) {
    throw new ConfigError([
      {
        key,
        message: `"${expression}" is not a cron expression`,
        fix: "use five fields, e.g. '*/5 * * * *' for every five minutes",
      },
    ]);
  }
}

/**
 * Runs `cycle` on the cron expression (the only node-cron user). No overlapping cycles; with several replicas
 * the run coordinator (backed by the store) elects one per tick, so a tick runs once in the whole deployment.
 * @throws ConfigError for an invalid expression.
 */
export function scheduleReaper(
  expression: string,
  cycle: () => Promise<unknown>,
  options: { coordinator: RunCoordinator; logger: Logger; name?: string; timeZone?: string },
): ReaperSchedule {
  assertCronExpression(expression);
  const task = cronSchedule(
    expression,
    async () => {
      try {
        await cycle();
      } catch (error) {
        options.logger.error({ causes: causeChain(error) }, 'reaper cycle failed; the next tick tries again');
      }
    },
    {
      name: options.name ?? 'labbot-reaper',
      noOverlap: true,
      distributed: true,
      runCoordinator: options.coordinator,
      ...(options.timeZone !== undefined ? { timezone: options.timeZone } : {}),
    },
  );
  return {
    async stop() {
      await task.destroy();
    },
  };
}

/**
 * What runs on a clock in `labbot start`, whatever the transport: the controller pass every minute, the idle reaper
 * on its cron and the daily digest. Each returns how to stop it.
 */
import { type Core } from '../compose-core';
import { type Config } from '../config/config';
import { type Logger } from '../labs/ports';
import { monthOf } from '../labs/billing';
import { digestReply } from '../reaper/digest';
import { type ReaperMessenger } from '../reaper/reaper-ports';
import { scheduleReaper } from '../reaper/schedule';
import { type Cleanup } from './running';

/** How often the controller reconciles with VCD and picks up labs a dead replica left behind. */
export const CONTROLLER_PASS_MS = 60_000;

/** The controller pass on a timer (one replica per minute reconciles; see Core.pass). */
export function startControllerPasses(core: Pick<Core, 'pass'>): Cleanup {
  const passTimer = setInterval(() => void core.pass(), CONTROLLER_PASS_MS);
  passTimer.unref();
  return () => {
    clearInterval(passTimer);
    return Promise.resolve();
  };
}

/** The reaper on its cron (one replica per tick), and the daily digest when an ops channel is configured. */
export function startReaperJobs(
  core: Pick<Core, 'reap' | 'store' | 'service' | 'clock'>,
  config: Config,
  logger: Logger,
  messenger: ReaperMessenger,
): Cleanup[] {
  const reaperLog = logger.child({ component: 'reaper' });
  const reaper = config.policy.reaper;
  const cycle = scheduleReaper(
    reaper.cron,
    async () => {
      const report = await core.reap(reaper.mode, messenger);
      reaperLog.info(
        { mode: report.mode, decisions: report.decisions.length, notified: report.notified.length },
        'reaper cycle done',
      );
    },
    { coordinator: core.store.runs, logger: reaperLog, name: 'labbot-reaper' },
  );
  const cleanups: Cleanup[] = [() => cycle.stop()];
  const channel = reaper.digestChannel;
  if (channel !== undefined) {
    const digest = scheduleReaper(
      reaper.digestCron,
      async () => {
        const labs = await core.service.history();
        const audit = await core.store.audit.list({ actor: 'reaper', limit: 1000 });
        const now = core.clock.now();
        const month = await core.store.ledger.intervals(monthOf(now).from, now);
        await messenger.post(channel, digestReply(labs, audit, now, config.policy.rates, month));
      },
      { coordinator: core.store.runs, logger: reaperLog, name: 'labbot-digest' },
    );
    cleanups.push(() => digest.stop());
  }
  return cleanups;
}

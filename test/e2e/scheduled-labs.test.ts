import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { composeCore, type Core } from '../../src/compose-core';
import { createCommandRunner } from '../../src/commands/run-command';
import { loadConfig } from '../../src/config/load-config';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock } from '../helpers/clock';
import { replyText } from '../helpers/reply-text';

/**
 * Issue 18 item 2 end to end: the real composition (store on disk, controller, passes) against the embedded VCD
 * simulator, with the clock moved by hand. A lab scheduled for 14:00 is not deployed before its deploy time, survives
 * a restart, is deployed by a pass once due and is ready before 14:00; a cancelled one never reaches VCD.
 */
describe('e2e: scheduled labs on the embedded simulator', () => {
  // Wednesday 2 December 2026, 09:00 UTC; the user is in Paris, so 14:00 is 13:00 UTC.
  const NOW = new Date('2026-12-02T09:00:00Z');
  const READY_BY = new Date('2026-12-02T13:00:00Z');
  const USER = { user: 'U_LOCAL', timeZone: 'Europe/Paris' };
  let dataDir: string;
  let clock: ManualClock;
  const logger = createSilentLogger();

  beforeEach(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'labbot-scheduled-'));
    clock = new ManualClock(NOW);
  });

  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(): Promise<{ core: Core; run: (text: string) => Promise<string> }> {
    const config = loadConfig({ LABBOT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    const core = await composeCore(config, logger, { simSpeedFactor: 500, clock });
    const runner = createCommandRunner({
      service: core.service,
      policy: config.policy,
      clock,
      random: Math.random,
      logger,
      simulated: true,
    });
    return { core, run: async (text) => replyText(await runner.run(text, USER)) };
  }

  async function vappNames(core: Core): Promise<string[]> {
    return (await core.cloud.listManagedVApps()).map((v) => v.name).sort();
  }

  it('deploys a scheduled lab once it is due, after a restart, ready by its time; a cancelled one never reaches VCD', async () => {
    const first = await start();
    const scheduled = await first.run('demo esxi8 ready by 14:00 for 2h');
    expect(scheduled).toContain('Scheduled: ready by Wed 2 Dec 14:00 CET');
    const id = /Lab (demo-[a-z0-9]+)/.exec(scheduled)?.[1] ?? '';
    const other = /Lab (demo-[a-z0-9]+)/.exec(await first.run('demo esxi8 at 14:30'))?.[1] ?? '';
    await first.core.pass();
    await first.core.controller.idle();
    expect(await vappNames(first.core)).toEqual([]);
    expect(await first.run('list')).toMatch(new RegExp(`${id}  scheduled, ready by Wed 2 Dec 14:00 CET`));
    await first.core.close();

    // Restarted: the schedule lives in the database.
    const second = await start();
    expect(await second.run(`cancel ${other}`)).toContain(`Lab ${other} is cancelled`);
    clock.advance(READY_BY.getTime() - NOW.getTime() - 22 * 60_000);
    await second.core.pass();
    await second.core.controller.idle();
    expect(await vappNames(second.core)).toEqual([]);

    // 13:39 UTC: 20 minutes (the default expected deploy time) and a pass before 14:00 in Paris.
    clock.advance(2 * 60_000);
    await second.core.pass();
    await second.core.controller.idle();
    expect(await vappNames(second.core)).toEqual([`lab-${id}`]);
    const lab = await second.core.store.labs.get(id);
    expect(lab).toMatchObject({ phase: 'ready', expiresAt: new Date('2026-12-02T15:00:00Z') });
    expect(lab?.readyAt?.getTime()).toBeLessThanOrEqual(READY_BY.getTime());
    expect(await second.core.store.labs.get(other)).toMatchObject({ phase: 'deleted' });
    await second.core.close();
  }, 60_000);
});

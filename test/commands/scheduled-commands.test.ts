import { createCommandRunner } from '../../src/commands/run-command';
import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabService } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { type DeployDuration } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from '../helpers/clock';
import { MemoryLabStore } from '../helpers/memory-lab-store';
import { replyText } from '../helpers/reply-text';

// Wednesday 2 December 2026, 09:00 UTC = 10:00 in Paris.
const NOW = new Date('2026-12-02T09:00:00Z');

function setup(policy: LabPolicy = DEFAULT_POLICY, history: DeployDuration[] = []) {
  const store = new MemoryLabStore();
  const clock = new ManualClock(NOW);
  const woken: string[] = [];
  const service = new LabService({
    store,
    waker: { wake: (id) => woken.push(id) },
    clock,
    random: sequenceRandom(),
    policy,
    deployHistory: { recentDeploys: () => Promise.resolve(history) },
  });
  const runner = createCommandRunner({
    service,
    policy,
    clock,
    random: sequenceRandom(),
    logger: createSilentLogger(),
    simulated: true,
  });
  return { store, clock, runner, woken };
}

const text = (reply: Reply): string => replyText(reply);
const PARIS = { user: 'U1', channel: 'C0LABS', timeZone: 'Europe/Paris' };

describe('scheduled labs through /lab commands (issue 18 item 2)', () => {
  it('schedules a demo for 14:00 in the caller’s time zone, learning the deploy time from recent deploys', async () => {
    const deploys = [8, 9, 10, 11, 12, 13, 14, 15, 16, 30].map((minutes, i) => ({
      labId: `demo-${i}`,
      minutes,
    }));
    const { runner, store } = setup(DEFAULT_POLICY, deploys);

    const reply = text(await runner.run('demo esxi8 ready by 14:00 for 2h', PARIS));

    const [lab] = await store.list({});
    expect(lab).toMatchObject({
      phase: 'scheduled',
      readyBy: new Date('2026-12-02T13:00:00Z'),
      // p90 of the ten deploys is 16 min, plus a pass: 12:43 UTC.
      deployAt: new Date('2026-12-02T12:43:00Z'),
      expiresAt: new Date('2026-12-02T15:00:00Z'),
    });
    expect(reply).toContain('Scheduled: ready by Wed 2 Dec 14:00 CET');
    expect(reply).toContain(
      'The deploy starts at Wed 2 Dec 13:43 CET (expected deploy time 16m (p90 of 10 recent deploys))',
    );
    expect(reply).toContain(`/lab cancel ${lab?.id ?? ''}`);
  });

  it('uses the configured default without a time zone or history, and says when it cannot make it', async () => {
    const { runner, store } = setup({
      ...DEFAULT_POLICY,
      schedule: {
        expectedDeployMinutes: 45,
        maxDaysAhead: 14,
        lateWarningMinutes: 10,
        defaultTimeZone: 'UTC',
      },
    });

    const reply = text(await runner.run('repro TICKET-9 at 9:30', { user: 'U1' }));

    expect(await store.list({})).toEqual([
      expect.objectContaining({
        phase: 'scheduled',
        deployAt: NOW,
        readyBy: new Date('2026-12-02T09:30:00Z'),
      }),
    ]);
    expect(reply).toContain(
      'expected to take 45m (default (0 recent deploys)): it starts now and may be a little late',
    );
  });

  it.each([
    ['demo at 9:00', /Cannot schedule the lab: 9:00 today has already passed; say `tomorrow 9:00`/],
    ['demo at 2026-12-30 09:00', /at most 14 days in advance/],
    ['demo at 2026-03-29 02:30', /has already passed|does not exist/],
    ['demo at 9', /is ambiguous/],
  ])('refuses %s with a clear message and schedules nothing', async (command, message) => {
    const { runner, store } = setup();
    expect(text(await runner.run(command, PARIS))).toMatch(message);
    expect(await store.list({ includeEnded: true })).toEqual([]);
  });

  it('lists a scheduled lab with its ready-by time in the caller’s zone', async () => {
    const { runner } = setup();
    await runner.run('demo at tomorrow 9:00', PARIS);

    expect(text(await runner.run('list', PARIS))).toMatch(
      /scheduled, ready by Thu 3 Dec 09:00 CET \(deploy starts Thu 3 Dec 08:39 CET\)/,
    );
    expect(text(await runner.run('list', { user: 'U1', timeZone: 'America/New_York' }))).toMatch(
      /ready by Thu 3 Dec 03:00 GMT-5/,
    );
  });

  it('cancels a scheduled lab, and refuses to cancel someone else’s or one already deploying', async () => {
    const { runner, store, woken } = setup();
    await runner.run('demo at 14:00', PARIS);
    const [lab] = await store.list({});
    const id = lab?.id ?? '';

    expect(text(await runner.run(`cancel ${id}`, { user: 'U2' }))).toMatch(/belongs to someone else/);
    expect(text(await runner.run(`cancel ${id}`, PARIS))).toMatch(
      new RegExp(`Lab ${id} is cancelled: nothing had been deployed, so nothing was billed`),
    );
    expect(await store.get(id)).toMatchObject({ desired: 'deleted', phase: 'scheduled' });
    expect(woken).toEqual([id, id]);

    await runner.run('demo', PARIS);
    const deploying = (await store.list({})).find((l) => l.phase === 'requested');
    expect(text(await runner.run(`cancel ${deploying?.id ?? ''}`, PARIS))).toMatch(
      /is not waiting to deploy.*\/lab teardown/,
    );
  });

  it('counts a scheduled lab against the owner’s limits at once', async () => {
    const { runner } = setup({
      ...DEFAULT_POLICY,
      limits: { maxLabsPerUser: 1, maxHourlySpendPerUser: 1000 },
    });
    await runner.run('demo at 14:00', PARIS);
    expect(text(await runner.run('demo at 15:00', PARIS))).toMatch(/You already have 1 live labs/);
  });
});

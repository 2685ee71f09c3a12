import { type Reply } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { createSilentLogger } from '../../src/observability/logger';
import { type ClassHours, followClassSchedule } from '../../src/reaper/class-schedule';
import { type ReapDecision } from '../../src/reaper/plan-reap';
import { type ReaperMessenger } from '../../src/reaper/reaper-ports';
import { runReapCycle } from '../../src/reaper/run-reap-cycle';
import { ManualClock } from '../helpers/clock';
import { wireCore } from '../helpers/core';
import { MemorySignals } from '../helpers/memory-claims';
import { replyText } from '../helpers/reply-text';

const START = new Date('2026-11-24T09:00:00Z');
const HOURS: ClassHours = {
  className: 'vsphere-101',
  trainer: 'U0TRAINER',
  startsAt: START,
  endsAt: new Date(START.getTime() + 3 * 3_600_000),
};

describe('reaper/class-schedule', () => {
  describe('followClassSchedule', () => {
    const idleWarn: ReapDecision = {
      labId: 'class-a',
      kind: 'warn',
      cause: 'idle',
      reason: 'idle 65 min',
      actAfter: START,
    };
    const expiring: ReapDecision = {
      labId: 'class-a',
      kind: 'warn',
      cause: 'expiring',
      reason: 'expires soon',
      actAfter: START,
    };
    const classes = new Map([['class-a', HOURS]]);

    it.each([
      ['in session: an idle warning becomes keep', idleWarn, 60, 'keep'],
      ['after the end: the idle warning stands', idleWarn, 181, 'warn'],
      ['in session: an expiry warning stands (the lab really ends)', expiring, 60, 'warn'],
    ])('%s', (_name, decision, minutes, kind) => {
      const now = new Date(START.getTime() + minutes * 60_000);
      expect(followClassSchedule([decision], classes, now)[0]?.kind).toBe(kind);
    });

    it('says why it kept a lab', () => {
      const [kept] = followClassSchedule([idleWarn], classes, new Date(START.getTime() + 3_600_000));
      expect(kept).toEqual({
        labId: 'class-a',
        kind: 'keep',
        reason: 'idle 65 min; class vsphere-101 is in session until 12:00 UTC',
      });
    });

    it('leaves labs of no class alone', () => {
      expect(followClassSchedule([idleWarn], new Map(), START)).toEqual([idleWarn]);
    });
  });

  it('warns no student during class hours, and after the end sends the trainer one message per cycle, not one per student', async () => {
    let seed = 3;
    const policy = { ...DEFAULT_POLICY, limits: { maxLabsPerUser: 5, maxHourlySpendPerUser: 100 } };
    const { store, cloud, clock, audit, controller, service } = wireCore({
      clock: new ManualClock(START),
      policy,
      random: () => (seed = (seed * 16807) % 2147483647) / 2147483647,
    });
    const signals = new MemorySignals();
    const dms: { user: string; reply: Reply }[] = [];
    const messenger: ReaperMessenger = {
      dm: (user, reply) => {
        dms.push({ user, reply });
        return Promise.resolve();
      },
      post: () => Promise.resolve(),
    };
    const labs: Lab[] = [];
    for (const student of ['U0S1', 'U0S2', 'U0S3']) {
      labs.push((await service.deploy({ user: student, kind: 'class', template: 'esxi8' })).lab);
    }
    await controller.idle();
    for (const lab of labs) {
      cloud.cpu.set((await store.get(lab.id))!.vappHref!, 1);
    }
    const classHours = (ids: readonly string[]) =>
      Promise.resolve(new Map(ids.filter((id) => labs.some((l) => l.id === id)).map((id) => [id, HOURS])));
    const cycles = async (minutes: number) => {
      for (let m = 0; m < minutes; m += 5) {
        clock.advance(5 * 60_000);
        await runReapCycle(
          {
            store,
            signals,
            cloud,
            waker: controller,
            messenger,
            clock,
            policy,
            logger: createSilentLogger(),
            audit,
            installationId: 'install-test',
            classHours,
          },
          'enforce',
        );
        await controller.idle();
      }
    };

    await cycles(175);
    expect(dms).toEqual([]);

    await cycles(60);
    expect(dms.map((d) => [d.user, d.reply.title])).toEqual([
      ['U0TRAINER', 'Class vsphere-101 has ended: 3 labs warned, 0 cleaned up'],
      ['U0TRAINER', 'Class vsphere-101 has ended: 0 labs warned, 3 cleaned up'],
    ]);
    const first = replyText(dms[0]!.reply);
    for (const lab of labs) {
      expect(first).toContain(lab.id);
    }
    expect(first).toContain('/lab class extend vsphere-101 2h');
  });
});

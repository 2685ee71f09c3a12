/**
 * The reaper's cron wiring (reaper/schedule.ts) with node-cron's `schedule` replaced by a recorder (its `validate`
 * stays real): what is asked of node-cron, a failing cycle logged rather than thrown, stop, and bad expressions.
 * Also ticketClosedReason (reaper/ticket-closed.ts).
 */
import type * as NodeCron from 'node-cron';
import { ConfigError } from '../../src/config/config-error';
import { type RunCoordinator } from '../../src/labs/ports';
import { assertCronExpression, scheduleReaper } from '../../src/reaper/schedule';
import { ticketClosedReason } from '../../src/reaper/ticket-closed';
import { messagesAt, recordingLogger } from '../helpers/logger';

interface Scheduled {
  expression: string;
  run: () => Promise<void>;
  options: Record<string, unknown>;
  destroyed: number;
}

const scheduled: Scheduled[] = [];

jest.mock('node-cron', () => {
  const actual = jest.requireActual<typeof NodeCron>('node-cron');
  return {
    ...actual,
    schedule: (expression: string, run: () => Promise<void>, options: Record<string, unknown>) => {
      const entry: Scheduled = { expression, run, options, destroyed: 0 };
      scheduled.push(entry);
      return {
        destroy: () => {
          entry.destroyed++;
          return Promise.resolve();
        },
      };
    },
  };
});

const coordinator: RunCoordinator = { shouldRun: () => Promise.resolve(true) };

beforeEach(() => {
  scheduled.length = 0;
});

describe('scheduleReaper', () => {
  it('schedules one named, non-overlapping, distributed task on the coordinator', () => {
    scheduleReaper('*/5 * * * *', () => Promise.resolve(), { coordinator, logger: recordingLogger() });

    expect(scheduled).toHaveLength(1);
    expect(scheduled[0]?.expression).toBe('*/5 * * * *');
    // Strictly: no `timezone` key at all without a time zone (not one set to undefined).
    expect(scheduled[0]?.options).toStrictEqual({
      name: 'labbot-reaper',
      noOverlap: true,
      distributed: true,
      runCoordinator: coordinator,
    });
  });

  it('takes a name and a time zone', () => {
    scheduleReaper('0 9 * * *', () => Promise.resolve(), {
      coordinator,
      logger: recordingLogger(),
      name: 'labbot-digest',
      timeZone: 'Europe/Berlin',
    });

    expect(scheduled[0]?.options).toMatchObject({ name: 'labbot-digest', timezone: 'Europe/Berlin' });
  });

  it('runs the cycle on a tick; a failing cycle is logged and the tick ends normally', async () => {
    const logger = recordingLogger();
    let runs = 0;
    scheduleReaper(
      '*/5 * * * *',
      () => {
        runs++;
        return runs === 1 ? Promise.resolve('ok') : Promise.reject(new Error('store down'));
      },
      { coordinator, logger },
    );
    const tick = scheduled[0]?.run;

    await tick?.();
    expect(messagesAt(logger, 'error')).toEqual([]);
    await expect(tick?.()).resolves.toBeUndefined();
    expect(runs).toBe(2);
    expect(messagesAt(logger, 'error')).toEqual(['reaper cycle failed; the next tick tries again']);
    expect(logger.lines[0]?.fields['causes']).toEqual(
      expect.arrayContaining([expect.stringContaining('store down')]),
    );
  });

  it('stop destroys the task', async () => {
    const schedule = scheduleReaper('*/5 * * * *', () => Promise.resolve(), {
      coordinator,
      logger: recordingLogger(),
    });

    await schedule.stop();
    expect(scheduled[0]?.destroyed).toBe(1);
  });

  it('refuses a bad expression before scheduling anything', () => {
    expect(() =>
      scheduleReaper('every five minutes', () => Promise.resolve(), {
        coordinator,
        logger: recordingLogger(),
      }),
    ).toThrow(ConfigError);
    expect(scheduled).toEqual([]);
  });
});

describe('assertCronExpression', () => {
  it('names the key, the expression and the fix', () => {
    let error: unknown;
    try {
      assertCronExpression('61 * * * *');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      {
        key: 'labbot.yml: reaper.cron',
        message: '"61 * * * *" is not a cron expression',
        fix: "use five fields, e.g. '*/5 * * * *' for every five minutes",
      },
    ]);
  });

  it('uses the key it is given, and accepts a valid expression', () => {
    expect(() => assertCronExpression('nope', 'labbot.yml: reaper.digestCron')).toThrow(
      /labbot\.yml: reaper\.digestCron: "nope" is not a cron expression/,
    );
    expect(() => assertCronExpression('0 9 * * 1-5')).not.toThrow();
  });
});

describe('ticketClosedReason', () => {
  it('says which ticket closed and when, to the minute in UTC', () => {
    expect(
      ticketClosedReason({ ticket: 'ABC-12', ticketClosedAt: new Date('2026-12-02T09:05:59.999Z') }),
    ).toBe('ticket ABC-12 was resolved or closed at 2026-12-02 09:05 UTC');
  });

  it('is undefined without a ticket or while the ticket is open', () => {
    expect(ticketClosedReason({ ticketClosedAt: new Date('2026-12-02T09:05:00Z') })).toBeUndefined();
    expect(ticketClosedReason({ ticket: 'ABC-12' })).toBeUndefined();
    expect(ticketClosedReason({})).toBeUndefined();
  });
});

/**
 * The reaper and classes (reaper/class-schedule.ts) at its edges: class hours from the first instant of the start to
 * just before the end, which idle decisions a session turns into `keep` (warn, act and defer; never other causes), who
 * gets the notice about a class lab, and the trainer's message word for word.
 */
import { type Lab } from '../../src/labs/lab';
import { type Rates } from '../../src/labs/policy';
import {
  type ClassHours,
  classNotice,
  followClassSchedule,
  inClassHours,
  noticeRecipient,
} from '../../src/reaper/class-schedule';
import { type ReapDecision } from '../../src/reaper/plan-reap';
import { type Noticed } from '../../src/reaper/reaper-replies';
import { minimalLab } from '../helpers/labs';

const START = new Date('2026-11-24T09:00:00Z');
const END = new Date('2026-11-24T12:30:00Z');
const HOURS: ClassHours = { className: 'vsphere-101', trainer: 'U0TRAINER', startsAt: START, endsAt: END };
const CLASSES = new Map([['class-a', HOURS]]);
const ms = (d: Date, delta: number) => new Date(d.getTime() + delta);
const IN_SESSION = ms(START, 60 * 60_000);
// $2/h compute (2 vCPUs), $1/h storage (730 GB at $1 a month).
const RATES: Rates = { vcpuHour: 1, memoryGbHour: 0, storageGbMonth: 1 };

describe('reaper/class-schedule at its edges', () => {
  describe('inClassHours', () => {
    it.each([
      ['a millisecond before the start', ms(START, -1), false],
      ['at the start', START, true],
      ['a millisecond before the end', ms(END, -1), true],
      ['at the end', END, false],
    ])('%s: %s', (_name, now, expected) => {
      expect(inClassHours(HOURS, now)).toBe(expected);
    });
  });

  describe('followClassSchedule', () => {
    const idle = {
      warn: { labId: 'class-a', kind: 'warn', cause: 'idle', reason: 'idle 65 min', actAfter: END },
      act: { labId: 'class-a', kind: 'act', cause: 'idle', action: 'suspend', reason: 'idle 95 min' },
      defer: {
        labId: 'class-a',
        kind: 'defer',
        cause: 'idle',
        action: 'delete',
        reason: 'idle 95 min, deferred',
      },
    } satisfies Record<string, ReapDecision>;

    it.each(Object.entries(idle))(
      'in session, an idle %s becomes keep, with the class and its end',
      (_kind, d) => {
        expect(followClassSchedule([d], CLASSES, IN_SESSION)).toEqual([
          {
            labId: 'class-a',
            kind: 'keep',
            reason: `${d.reason}; class vsphere-101 is in session until 12:30 UTC`,
          },
        ]);
      },
    );

    it.each([
      ['before the start', ms(START, -1)],
      ['at the end', END],
    ])('%s, an idle act is left as planned', (_name, now) => {
      expect(followClassSchedule([idle.act], CLASSES, now)).toEqual([idle.act]);
    });

    it.each<ReapDecision>([
      { labId: 'class-a', kind: 'act', cause: 'expired', action: 'delete', reason: 'expired' },
      { labId: 'class-a', kind: 'defer', cause: 'expired', action: 'delete', reason: 'expired, deferred' },
      { labId: 'class-a', kind: 'unwarn', reason: 'in use again' },
      { labId: 'class-a', kind: 'keep', reason: 'in use' },
    ])('in session, a decision not for idleness is left as planned: $kind, $reason', (d) => {
      expect(followClassSchedule([d], CLASSES, IN_SESSION)).toEqual([d]);
    });

    it('keeps only the labs of a class in session, in the order planned', () => {
      const other = { ...idle.warn, labId: 'demo-b' };
      expect(
        followClassSchedule([other, idle.warn], CLASSES, IN_SESSION).map((d) => [d.labId, d.kind]),
      ).toEqual([
        ['demo-b', 'warn'],
        ['class-a', 'keep'],
      ]);
    });
  });

  describe('noticeRecipient', () => {
    const classLab = minimalLab({ id: 'class-a', kind: 'class' });

    it.each([
      ['in session: the owner', ms(END, -1), {}],
      ['at the end: the trainer', END, { trainerOf: HOURS }],
      ['after the end: the trainer', ms(END, 60_000), { trainerOf: HOURS }],
    ])('%s', (_name, now, expected) => {
      expect(noticeRecipient(classLab, CLASSES, now)).toEqual(expected);
    });

    it('the owner of a lab of no class', () => {
      expect(noticeRecipient(minimalLab({ id: 'demo-b' }), CLASSES, ms(END, 60_000))).toEqual({});
    });
  });

  describe('classNotice', () => {
    const NOW = ms(END, 30 * 60_000);
    /** An hour old, on for half of it: $1 storage + $1 compute = $2.00 so far. */
    const lab = (id: string, owner: string): Lab =>
      minimalLab({
        id,
        owner,
        kind: 'class',
        phase: 'ready',
        spec: { vcpus: 2, memoryGb: 0, storageGb: 730 },
        createdAt: ms(NOW, -60 * 60_000),
        poweredOnMs: 30 * 60_000,
      });
    const warned = (id: string, owner: string): Noticed => ({
      lab: lab(id, owner),
      decision: { labId: id, kind: 'warn', cause: 'idle', reason: 'idle 65 min', actAfter: NOW },
    });
    const acted = (id: string, owner: string, action: 'suspend' | 'delete'): Noticed => ({
      lab: lab(id, owner),
      decision: { labId: id, kind: 'act', cause: 'idle', action, reason: 'idle 95 min' },
    });
    const CONTEXT = {
      type: 'context',
      text: [
        'Class vsphere-101 ended at 12:30 UTC. `/lab class extend vsphere-101 2h` keeps every lab longer; `/lab class teardown vsphere-101` ends them all now.',
      ],
    };

    it('lists warned labs first, then the labs acted on, each with its student, words and cost', () => {
      const reply = classNotice(
        HOURS,
        [acted('class-c', 'U0S3', 'delete'), warned('class-a', 'U0S1'), acted('class-b', 'U0S2', 'suspend')],
        NOW,
        RATES,
      );
      expect(reply).toEqual({
        visibility: 'ephemeral',
        tone: 'info',
        title: 'Class vsphere-101 has ended: 1 lab warned, 2 cleaned up',
        sections: [
          {
            type: 'list',
            items: [
              [{ user: 'U0S1' }, '  ', { code: 'class-a' }, '  warned: idle 65 min ($2.00)'],
              [{ user: 'U0S3' }, '  ', { code: 'class-c' }, '  deleted: idle 95 min ($2.00)'],
              [{ user: 'U0S2' }, '  ', { code: 'class-b' }, '  suspended: idle 95 min ($2.00)'],
            ],
          },
          CONTEXT,
        ],
      });
    });

    it('with warnings only: plural labs, in progress', () => {
      const reply = classNotice(HOURS, [warned('class-a', 'U0S1'), warned('class-b', 'U0S2')], NOW, RATES);
      expect([reply.tone, reply.title]).toEqual([
        'progress',
        'Class vsphere-101 has ended: 2 labs warned, 0 cleaned up',
      ]);
    });

    it('with one lab acted on and none warned: "0 labs", done', () => {
      const reply = classNotice(HOURS, [acted('class-a', 'U0S1', 'suspend')], NOW, RATES);
      expect([reply.tone, reply.title]).toEqual([
        'info',
        'Class vsphere-101 has ended: 0 labs warned, 1 cleaned up',
      ]);
    });
  });
});

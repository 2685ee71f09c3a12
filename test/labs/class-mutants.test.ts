import {
  CLASS_NAME_PATTERN,
  classLimitRefusal,
  currentLabIds,
  DuplicateClassError,
  liveLabs,
  rosterRows,
  type ClassSeat,
} from '../../src/labs/class';
import { type Lab } from '../../src/labs/lab';
import { labIn, minimalLab } from '../helpers/labs';

/** The class's pure rules (src/labs/class.ts): its limit check, its roster's figures and its current labs. */
describe('labs/class', () => {
  // Round figures: a 2 vCPU, 4 GB, 73 GB lab is $2 + $2 = $4/h on, $0.10/h suspended.
  const rates = { vcpuHour: 1, memoryGbHour: 0.5, storageGbMonth: 1 };
  const spec = { vcpus: 2, memoryGb: 4, storageGb: 73 };
  const full = 4.1;
  const limits = { maxLabsPerUser: 1, maxHourlySpendPerUser: 20, maxStudentsPerClass: 3 };
  const lab = (id: string, overrides: Partial<Lab> = {}): Lab => minimalLab({ id, spec, ...overrides });

  describe('classLimitRefusal', () => {
    const judge = (input: Partial<Parameters<typeof classLimitRefusal>[0]>) =>
      classLimitRefusal({
        trainerLabs: [],
        classLabs: [],
        studentsAfter: 1,
        addedHourly: 0,
        limits,
        rates,
        ...input,
      });

    it('lets a class of exactly the most students in, and refuses one more, saying how many', () => {
      expect(judge({ studentsAfter: 3 })).toBeUndefined();
      expect(judge({ studentsAfter: 4 })).toEqual({
        detail: 'students per class limit 3',
        message: 'A class may have at most 3 students; this one would have 4. Split it into two classes.',
      });
    });

    it('holds a class to 30 students when the limits do not say', () => {
      const { maxStudentsPerClass: _unset, ...noMax } = limits;
      expect(judge({ limits: noMax, studentsAfter: 30 })).toBeUndefined();
      expect(judge({ limits: noMax, studentsAfter: 31 })?.detail).toBe('students per class limit 30');
    });

    it('counts the trainer’s labs and the class’s live labs at their committed rate, with what is added', () => {
      // 4.1 (running) + 0.1 (suspended) + 0 (being deleted) + 0 (failed) + 15 added = 19.2: fits under 20.
      const trainerLabs = [lab('own-1'), lab('own-2', { desired: 'suspended' })];
      const classLabs = [lab('cls-1', { desired: 'deleted' }), labIn('failed', { id: 'cls-2', spec })];
      expect(judge({ trainerLabs, classLabs, addedHourly: 15 })).toBeUndefined();
      // One more running class lab: 23.3, over.
      expect(judge({ trainerLabs, classLabs: [...classLabs, lab('cls-3')], addedHourly: 15 })).toEqual({
        detail: 'hourly spend limit 20 (class)',
        message:
          'That would bring your labs and classes to $23.30/h, over the $20.00/h limit per person (a class counts against its trainer). Tear down a lab or a class first, or ask an admin.',
      });
    });

    it('lets spend of exactly the limit in', () => {
      expect(judge({ classLabs: [lab('cls-1')], addedHourly: 20 - full })).toBeUndefined();
      expect(judge({ classLabs: [lab('cls-1')], addedHourly: 20 - full + 0.01 })?.detail).toBe(
        'hourly spend limit 20 (class)',
      );
    });

    it('ignores the trainer’s lab count limit: a class is not the trainer’s own lab', () => {
      expect(judge({ trainerLabs: [lab('own-1'), lab('own-2')], studentsAfter: 2 })).toBeUndefined();
    });

    it('refuses for the class size before looking at spend', () => {
      expect(judge({ studentsAfter: 4, addedHourly: 1000 })?.detail).toBe('students per class limit 3');
    });
  });

  describe('rosterRows', () => {
    const now = new Date('2025-03-04T07:06:07.089Z');
    const seat = (student: string, labId: string, replaces?: string): ClassSeat => ({
      className: 'vsphere-101',
      student,
      labId,
      createdAt: new Date('2025-03-04T05:06:07.089Z'),
      ...(replaces !== undefined ? { replaces } : {}),
    });
    // Created 2 hours before `now`, never powered on: 120 minutes of storage at $0.10/h = $0.20 each.
    const storageOnly = 0.2;

    it('gives one row per student in seating order, with their current lab and what all their labs cost', () => {
      const first = labIn('failed', { id: 'cls-a1', spec, endedAt: new Date('2025-03-04T06:06:07.089Z') });
      const second = lab('cls-a2', { phase: 'ready' });
      const bob = lab('cls-b1');
      const { rows, total } = rosterRows(
        [seat('U_ALICE', 'cls-a1'), seat('U_BOB', 'cls-b1'), seat('U_ALICE', 'cls-a2', 'cls-a1')],
        [second, bob, first],
        now,
        rates,
      );
      expect(rows).toEqual([
        {
          student: 'U_ALICE',
          lab: second,
          replaced: true,
          failedTwice: false,
          cost: expect.closeTo(0.1 + storageOnly, 10) as number,
        },
        {
          student: 'U_BOB',
          lab: bob,
          replaced: false,
          failedTwice: false,
          cost: expect.closeTo(storageOnly, 10) as number,
        },
      ]);
      expect(total).toBeCloseTo(0.1 + 2 * storageOnly, 10);
    });

    it('marks a student whose replacement failed too', () => {
      const { rows } = rosterRows(
        [seat('U_ALICE', 'cls-a1'), seat('U_ALICE', 'cls-a2', 'cls-a1')],
        [labIn('failed', { id: 'cls-a1' }), labIn('failed', { id: 'cls-a2' })],
        now,
        rates,
      );
      expect(rows.map((r) => [r.replaced, r.failedTwice])).toEqual([[true, true]]);
    });

    it('does not call a first lab that failed "failed twice"', () => {
      const { rows } = rosterRows(
        [seat('U_ALICE', 'cls-a1')],
        [labIn('failed', { id: 'cls-a1' })],
        now,
        rates,
      );
      expect(rows[0]).toMatchObject({ replaced: false, failedTwice: false });
    });

    it('keeps a row, without a lab and at no cost, for a seat whose lab is gone from the store', () => {
      const { rows, total } = rosterRows([seat('U_ALICE', 'cls-gone')], [], now, rates);
      expect(rows).toEqual([{ student: 'U_ALICE', replaced: false, failedTwice: false, cost: 0 }]);
      expect(rows[0]).not.toHaveProperty('lab');
      expect(total).toBe(0);
    });
  });

  describe('currentLabIds', () => {
    it('is each student’s last seat, in the order students were first seated', () => {
      const seats = ['a1:U_A', 'b1:U_B', 'a2:U_A'].map((s) => {
        const [labId = '', student = ''] = s.split(':');
        return { className: 'c', student, labId, createdAt: new Date(0) };
      });
      expect(currentLabIds(seats)).toEqual(['a2', 'b1']);
    });
  });

  describe('liveLabs', () => {
    it('leaves out ended labs and labs being torn down', () => {
      const labs = [
        lab('keep-1'),
        lab('keep-2', { desired: 'suspended' }),
        lab('gone-1', { desired: 'deleted' }),
        labIn('deleted', { id: 'gone-2' }),
        labIn('failed', { id: 'gone-3' }),
      ];
      expect(liveLabs(labs).map((l) => l.id)).toEqual(['keep-1', 'keep-2']);
    });
  });

  it('names a class like a template key', () => {
    expect(['a', 'vsphere-101', '9', 'a'.repeat(32)].filter((n) => CLASS_NAME_PATTERN.test(n))).toHaveLength(
      4,
    );
    expect(['', '-a', 'A', 'a_b', 'a'.repeat(33), 'x vsphere'].some((n) => CLASS_NAME_PATTERN.test(n))).toBe(
      false,
    );
  });

  it('says which class name is taken', () => {
    const error = new DuplicateClassError('vsphere-101');
    expect([error.name, error.message, error.className]).toEqual([
      'DuplicateClassError',
      'a class named vsphere-101 exists',
      'vsphere-101',
    ]);
  });
});

describe('labs/class rosterRows, a replacement gone from the store', () => {
  it('shows the student without a lab, replaced but not failed twice', () => {
    const seats: ClassSeat[] = [
      { className: 'c', student: 'U_A', labId: 'cls-a1', createdAt: new Date(0) },
      { className: 'c', student: 'U_A', labId: 'cls-a2', replaces: 'cls-a1', createdAt: new Date(0) },
    ];
    const rates = { vcpuHour: 1, memoryGbHour: 1, storageGbMonth: 1 };
    const { rows } = rosterRows(seats, [labIn('failed', { id: 'cls-a1' })], new Date(0), rates);
    expect(rows.map((r) => [r.student, r.replaced, r.failedTwice, 'lab' in r])).toEqual([
      ['U_A', true, false, false],
    ]);
  });
});

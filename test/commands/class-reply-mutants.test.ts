/**
 * What `/lab class …` answers and the class roster (commands/class-reply.ts), with the exact words of each branch:
 * a student without a lab, a lab replaced once or failed twice, where a lab is reached, singular and plural.
 */
import {
  classActionReply,
  classCreatedReply,
  classListReply,
  rosterReply,
} from '../../src/commands/class-reply';
import { type LabViewContext } from '../../src/commands/lab-reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type ClassSeat, type Classroom } from '../../src/labs/class';
import { type Lab, type NicInfo } from '../../src/labs/lab';
import { labIn } from '../helpers/labs';

const NOW = new Date('2026-11-24T10:00:00Z');
const context: LabViewContext = { now: NOW, rates: DEFAULT_POLICY.rates, simulated: false };

const classroom: Classroom = {
  name: 'vsphere-101',
  trainer: 'U0TRAINER',
  template: 'esxi8',
  startsAt: new Date('2026-11-24T09:00:00Z'),
  endsAt: new Date('2026-11-24T12:30:00Z'),
  createdAt: new Date('2026-11-24T09:00:00Z'),
};

/** A class lab created at 9:00 and powered on for an hour: 6 vCPU and 10 GB bill $0.195/h, so $0.20 so far. */
function classLab(id: string, phase: Lab['phase'], overrides: Partial<Lab> = {}): Lab {
  return labIn(phase, {
    id,
    kind: 'class',
    owner: `U_${id}`,
    createdAt: new Date('2026-11-24T09:00:00Z'),
    expiresAt: new Date('2026-11-24T12:30:00Z'),
    spec: { vcpus: 6, memoryGb: 10, storageGb: 0 },
    poweredOnMs: 3600_000,
    ...overrides,
  });
}

function seat(student: string, labId: string, replaces?: string): ClassSeat {
  return {
    className: classroom.name,
    student,
    labId,
    ...(replaces !== undefined ? { replaces } : {}),
    createdAt: new Date('2026-11-24T09:00:00Z'),
  };
}

function nic(ipAddress?: string): NicInfo {
  return {
    index: 0,
    network: 'Management',
    mac: '00:50:56:00:00:01',
    connected: true,
    ...(ipAddress !== undefined ? { ipAddress } : {}),
  };
}

describe('commands/class-reply: the roster', () => {
  it('lists each student with their lab, state, address and cost, then the class total', () => {
    const ready = classLab('class-a', 'ready', {
      network: {
        edge: 'edge-01',
        esxiVms: [],
        nicsConfigured: true,
        publicIp: '203.0.113.20',
        rulesApplied: true,
        access: [],
        released: false,
      },
    });
    const deploying = classLab('class-b', 'deploying', {
      vms: [
        {
          name: 'esxi',
          href: 'h',
          powerState: 'powered_on',
          cpus: 1,
          memoryMb: 1024,
          nics: [nic(), nic('10.0.0.7')],
        },
      ],
    });
    const reply = rosterReply(
      classroom,
      [seat('U1', 'class-a'), seat('U2', 'class-b'), seat('U3', 'class-gone')],
      [ready, deploying],
      context,
    );

    expect(reply.visibility).toBe('channel');
    expect(reply.tone).toBe('info');
    expect(reply.title).toBe('Class vsphere-101: 1 of 3 labs ready, $0.39 so far');
    expect(reply.sections).toEqual([
      {
        type: 'text',
        text: ['Trainer ', { user: 'U0TRAINER' }, ' · template esxi8 · 2026-11-24 09:00 to 12:30 UTC'],
      },
      {
        type: 'list',
        items: [
          [{ user: 'U1' }, '  ', { code: 'class-a' }, '  ready', '  at 203.0.113.20', '  $0.20'],
          [{ user: 'U2' }, '  ', { code: 'class-b' }, '  deploying…', '  at 10.0.0.7', '  $0.20'],
          [{ user: 'U3' }, '  no lab'],
        ],
      },
      {
        type: 'context',
        text: [
          "Class total $0.39 so far. Students: your lab's access details are in your DM from labbot. Trainer: `/lab class extend|suspend|resume|teardown vsphere-101` acts on every lab; `/lab class add vsphere-101 @user` seats a latecomer.",
        ],
      },
    ]);
  });

  it('says a class was torn down, that it has no students yet, and that the cloud is simulated', () => {
    const reply = rosterReply({ ...classroom, endedAt: NOW }, [], [], { ...context, simulated: true });
    expect(reply.title).toBe('Class vsphere-101: 0 of 0 labs ready, $0.00 so far');
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [
        'Trainer ',
        { user: 'U0TRAINER' },
        ' · template esxi8 · 2026-11-24 09:00 to 12:30 UTC · torn down',
      ],
    });
    expect(reply.sections[1]).toEqual({ type: 'text', text: ['No students yet.'] });
    const [context_] = reply.sections.slice(2);
    expect(context_?.type === 'context' ? context_.text[0] : '').toMatch(
      / seats a latecomer\. Simulated VCD: nothing real is deployed\.$/,
    );
  });

  it('says a lab is being replaced, is a replacement, or failed twice and is not retried', () => {
    const failed = classLab('class-a', 'failed', { failureReason: 'quota exceeded' });
    const failedNoReason = classLab('class-c', 'failed');
    const replacement = classLab('class-a2', 'ready');
    const failedAgain = classLab('class-b2', 'failed', { failureReason: 'no capacity' });
    const failedAgainNoReason = classLab('class-d2', 'failed');
    const reply = rosterReply(
      classroom,
      [
        seat('U1', 'class-a'),
        seat('U1', 'class-a2', 'class-a'),
        seat('U2', 'class-b2', 'class-b'),
        seat('U3', 'class-c'),
        seat('U4', 'class-d2', 'class-d'),
        seat('U5', 'class-a'),
      ],
      [failed, failedNoReason, replacement, failedAgain, failedAgainNoReason],
      context,
    );
    const list = reply.sections[1];
    const states = list?.type === 'list' ? list.items.map((item) => item[3]) : [];
    expect(states).toEqual([
      '  ready (replacement of a failed lab)',
      '  failed twice, not retried: no capacity',
      '  failed, being replaced: ',
      '  failed twice, not retried: see /lab status',
      '  failed, being replaced: quota exceeded',
    ]);
    // No address known: the cell is empty.
    expect(list?.type === 'list' ? list.items[0]?.[4] : undefined).toBe('  ');
  });
});

describe('commands/class-reply: answers', () => {
  const labs = [
    classLab('class-a', 'requested', { owner: 'U1' }),
    classLab('class-b', 'requested', { owner: 'U2' }),
  ];

  it('answers a new class with its labs, who was not seated and why, and where the roster is', () => {
    const reply = classCreatedReply(
      {
        classroom,
        labs,
        skipped: [
          { student: 'U3', reason: 'already has a lab in this class' },
          { student: 'U4', reason: 'is a bot' },
        ],
      },
      false,
    );
    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'success',
      title: 'Class vsphere-101: 2 labs of esxi8 requested, until 12:30 UTC',
      sections: [
        {
          type: 'list',
          items: [
            [{ user: 'U1' }, '  ', { code: 'class-a' }],
            [{ user: 'U2' }, '  ', { code: 'class-b' }],
          ],
        },
        {
          type: 'context',
          text: [
            'Not seated: ',
            { user: 'U3' },
            ' already has a lab in this class',
            '; ',
            { user: 'U4' },
            ' is a bot',
          ],
        },
        {
          type: 'context',
          text: [
            "Each student gets their lab's access details by DM; the roster in this channel follows every lab. `/lab class show vsphere-101` shows it here.",
          ],
        },
      ],
    });
  });

  it('counts one lab in the singular, and words added seats as more labs', () => {
    const one = { classroom, labs: labs.slice(0, 1), skipped: [] };
    expect(classCreatedReply(one, false).title).toBe(
      'Class vsphere-101: 1 lab of esxi8 requested, until 12:30 UTC',
    );
    expect(classCreatedReply(one, false).sections.map((s) => s.type)).toEqual(['list', 'context']);
    expect(classCreatedReply(one, true).title).toBe('Class vsphere-101: 1 more lab requested');
    expect(classCreatedReply({ classroom, labs, skipped: [] }, true).title).toBe(
      'Class vsphere-101: 2 more labs requested',
    );
  });

  it('lists the live classes, or says how to start one', () => {
    expect(classListReply([])).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'You run no live class. `/lab class TEMPLATE for @students` starts one.',
      sections: [],
    });
    expect(classListReply([classroom])).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'Classes (1)',
      sections: [
        {
          type: 'list',
          items: [
            [
              { code: 'vsphere-101' },
              '  esxi8  2026-11-24 09:00 to 12:30 UTC  trainer ',
              { user: 'U0TRAINER' },
            ],
          ],
        },
      ],
    });
  });

  it('says what a whole-class command did to how many labs, and lists the labs it skipped', () => {
    const result = { classroom, done: labs, skipped: [] };
    expect(classActionReply('teardown', result)).toEqual({
      visibility: 'ephemeral',
      tone: 'success',
      title: 'Class vsphere-101: 2 labs being torn down',
      sections: [],
    });
    expect(classActionReply('extend', { ...result, done: labs.slice(0, 1) }).title).toBe(
      'Class vsphere-101: 1 lab extended',
    );
    expect(classActionReply('suspend', result).title).toBe('Class vsphere-101: 2 labs being suspended');
    expect(classActionReply('resume', result).title).toBe('Class vsphere-101: 2 labs being resumed');
    expect(classActionReply('reboot', result).title).toBe('Class vsphere-101: 2 labs reboot');
    expect(
      classActionReply('suspend', {
        classroom,
        done: [],
        skipped: [{ labId: 'class-c', reason: 'already suspended' }],
      }),
    ).toEqual({
      visibility: 'ephemeral',
      tone: 'success',
      title: 'Class vsphere-101: 0 labs being suspended',
      sections: [{ type: 'list', items: [[{ code: 'class-c' }, '  already suspended']] }],
    });
  });
});

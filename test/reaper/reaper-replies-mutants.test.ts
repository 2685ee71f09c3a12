/**
 * The reaper's replies (reaper/reaper-replies.ts) in full: the owner's one DM per cycle (titles for every mix of
 * warnings and acts, each lab's words, cost and buttons, the restore window) and the plan for the ops channel.
 */
import { LAB_ACTION } from '../../src/commands/lab-action-ids';
import { type Lab } from '../../src/labs/lab';
import { type Rates } from '../../src/labs/policy';
import { type ReapDecision } from '../../src/reaper/plan-reap';
import { type Noticed, ownerNotice, planReply } from '../../src/reaper/reaper-replies';
import { minimalLab } from '../helpers/labs';

const NOW = new Date('2026-12-02T14:00:00Z');
// $2/h compute (2 vCPUs), $1/h storage (730 GB at $1 a month): easy sums.
const RATES: Rates = { vcpuHour: 1, memoryGbHour: 0, storageGbMonth: 1 };

/** An hour old, powered on for half of it: $1 storage + $1 compute = $2.00 so far, $3.00/h. */
function lab(id: string, overrides: Partial<Lab> = {}): Lab {
  return minimalLab({
    id,
    phase: 'ready',
    spec: { vcpus: 2, memoryGb: 0, storageGb: 730 },
    createdAt: new Date(NOW.getTime() - 60 * 60_000),
    poweredOnMs: 30 * 60_000,
    ...overrides,
  });
}

const warn = (labId: string): Extract<ReapDecision, { kind: 'warn' }> => ({
  labId,
  kind: 'warn',
  cause: 'idle',
  reason: 'idle for 2h',
  actAfter: new Date('2026-12-02T14:30:00Z'),
});

const act = (
  labId: string,
  action: 'suspend' | 'delete',
  restoreUntil?: Date,
): Extract<ReapDecision, { kind: 'act' }> => ({
  labId,
  kind: 'act',
  cause: 'idle',
  action,
  reason: 'idle past its grace',
  ...(restoreUntil ? { restoreUntil } : {}),
});

const notice = (items: Noticed[]) => ownerNotice('U_ALICE', items, NOW, RATES);

const CONTEXT = {
  type: 'context',
  text: [
    'Hello ',
    { user: 'U_ALICE' },
    ': labbot reaps idle labs so the bill stays small. Every decision above says why.',
  ],
};

describe('ownerNotice', () => {
  it('a warning: the lab, why, its cost and rate, when something happens, and the four buttons', () => {
    const reply = notice([{ lab: lab('a'), decision: warn('a') }]);

    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'progress',
      title: 'One of your labs looks unused',
      sections: [
        {
          type: 'text',
          text: [{ bold: 'Lab a' }, ' idle for 2h. $2.00 so far, $3.00/h. Nothing happens before 14:30 UTC.'],
        },
        {
          type: 'actions',
          actions: [
            { id: LAB_ACTION.keep2h, label: 'Keep 2h', value: 'a', style: 'primary' },
            { id: LAB_ACTION.keepTomorrow, label: 'Keep until tomorrow 9:00', value: 'a' },
            { id: LAB_ACTION.inUse, label: 'I’m using it', value: 'a' },
            {
              id: LAB_ACTION.teardown,
              label: 'Tear down now',
              value: 'a',
              style: 'danger',
              confirm: {
                title: 'Tear down a?',
                text: 'The vApp and everything in it will be deleted.',
                confirm: 'Tear down',
                deny: 'Keep it',
              },
            },
          ],
        },
        CONTEXT,
      ],
    });
  });

  it('counts several warnings in the title', () => {
    const reply = notice([
      { lab: lab('a'), decision: warn('a') },
      { lab: lab('b'), decision: warn('b') },
    ]);

    expect(reply.title).toBe('2 of your labs look unused');
    expect(reply.tone).toBe('progress');
  });

  it('a delete: the final cost, no buttons', () => {
    const reply = notice([{ lab: lab('a'), decision: act('a', 'delete') }]);

    expect(reply).toEqual({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'labbot cleaned up one of your labs',
      sections: [
        { type: 'text', text: [{ bold: 'Lab a' }, ' was deleted: idle past its grace. Final cost $2.00.'] },
        CONTEXT,
      ],
    });
  });

  it('a suspend without a restore window says how to resume', () => {
    const reply = notice([
      { lab: lab('a'), decision: act('a', 'suspend') },
      { lab: lab('b'), decision: act('b', 'delete') },
    ]);

    expect(reply.title).toBe('labbot cleaned up 2 of your labs');
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [
        { bold: 'Lab a' },
        ' was suspended (storage still bills; `/lab resume` brings it back): idle past its grace. Final cost $2.00.',
      ],
    });
  });

  it('a suspend for the restore window: what keeping the storage costs until when, and the way back', () => {
    const until = new Date('2026-12-02T20:00:00Z');
    const reply = notice([{ lab: lab('a'), decision: act('a', 'suspend', until) }]);

    expect(reply.sections).toEqual([
      {
        type: 'text',
        text: [
          { bold: 'Lab a' },
          ' was suspended: idle past its grace. Cost so far $2.00; keeping its storage until 20:00 UTC costs $6.00. Bring it back in minutes instead of a redeploy.',
        ],
      },
      {
        type: 'actions',
        actions: [{ id: LAB_ACTION.bringBack, label: 'Bring it back', value: 'a', style: 'primary' }],
      },
      CONTEXT,
    ]);
  });

  it('a lab already suspended "stays suspended" for its restore window', () => {
    const until = new Date('2026-12-02T15:00:00Z');
    const reply = notice([{ lab: lab('a', { phase: 'suspended' }), decision: act('a', 'suspend', until) }]);

    expect(reply.sections[0]).toMatchObject({
      text: [
        { bold: 'Lab a' },
        ' stays suspended: idle past its grace. Cost so far $2.00; keeping its storage until 15:00 UTC costs $1.00. Bring it back in minutes instead of a redeploy.',
      ],
    });
  });

  it('a delete ignores a restore window (only suspends have one)', () => {
    const reply = notice([{ lab: lab('a'), decision: act('a', 'delete', new Date('2026-12-02T20:00:00Z')) }]);

    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [{ bold: 'Lab a' }, ' was deleted: idle past its grace. Final cost $2.00.'],
    });
  });

  it('warnings come first, then acts, whatever the order given; the title counts both', () => {
    const one = notice([
      { lab: lab('x'), decision: act('x', 'delete') },
      { lab: lab('a'), decision: warn('a') },
    ]);
    expect(one.title).toBe('1 of your labs look unused and 1 was cleaned up');
    expect(one.tone).toBe('info');
    expect(one.sections.map((s) => (s.type === 'text' ? s.text[0] : s.type))).toEqual([
      { bold: 'Lab a' },
      'actions',
      { bold: 'Lab x' },
      'context',
    ]);

    const many = notice([
      { lab: lab('a'), decision: warn('a') },
      { lab: lab('x'), decision: act('x', 'delete') },
      { lab: lab('y'), decision: act('y', 'suspend') },
    ]);
    expect(many.title).toBe('1 of your labs look unused and 2 were cleaned up');
  });
});

describe('planReply', () => {
  it('a table of every decision, with the action of acts and defers, and the counts in the title', () => {
    const decisions: ReapDecision[] = [
      { labId: 'k', kind: 'keep', reason: 'in use' },
      warn('w'),
      act('s', 'suspend'),
      { labId: 'd', kind: 'defer', cause: 'idle', action: 'delete', reason: 'cap reached' },
      { labId: 'u', kind: 'unwarn', reason: 'used again' },
      act('x', 'delete'),
    ];

    expect(planReply(decisions, 'enforce', NOW)).toEqual({
      visibility: 'channel',
      tone: 'info',
      title: 'Reaper cycle at 2026-12-02 14:00 UTC: 1 warn, 2 act, 1 defer, 1 unwarn, 1 keep',
      sections: [
        {
          type: 'table',
          columns: ['lab', 'decision', 'reason'],
          rows: [
            ['k', 'keep', 'in use'],
            ['w', 'warn', 'idle for 2h'],
            ['s', 'act (suspend)', 'idle past its grace'],
            ['d', 'defer (delete)', 'cap reached'],
            ['u', 'unwarn', 'used again'],
            ['x', 'act (delete)', 'idle past its grace'],
          ],
        },
      ],
    });
  });

  it('says a plan changed nothing, and that there are no live labs', () => {
    expect(planReply([], 'plan', NOW)).toEqual({
      visibility: 'channel',
      tone: 'info',
      title:
        'Reaper plan (nothing changed) at 2026-12-02 14:00 UTC: 0 warn, 0 act, 0 defer, 0 unwarn, 0 keep',
      sections: [{ type: 'text', text: ['No live labs.'] }],
    });
  });
});

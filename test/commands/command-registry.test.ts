import { COMMAND_LIST, helpReply, LAB_BUTTONS } from '../../src/commands/command-registry';
import { LAB_ACTION } from '../../src/commands/lab-action-ids';
import { actionUsesTimeZone, LAB_ACTION_IDS, labActionCommand } from '../../src/commands/lab-actions';
import { labActions } from '../../src/commands/lab-reply';
import { parseCommand } from '../../src/commands/parse-command';
import { type ReplyAction } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { ownerNotice } from '../../src/reaper/reaper-replies';
import { minimalLab } from '../helpers/labs';

const parse = (text: string) => parseCommand(text, { ticketPattern: DEFAULT_POLICY.ticketPattern });

describe('commands/command-registry', () => {
  it('names every verb and alias once', () => {
    const words = COMMAND_LIST.flatMap((spec) => [spec.verb, ...spec.aliases]);
    expect(new Set(words).size).toBe(words.length);
    expect(words.every((w) => w === w.toLowerCase())).toBe(true);
  });

  it('gives every usage line the verb it documents', () => {
    for (const spec of COMMAND_LIST) {
      expect(spec.usage.startsWith(`/lab ${spec.verb}`)).toBe(true);
    }
  });

  it('makes /lab help of every entry, in registry order', () => {
    const help = helpReply(false);
    const list = help.sections[0];
    expect(list?.type).toBe('list');
    const usages = list?.type === 'list' ? list.items.map((item) => item[0]) : [];
    expect(usages).toEqual(COMMAND_LIST.map((spec) => ({ code: spec.usage })));
  });

  it('runs every button id exactly once, and only ids of LAB_ACTION', () => {
    expect([...LAB_ACTION_IDS].sort()).toEqual(Object.values(LAB_ACTION).sort());
    expect(new Set(LAB_ACTION_IDS).size).toBe(LAB_ACTION_IDS.length);
  });

  it.each(LAB_BUTTONS.map((b) => [b.actionId, b.verb]))(
    'makes %s a command of %s that the parser reads, on the pressed lab',
    (actionId, verb) => {
      const command = parse(labActionCommand(actionId, 'demo-4kq'));
      expect(command).toMatchObject({ verb, labId: 'demo-4kq' });
    },
  );

  it('says what the reaper buttons run, and which needs the presser’s time zone', () => {
    expect(
      LAB_ACTION_IDS.map((id) => [id, labActionCommand(id, 'demo-4kq'), actionUsesTimeZone(id)]),
    ).toEqual(
      expect.arrayContaining([
        ['lab_teardown', 'teardown demo-4kq', false],
        ['reap_keep_2h', 'keep demo-4kq 2h', false],
        ['reap_keep_tomorrow', 'keep demo-4kq tomorrow', true],
        ['reap_in_use', 'keep demo-4kq 2h in-use', false],
        ['reap_bring_back', 'resume demo-4kq', false],
      ]),
    );
  });

  it('registers every button the lab message and the reaper warning show', () => {
    const now = new Date('2026-01-01T10:00:00Z');
    const ready = minimalLab({ phase: 'ready', desired: 'running' });
    const suspended = minimalLab({ phase: 'suspended', desired: 'suspended' });
    const notice = ownerNotice(
      ready.owner,
      [
        {
          lab: ready,
          decision: { labId: ready.id, kind: 'warn', cause: 'idle', reason: 'idle', actAfter: now },
        },
        {
          // Suspended for its restore window: the notice offers "Bring it back".
          lab: ready,
          decision: {
            labId: ready.id,
            kind: 'act',
            cause: 'idle',
            action: 'suspend',
            reason: 'idle',
            restoreUntil: new Date(now.getTime() + 3_600_000),
          },
        },
      ],
      now,
      DEFAULT_POLICY.rates,
    );
    const shown: ReplyAction[] = [
      ...labActions(ready),
      ...labActions(suspended),
      ...notice.sections.flatMap((s) => (s.type === 'actions' ? s.actions : [])),
    ];
    expect(new Set(shown.map((a) => a.id))).toEqual(new Set(LAB_ACTION_IDS));
  });
});

/**
 * warnLateScheduledLabs on fakes (issue 18 item 2; the store suite runs it on real databases, outside the mutation
 * run): who is warned, through which notifier method, what is recorded, and what a failed warning leaves behind.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { warnLateScheduledLabs, type LateWarningDeps } from '../../src/controller/late-scheduled-labs';
import { type Lab } from '../../src/labs/lab';
import { DEFAULT_SCHEDULE_POLICY } from '../../src/labs/policy';
import { type LabEvent, type LabNotifier } from '../../src/labs/ports';
import { ManualClock } from '../helpers/clock';
import { minimalLab } from '../helpers/labs';
import { messagesAt, recordingLogger } from '../helpers/logger';
import { MemoryAudit } from '../helpers/memory-claims';
import { MemoryLabStore } from '../helpers/memory-lab-store';

const NOW = new Date('2026-12-02T13:55:00Z');

/** A lab wanted at `readyBy`, still deploying. */
function lateLab(id: string, readyBy: Date, overrides: Partial<Lab> = {}): Lab {
  return minimalLab({
    id,
    vappName: `lab-${id}`,
    phase: 'deploying',
    createdAt: new Date('2026-12-02T08:00:00Z'),
    expiresAt: new Date('2026-12-02T18:00:00Z'),
    readyBy,
    ...overrides,
  });
}

const inMinutes = (m: number): Date => new Date(NOW.getTime() + m * 60_000);

const notice = (id: string, when: string, state = 'it is still deploying'): string =>
  `Lab ${id} is running late: it should be ready ${when} but ${state}. labbot keeps going and tells you when it is ready; if the meeting cannot wait, deploy another lab or tell the attendees.`;

class OwnerNotifier implements LabNotifier {
  readonly told: { labId: string; message: string }[] = [];
  readonly changed: { labId: string; event: LabEvent }[] = [];
  failFor = new Set<string>();

  labChanged(lab: Lab, event: LabEvent): Promise<void> {
    this.changed.push({ labId: lab.id, event });
    return Promise.resolve();
  }

  tellAdmins(): Promise<void> {
    return Promise.resolve();
  }

  tellOwner(lab: Lab, message: string): Promise<void> {
    if (this.failFor.has(lab.id)) {
      return Promise.reject(new Error('slack is down'));
    }
    this.told.push({ labId: lab.id, message });
    return Promise.resolve();
  }
}

async function setup(labs: Lab[], overrides: Partial<LateWarningDeps> = {}, withAudit = true) {
  const store = new MemoryLabStore();
  for (const lab of labs) {
    await store.insert(lab);
  }
  const notifier = new OwnerNotifier();
  const audit = new MemoryAudit();
  const logger = recordingLogger();
  const deps: LateWarningDeps = {
    store,
    notifier,
    clock: new ManualClock(NOW),
    policy: DEFAULT_POLICY,
    logger,
    ...(withAudit ? { audit } : {}),
    ...overrides,
  };
  return { store, notifier, audit, logger, warn: () => warnLateScheduledLabs(deps) };
}

describe('warnLateScheduledLabs', () => {
  it('warns the owner of a late lab only, records when and audits it with the words sent', async () => {
    const { store, notifier, audit, warn } = await setup([
      lateLab('late-1', inMinutes(5)),
      lateLab('fine-1', inMinutes(60)),
    ]);

    expect(await warn()).toEqual(['late-1']);

    expect(notifier.told).toEqual([{ labId: 'late-1', message: notice('late-1', 'in 5m') }]);
    expect(notifier.changed).toEqual([]);
    expect((await store.get('late-1'))?.lateWarnedAt).toEqual(NOW);
    expect((await store.get('fine-1'))?.lateWarnedAt).toBeUndefined();
    expect(audit.entries).toEqual([
      {
        at: NOW,
        actor: 'controller',
        labId: 'late-1',
        action: 'late-warning',
        detail: notice('late-1', 'in 5m'),
        result: 'ok',
      },
    ]);
  });

  it('warns each lab once: the second pass finds it already warned', async () => {
    const { notifier, warn } = await setup([lateLab('late-1', inMinutes(5))]);

    expect(await warn()).toEqual(['late-1']);
    expect(await warn()).toEqual([]);
    expect(notifier.told).toHaveLength(1);
  });

  it('warns every late lab of the pass, in the store order', async () => {
    const { notifier, warn } = await setup([
      lateLab('late-1', inMinutes(5)),
      lateLab('late-2', inMinutes(-3)),
    ]);

    expect(await warn()).toEqual(['late-1', 'late-2']);
    expect(notifier.told.map((t) => t.message)).toEqual([
      notice('late-1', 'in 5m'),
      notice('late-2', '3m ago'),
    ]);
  });

  it("without tellOwner, says it on the lab's own message as progress", async () => {
    const changed: { labId: string; event: LabEvent }[] = [];
    const { warn } = await setup([lateLab('late-1', inMinutes(5))], {
      notifier: {
        labChanged: (lab, event) => {
          changed.push({ labId: lab.id, event });
          return Promise.resolve();
        },
        tellAdmins: () => Promise.resolve(),
      },
    });

    expect(await warn()).toEqual(['late-1']);
    expect(changed).toEqual([
      { labId: 'late-1', event: { type: 'progress', message: notice('late-1', 'in 5m') } },
    ]);
  });

  it('follows the policy: a longer warning time warns earlier', async () => {
    const lab = lateLab('late-1', inMinutes(25));
    const defaults = await setup([lab]);
    expect(await defaults.warn()).toEqual([]);

    const early = await setup([lab], {
      policy: { schedule: { ...DEFAULT_SCHEDULE_POLICY, lateWarningMinutes: 30 } },
    });
    expect(await early.warn()).toEqual(['late-1']);
  });

  it('works without an audit log', async () => {
    const { store, warn } = await setup([lateLab('late-1', inMinutes(5))], {}, false);

    expect(await warn()).toEqual(['late-1']);
    expect((await store.get('late-1'))?.lateWarnedAt).toEqual(NOW);
  });

  it('a failed warning is logged, not recorded (so the next pass retries), and the others still go out', async () => {
    const { store, notifier, audit, logger, warn } = await setup([
      lateLab('late-1', inMinutes(5)),
      lateLab('late-2', inMinutes(5)),
    ]);
    notifier.failFor.add('late-1');

    expect(await warn()).toEqual(['late-2']);

    expect((await store.get('late-1'))?.lateWarnedAt).toBeUndefined();
    expect(audit.entries.map((e) => e.labId)).toEqual(['late-2']);
    expect(messagesAt(logger, 'error')).toEqual(['late warning failed; retrying on the next pass']);
    expect(logger.lines.find((l) => l.level === 'error')?.fields).toMatchObject({ labId: 'late-1' });

    notifier.failFor.clear();
    expect(await warn()).toEqual(['late-1']);
  });
});

/**
 * Tells owners of scheduled labs that will not be ready on time, before their meeting rather than after it (issue
 * 18 item 2). Runs on the controller's pass, on one replica per pass (the caller elects it); each lab is warned once.
 */
import { type Lab } from '../labs/lab';
import { type LabPolicy, schedulePolicy } from '../labs/policy';
import { type AuditLog, type Clock, type LabNotifier, type LabStore, type Logger } from '../labs/ports';
import { lateNotice } from '../labs/schedule';

export interface LateWarningDeps {
  store: Pick<LabStore, 'listActive' | 'applyRequest'>;
  notifier: LabNotifier;
  clock: Clock;
  policy: Pick<LabPolicy, 'schedule'>;
  logger: Logger;
  audit?: AuditLog;
}

/** Warns the owner of every scheduled lab that is running late and was not warned yet; returns their ids. */
export async function warnLateScheduledLabs(deps: LateWarningDeps): Promise<string[]> {
  const now = deps.clock.now();
  const policy = schedulePolicy(deps.policy);
  const warned: string[] = [];
  for (const lab of await deps.store.listActive()) {
    const notice = lateNotice(lab, now, policy);
    if (notice === undefined) {
      continue;
    }
    try {
      await tellOwner(deps.notifier, lab, notice);
      // Recorded after the message went out: a crash in between repeats the warning rather than losing it.
      await deps.store.applyRequest(lab.id, { lateWarnedAt: now });
      await deps.audit?.record({
        at: now,
        actor: 'controller',
        labId: lab.id,
        action: 'late-warning',
        detail: notice,
        result: 'ok',
      });
      warned.push(lab.id);
    } catch (error) {
      deps.logger.error({ labId: lab.id, err: error }, 'late warning failed; retrying on the next pass');
    }
  }
  return warned;
}

async function tellOwner(notifier: LabNotifier, lab: Lab, message: string): Promise<void> {
  if (notifier.tellOwner) {
    await notifier.tellOwner(lab, message);
  } else {
    await notifier.labChanged(lab, { type: 'progress', message });
  }
}

import { causeChain, isCloudError, LabNetworkError, UserError } from '../labs/errors';
import { isTerminal, type Lab, type LabPhase } from '../labs/lab';
import {
  buildLabEdgeRules,
  esxiNicSpecs,
  findEsxiVms,
  initialLabNetwork,
  NO_EDGE_RULES,
} from '../labs/lab-network';
import { type LabPolicy, type TemplateNetworkPolicy, type TemplatePolicy } from '../labs/policy';
import {
  type AuditLog,
  type CapturedTemplateStore,
  type Clock,
  type Cloud,
  type CloudTask,
  type LabEvent,
  type LabNotifier,
  type LabStore,
  type LabWaker,
  type Logger,
  type ManagedVApp,
  type PublicIpPool,
  type ReconcileSightings,
  type Sleep,
  type WorkClaims,
} from '../labs/ports';
import { allowListKey, captureItemName, deployableTemplates, keyFromCaptureItem } from '../labs/templates';
import { InProcessPublicIps } from './in-process-public-ips';
import { InProcessSightings } from './in-process-sightings';
import { nextStep, type Step } from './next-step';
import { LABBOT_METADATA_KEYS as METADATA_KEYS } from '../labs/vapp-metadata';

export interface LabControllerDeps {
  store: LabStore;
  cloud: Cloud;
  notifier: LabNotifier;
  clock: Clock;
  sleep: Sleep;
  logger: Logger;
  policy: LabPolicy;
  audit?: AuditLog;
  /** With several replicas on one database: claims keep two replicas from driving one lab. */
  claims?: { store: WorkClaims; holder: string; ttlMs?: number };
  /**
   * Labs issuing VCD calls at once (default 8); labs waiting for a task do not count. VCD may limit simultaneous
   * operations per org (OPERATION_LIMITS_EXCEEDED, retried with backoff), so keep this modest.
   */
  maxConcurrentLabs?: number;
  /** Attempts for a step that failed because VCD was unreachable, before the lab is failed. */
  transientAttempts?: number;
  transientBackoffMs?: number;
  /** Where `/lab capture` registers templates; without it captures fail with a clear reason. */
  captured?: CapturedTemplateStore;
  /** Catalog captured templates go to; absent: the one labs deploy from. */
  captureCatalog?: string;
  /** Public IPs for labs with networking; shared by replicas through the store. Default: this process only. */
  publicIps?: PublicIpPool;
  /**
   * This installation's id (the store's): written into every vApp's `labbot.installation`; reconciliation never acts
   * on a vApp carrying another.
   */
  installationId: string;
  /** Reconciliation's first sightings, shared by replicas through the store. Default: this process only. */
  sightings?: ReconcileSightings;
  /** Reconciliation's guards; defaults in DEFAULT_RECONCILE_GUARDS. */
  guards?: Partial<ReconcileGuards>;
}

/** What keeps reconciliation from destroying labs on one bad observation (issue 14). */
export interface ReconcileGuards {
  /** A lab is closed as vanished only when its vApp was confirmed gone on two passes at least this far apart. */
  confirmAfterMs: number;
  /** An ended lab whose vApp still exists: admins are warned, and the vApp deleted only after this grace. */
  endedGraceMs: number;
  /**
   * At most this many destructive acts (closing vanished labs, deleting ended labs' vApps) per pass. Above it nothing
   * of the kind is done that pass and admins are told: many at once means a wrong VCD, org or role, not many deletions.
   */
  maxActsPerPass: number;
}

export const DEFAULT_RECONCILE_GUARDS: ReconcileGuards = {
  confirmAfterMs: 5 * 60_000,
  endedGraceMs: 60 * 60_000,
  maxActsPerPass: 5,
};

const DEFAULT_CLAIM_TTL_MS = 10 * 60_000;

/** What one reconciliation pass found and did, for logs and tests. */
export interface ReconcileReport {
  closedVanished: string[];
  /** Labs whose vApp was confirmed gone on this pass but not yet on two passes far enough apart: nothing done yet. */
  vanishing: string[];
  /** Labs whose vApp could not be checked (an error, a 403): nothing done, nothing proven. */
  unchecked: string[];
  adopted: string[];
  /** Ended labs whose vApp was deleted after its grace. */
  reopened: string[];
  /** Ended labs whose vApp still exists, in their grace (admins were warned on the first sighting). */
  ending: string[];
  /** Labs whose close or deletion was due but held back: more than the cap per pass. */
  held: string[];
  /** vApps of other installations, left alone. */
  foreign: string[];
  /** vApps with our metadata but neither an installation id nor a row here: left alone, admins told once. */
  unclaimed: string[];
  /** Labs whose vApp metadata (owner, expiry) was brought up to date after a handoff or an extension. */
  retagged: string[];
  /** Ended labs whose tagged edge rules were removed. */
  edgeRulesRemoved: string[];
  /** Labs this store does not know that have tagged rules on the edge (another installation's?): left alone. */
  foreignEdgeRules: string[];
  /** Labs (ended or unknown) whose public IP went back to the pool. */
  publicIpsFreed: string[];
}

/**
 * Drives each lab from its recorded state to its desired state, one idempotent step at a time. Every step is
 * recorded in the store before and after it talks to VCD (the task href in particular), so a restart resumes
 * waiting on the same task rather than repeating the step. Labs are driven concurrently, each lab serially,
 * and with claims, by one replica at a time.
 */
export class LabController implements LabWaker {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly queue: (() => void)[] = [];
  private active = 0;
  private stopped = false;
  private readonly publicIps: PublicIpPool;

  private readonly sightings: ReconcileSightings;
  private readonly guards: ReconcileGuards;
  /** The labs the last held-back pass named: the same ones held again are not announced again every minute. */
  private lastHeld = '';

  constructor(private readonly deps: LabControllerDeps) {
    this.publicIps = deps.publicIps ?? new InProcessPublicIps();
    this.sightings = deps.sightings ?? new InProcessSightings();
    this.guards = { ...DEFAULT_RECONCILE_GUARDS, ...deps.guards };
  }

  /** Schedules a drive of the lab; a drive already under way runs once more afterwards. Never throws. */
  wake(labId: string): void {
    if (this.stopped) {
      return;
    }
    if (this.running.has(labId)) {
      this.again.add(labId);
      return;
    }
    const run = this.withSlot(() => this.driveClaimed(labId))
      .catch((error: unknown) =>
        this.deps.logger.error({ labId, causes: causeChain(error) }, 'controller drive crashed'),
      )
      .finally(() => {
        this.running.delete(labId);
        if (this.again.delete(labId)) {
          this.wake(labId);
        }
      });
    this.running.set(labId, run);
  }

  /**
   * Wakes every lab that still needs work: at start-up (to resume after a restart) and on every pass. With
   * claims, only labs no other replica holds.
   */
  async resumeAll(): Promise<number> {
    const claims = this.deps.claims;
    const ids = claims
      ? await claims.store.claimActive(
          claims.holder,
          1000,
          claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS,
          this.deps.clock.now(),
        )
      : (await this.deps.store.listActive()).map((lab) => lab.id);
    for (const id of ids) {
      this.wake(id);
    }
    return ids.length;
  }

  /**
   * Compares what VCD holds with the store (DESIGN.md section 2), with the reaper's guards (issue 14):
   * - only vApps of this installation count (a vApp of another is never adopted, closed, deleted or retagged; one
   *   without an installation id is ours only when this store has its lab, and is then retagged);
   * - a lab is closed as vanished only when its vApp was confirmed gone on two passes some minutes apart, never on
   *   an error or a 403;
   * - an ended lab whose vApp still exists is deleted only after a grace, admins warned first;
   * - adoption never deletes: a vApp that is not powered on is kept suspended and admins asked;
   * - above a cap of closes and deletions per pass, none is done and admins are told.
   * vApps without our metadata are never looked at. Every act has an audit line saying why.
   * @throws CloudError when VCD cannot list the vApps: then nothing at all is done.
   */
  async reconcile(): Promise<ReconcileReport> {
    const report: ReconcileReport = {
      closedVanished: [],
      vanishing: [],
      unchecked: [],
      adopted: [],
      reopened: [],
      ending: [],
      held: [],
      foreign: [],
      unclaimed: [],
      retagged: [],
      edgeRulesRemoved: [],
      foreignEdgeRules: [],
      publicIpsFreed: [],
    };
    const managed = await this.deps.cloud.listManagedVApps();
    const now = this.deps.clock.now();

    const vanished = await this.confirmVanished(report, new Set(managed.map((v) => v.href)), now);
    const ended: { lab: Lab; vapp: ManagedVApp }[] = [];
    const endingNow = new Set<string>();
    for (const vapp of managed) {
      const lab = await this.deps.store.get(vapp.metadata.labId);
      const owner = ownership(vapp, lab, this.deps.installationId);
      if (owner === 'foreign') {
        report.foreign.push(vapp.href);
      } else if (owner === 'unclaimed') {
        report.unclaimed.push(vapp.href);
        await this.tellUnclaimed(vapp, now);
      } else if (!lab) {
        await this.adopt(vapp);
        report.adopted.push(vapp.metadata.labId);
      } else if (isTerminal(lab) && !vapp.busy) {
        endingNow.add(lab.id);
        if (await this.graceOver(lab, vapp, now)) {
          ended.push({ lab, vapp });
        } else {
          report.ending.push(lab.id);
        }
      } else if (!vapp.busy) {
        const stale = staleTags(lab, vapp, this.deps.installationId);
        if (stale !== undefined && (await this.retag(lab, vapp, stale))) {
          report.retagged.push(lab.id);
        }
      }
    }
    await this.forgetStale('ended-exists', endingNow);

    if (vanished.length + ended.length > this.guards.maxActsPerPass) {
      report.held.push(...vanished.map((l) => l.id), ...ended.map((e) => e.lab.id));
      await this.holdBack(vanished, ended);
    } else {
      this.lastHeld = '';
      for (const lab of vanished) {
        await this.closeVanished(lab, now);
        report.closedVanished.push(lab.id);
      }
      for (const { lab, vapp } of ended) {
        await this.reopen(lab, vapp, now);
        report.reopened.push(lab.id);
      }
    }
    await this.reconcileNetwork(report);
    return report;
  }

  /**
   * Settled labs whose vApp VCD confirmed gone on this pass and on an earlier one at least `confirmAfterMs` before:
   * the ones to close. A lab whose vApp is listed or found again forgets its sighting; one that could not be checked
   * keeps it (an error proves nothing either way).
   */
  private async confirmVanished(report: ReconcileReport, listed: Set<string>, now: Date): Promise<Lab[]> {
    const confirmed: Lab[] = [];
    const sighted = new Set<string>();
    for (const lab of await this.deps.store.listActive()) {
      if (
        lab.vappHref === undefined ||
        lab.taskHref !== undefined ||
        !['ready', 'suspended'].includes(lab.phase) ||
        listed.has(lab.vappHref)
      ) {
        continue;
      }
      let gone: boolean;
      try {
        gone = await this.deps.cloud.isVAppGone({ href: lab.vappHref, name: lab.vappName });
      } catch (error) {
        report.unchecked.push(lab.id);
        sighted.add(lab.id);
        this.deps.logger.warn(
          { labId: lab.id, causes: causeChain(error) },
          'could not check whether a vApp still exists; nothing done',
        );
        continue;
      }
      if (!gone) {
        continue;
      }
      sighted.add(lab.id);
      const first = await this.sightings.sight('vanished', lab.id, now);
      if (now.getTime() - first.at.getTime() >= this.guards.confirmAfterMs) {
        confirmed.push(lab);
        continue;
      }
      report.vanishing.push(lab.id);
      if (first.isNew) {
        await this.record(
          lab.id,
          'vanish-sighted',
          `vApp ${lab.vappName} not found in VCD; the lab is closed if it is still not found ${minutes(this.guards.confirmAfterMs)} from now`,
        );
      }
    }
    await this.forgetStale('vanished', sighted);
    return confirmed;
  }

  /** Forgets sightings of labs not seen in that state on this pass (found again, or ended meanwhile). */
  private async forgetStale(kind: 'vanished' | 'ended-exists', seen: Set<string>): Promise<void> {
    for (const subject of await this.sightings.list(kind)) {
      if (!seen.has(subject)) {
        await this.sightings.clear(kind, subject);
      }
    }
  }

  /**
   * An ended lab whose vApp still exists (a teardown outside labbot that failed halfway, a store restored from an
   * old backup): true once its grace is over; on the first sighting admins are warned, with how to keep the vApp.
   */
  private async graceOver(lab: Lab, vapp: ManagedVApp, now: Date): Promise<boolean> {
    const first = await this.sightings.sight('ended-exists', lab.id, now);
    if (first.isNew) {
      await this.record(
        lab.id,
        'reopen-warned',
        `lab ended (${lab.phase}) but vApp ${vapp.name} still exists; deleted after a grace of ${minutes(this.guards.endedGraceMs)}`,
      );
      await this.deps.notifier.tellAdmins(
        `Lab ${lab.id} (owner ${lab.owner}) has ended but its vApp ${vapp.name} still exists and bills. labbot deletes it in ${minutes(this.guards.endedGraceMs)}. To keep it, remove its labbot.id metadata in VCD before then: labbot then never touches it again.`,
      );
    }
    return now.getTime() - first.at.getTime() >= this.guards.endedGraceMs;
  }

  /** Too many closes and deletions for one pass: do none, say why, and let the admins look. */
  private async holdBack(vanished: Lab[], ended: { lab: Lab }[]): Promise<void> {
    const labs = [...vanished, ...ended.map((e) => e.lab)];
    const key = labs
      .map((l) => l.id)
      .sort()
      .join(',');
    if (key === this.lastHeld) {
      return;
    }
    this.lastHeld = key;
    const detail = `${vanished.length} vanished lab(s) to close and ${ended.length} ended lab(s) to delete exceed the cap of ${this.guards.maxActsPerPass} per pass; nothing done`;
    for (const lab of labs) {
      await this.record(lab.id, 'reconcile-held', detail);
    }
    this.deps.logger.warn(
      { labs: labs.map((l) => l.id), cap: this.guards.maxActsPerPass },
      'reconciliation held back: too many acts for one pass',
    );
    await this.deps.notifier.tellAdmins(
      `Reconciliation did nothing this pass: ${detail}. So many at once usually means labbot is looking at the wrong VCD, org or VDC, or lost rights (a role change), rather than that the labs really went. Check VCD_URL, VCD_ORG, VCD_VDC and the account's role. Labs: ${labs.map((l) => l.id).join(', ')}.`,
    );
  }

  /** A vApp with our metadata but without an installation id or a row here: tell admins once; never adopt it. */
  private async tellUnclaimed(vapp: ManagedVApp, now: Date): Promise<void> {
    const first = await this.sightings.sight('unclaimed', vapp.href, now);
    if (!first.isNew) {
      return;
    }
    await this.record(
      vapp.metadata.labId,
      'unclaimed',
      `vApp ${vapp.name} carries labbot metadata without an installation id and this store has no lab ${vapp.metadata.labId}; left alone`,
    );
    await this.deps.notifier.tellAdmins(
      `vApp ${vapp.name} (lab ${vapp.metadata.labId}) carries labbot metadata but no installation id, and this installation has no record of it: it may be another labbot installation's, so labbot leaves it alone. If it is this one's, set its metadata labbot.installation to ${this.deps.installationId} in VCD: labbot then adopts it on its next pass.`,
    );
  }

  /**
   * Edge rules tagged with a lab that ended, and public IPs held by labs that ended or that the store does not know
   * (the pool is this store's) and whose rules are gone, are leftovers of a crash or of a teardown outside labbot:
   * remove them. Rules of a lab
   * this store does not know are left alone: they may be another installation's on a shared edge. Rules without our
   * tag are never looked at. A lab still going keeps both (another replica may be wiring it right now).
   */
  private async reconcileNetwork(report: ReconcileReport): Promise<void> {
    const edge = this.deps.policy.edge;
    if (edge === undefined) {
      return;
    }
    const gone = async (labId: string): Promise<boolean> => {
      const lab = await this.deps.store.get(labId);
      return lab === undefined || isTerminal(lab);
    };
    for (const labId of await this.deps.cloud.listEdgeRuleLabs(edge.gateway)) {
      const lab = await this.deps.store.get(labId);
      if (lab === undefined) {
        report.foreignEdgeRules.push(labId);
        await this.tellForeignRules(labId, edge.gateway);
      } else if (isTerminal(lab) && !report.ending.includes(labId)) {
        // An ended lab whose vApp is in its grace keeps its rules until the vApp goes: nothing is touched meanwhile.
        await this.deps.cloud.setLabEdgeRules(edge.gateway, labId, NO_EDGE_RULES);
        await this.deps.cloud.releasePublicIp(edge.gateway, labId, undefined);
        report.edgeRulesRemoved.push(labId);
        await this.record(
          labId,
          'remove-orphan-rules',
          `lab ${labId} ended (${lab.phase}); its edge rules on ${edge.gateway} removed`,
        );
      }
    }
    for (const { labId, ip } of await this.publicIps.list()) {
      // An address stays with rules that are kept (a lab in its grace, or rules left alone as another installation's):
      // freed, it could go to a new lab while the old DNAT still points at the old VM, and an IP Space refuses to
      // release a floating IP that a NAT rule uses.
      const rulesKept = report.ending.includes(labId) || report.foreignEdgeRules.includes(labId);
      if (!rulesKept && (await gone(labId))) {
        await this.deps.cloud.releasePublicIp(edge.gateway, labId, ip);
        await this.publicIps.release(labId);
        report.publicIpsFreed.push(labId);
        await this.record(labId, 'free-orphan-ip', `public IP ${ip} returned to the pool`);
      }
    }
    const cleaned = [...new Set([...report.edgeRulesRemoved, ...report.publicIpsFreed])];
    if (cleaned.length > 0) {
      await this.deps.notifier.tellAdmins(
        `Removed leftover edge rules or public IPs of labs that no longer run: ${cleaned.join(', ')}.`,
      );
    }
  }

  /** Edge rules tagged with a lab this store does not know: another installation's, perhaps. Tell admins once. */
  private async tellForeignRules(labId: string, gateway: string): Promise<void> {
    const now = this.deps.clock.now();
    const first = await this.sightings.sight('unclaimed', `edge:${gateway}:${labId}`, now);
    if (!first.isNew) {
      return;
    }
    await this.record(
      labId,
      'foreign-rules',
      `edge rules of lab ${labId} on ${gateway}: no such lab here; left alone`,
    );
    await this.deps.notifier.tellAdmins(
      `Edge ${gateway} has rules tagged with lab ${labId}, which this installation has no record of: they may be another labbot installation's, so labbot leaves them alone. Remove them on the edge if nobody uses them.`,
    );
  }

  /** Resolves once no lab is being driven (for the shell at end of input, and tests). */
  async idle(): Promise<void> {
    while (this.running.size > 0) {
      await Promise.allSettled([...this.running.values()]);
    }
  }

  /** Stops starting new work and waits for steps in flight to be recorded. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.idle();
  }

  private async withSlot(work: () => Promise<void>): Promise<void> {
    await this.acquireSlot();
    try {
      await work();
    } finally {
      this.releaseSlot();
    }
  }

  /**
   * Runs a wait for a VCD task without holding a slot. Slots bound how many labs issue calls at once, not how many
   * tasks VCD runs: a real instantiate takes minutes, and holding slots through it made a classroom of 30 deploy in
   * waves of 8. Only for code running inside `withSlot` (the steps of `drive`).
   */
  private async withoutSlot<T>(wait: () => Promise<T>): Promise<T> {
    this.releaseSlot();
    try {
      return await wait();
    } finally {
      await this.acquireSlot();
    }
  }

  private async acquireSlot(): Promise<void> {
    if (this.active < (this.deps.maxConcurrentLabs ?? 8)) {
      this.active++;
      return;
    }
    // releaseSlot hands its slot straight to the first waiter, so `active` never exceeds the limit.
    await new Promise<void>((resolve) => this.queue.push(resolve));
  }

  private releaseSlot(): void {
    const next = this.queue.shift();
    if (next) {
      next();
    } else {
      this.active--;
    }
  }

  private async claim(labId: string): Promise<boolean> {
    const claims = this.deps.claims;
    if (!claims) {
      return true;
    }
    return claims.store.claim(
      labId,
      claims.holder,
      claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS,
      this.deps.clock.now(),
    );
  }

  private async driveClaimed(labId: string): Promise<void> {
    if (!(await this.claim(labId))) {
      this.deps.logger.debug({ labId }, 'lab is driven by another replica');
      return;
    }
    try {
      await this.drive(labId);
    } finally {
      await this.deps.claims?.store.release(labId, this.deps.claims.holder);
    }
  }

  private async drive(labId: string): Promise<void> {
    let transientFailures = 0;
    let teardownFailures = 0;
    for (;;) {
      if (this.stopped) {
        return;
      }
      const lab = await this.deps.store.get(labId);
      if (!lab) {
        return;
      }
      const step = nextStep(lab, this.deps.clock.now());
      if (step.kind === 'none') {
        return;
      }
      // Renew the claim before each step, so a long deploy never looks abandoned to other replicas.
      if (!(await this.claim(labId))) {
        return;
      }
      try {
        await this.perform(lab, step);
        transientFailures = 0;
      } catch (error) {
        if (isCloudError(error, 'unavailable') && ++transientFailures < (this.deps.transientAttempts ?? 5)) {
          this.deps.logger.warn(
            { labId, step: step.kind, attempt: transientFailures, causes: causeChain(error) },
            'cloud unavailable, retrying step',
          );
          await this.deps.sleep((this.deps.transientBackoffMs ?? 2000) * 2 ** (transientFailures - 1));
          continue;
        }
        transientFailures = 0;
        this.deps.logger.error({ labId, step: step.kind, causes: causeChain(error) }, 'lab step failed');
        // Decide from the lab as the step left it, not as it was loaded: a step records its intent before acting
        // (instantiate saves `deploying`, capture `capturing`), and writing the stale copy back would erase that
        // marker and lose what VCD may already have created.
        const current = (await this.deps.store.get(labId)) ?? lab;
        if (current.desired !== 'deleted' && (isCaptureStep(step) || current.phase === 'capturing')) {
          await this.failCapture(current, error);
          continue;
        }
        const { taskHref: _abandoned, ...withoutTask } = current;
        if (
          lab.desired !== 'deleted' &&
          !['suspending', 'resuming', 'suspended', 'ready'].includes(lab.phase)
        ) {
          await this.failDeploy(withoutTask, step, error);
          continue;
        }
        if (lab.desired !== 'deleted') {
          // Suspend or resume failed: the lab still exists and is usable; report and stop trying until asked again.
          await this.save(withoutTask, {
            type: 'progress',
            message: `${step.kind === 'suspend' ? 'suspend' : 'resume'} failed (${userMessage(error)})`,
          });
          await this.deps.store.applyRequest(lab.id, {
            desired: lab.phase === 'suspended' || lab.phase === 'resuming' ? 'suspended' : 'running',
          });
          await this.record(lab.id, step.kind, userMessage(error), 'failed');
          return;
        }
        // Tearing down: look at the vApp again (a failed shutdown is followed by a power off), a few times.
        if (++teardownFailures < 3) {
          await this.save(withoutTask);
          continue;
        }
        await this.save(withoutTask, {
          type: 'progress',
          message: `teardown is stuck (${userMessage(error)}); labbot retries on its next pass`,
        });
        await this.record(lab.id, 'teardown', userMessage(error), 'failed');
        return;
      }
    }
  }

  private async perform(lab: Lab, step: Step): Promise<void> {
    const { cloud } = this.deps;
    switch (step.kind) {
      case 'none':
        return;
      case 'instantiate': {
        // Record the intent first: after a crash, 'deploying' without an href means "look the vApp up by name".
        const deploying = await this.save(
          { ...lab, phase: 'deploying' },
          { type: 'progress', message: 'deploying…' },
        );
        const template = (await this.templates()).find((t) => t.key === lab.template);
        if (!template) {
          throw new Error(`template ${lab.template} is no longer configured`);
        }
        const { vappHref, task } = await cloud.startDeploy({
          vappName: lab.vappName,
          description: `labbot lab ${lab.id} (${lab.kind}) for ${lab.owner}${lab.ticket !== undefined ? `, ticket ${lab.ticket}` : ''}`,
          templateName: template.catalogItem,
          runtimeLeaseSeconds: this.maxLifetimeSeconds(lab),
          ...(template.catalog !== undefined ? { catalogName: template.catalog } : {}),
        });
        await this.save({ ...deploying, vappHref, taskHref: task.href });
        return;
      }
      case 'find-vapp': {
        const found = await cloud.findVAppByName(lab.vappName);
        if (found) {
          await this.save({
            ...lab,
            vappHref: found.href,
            ...(found.pendingTask ? { taskHref: found.pendingTask.href } : {}),
          });
        } else if (lab.desired === 'deleted') {
          await this.close(lab);
        } else {
          await this.save({ ...lab, phase: 'requested' });
        }
        return;
      }
      case 'await-task': {
        let lastRenewal = this.deps.clock.now().getTime();
        await this.withoutSlot(() =>
          cloud.waitForTask({ href: step.taskHref }, () => {
            // Long tasks (a real instantiate takes minutes) must not let the claim lapse.
            const now = this.deps.clock.now().getTime();
            if (
              this.deps.claims &&
              now - lastRenewal > (this.deps.claims.ttlMs ?? DEFAULT_CLAIM_TTL_MS) / 3
            ) {
              lastRenewal = now;
              void this.claim(lab.id).catch(() => undefined);
            }
          }),
        );
        await this.afterTask(lab);
        return;
      }
      case 'set-metadata': {
        const task = await cloud.setMetadata(this.href(lab), this.metadata(lab));
        await this.save(
          { ...lab, phase: 'configuring', ...(task ? { taskHref: task.href } : {}) },
          { type: 'progress', message: 'configuring…' },
        );
        if (!task) {
          await this.afterTask({ ...lab, phase: 'configuring' });
        }
        return;
      }
      case 'power-on': {
        const vapp = await cloud.getVApp(this.href(lab));
        if (!vapp) {
          throw new Error(`vApp ${lab.vappName} disappeared before it was powered on`);
        }
        if (vapp.powerState === 'powered_on') {
          await this.markReady(lab);
          return;
        }
        if (vapp.pendingTask) {
          // Our own power-on whose answer was lost, or someone else's task: wait for it, then look again.
          await this.save({ ...lab, taskHref: vapp.pendingTask.href });
          return;
        }
        const resuming = lab.phase === 'suspended' || lab.phase === 'resuming';
        const task = await cloud.startPowerOn(vapp.href);
        await this.save(
          { ...lab, phase: resuming ? 'resuming' : 'starting', taskHref: task.href },
          { type: 'progress', message: resuming ? 'resuming…' : 'powering on…' },
        );
        return;
      }
      case 'suspend': {
        const vapp = await cloud.getVApp(this.href(lab));
        if (!vapp) {
          throw new Error(`vApp ${lab.vappName} disappeared before it was suspended`);
        }
        if (vapp.powerState === 'suspended') {
          await this.markSuspended(lab);
          return;
        }
        if (vapp.pendingTask) {
          await this.save({ ...lab, taskHref: vapp.pendingTask.href });
          return;
        }
        const task = await cloud.startSuspend(vapp.href);
        await this.save(
          { ...lab, phase: 'suspending', taskHref: task.href },
          { type: 'progress', message: 'suspending…' },
        );
        return;
      }
      case 'configure-nics':
        await this.configureNics(lab);
        return;
      case 'allocate-ip': {
        const edge = this.edgePolicy();
        const inUse = await cloud.edgeAddressesInUse(edge.gateway, lab.id);
        // The pool's row is the record: written before the cloud allocates anything, so a crash between the two is
        // resumed with the same address (claimPublicIp is idempotent) and never leaves an allocation nobody knows.
        const ip = await this.publicIps.allocate(lab.id, edge.publicIps, inUse);
        await cloud.claimPublicIp(edge.gateway, lab.id, ip);
        await this.save({ ...lab, network: { ...this.network(lab), publicIp: ip } });
        return;
      }
      case 'apply-edge-rules': {
        const network = this.network(lab);
        if (network.publicIp === undefined) {
          throw new Error(`lab ${lab.id} has no public IP yet`);
        }
        const { rules, access } = buildLabEdgeRules(await this.networkPolicy(lab), network.publicIp, lab.vms);
        await cloud.setLabEdgeRules(network.edge, lab.id, rules);
        await this.save({ ...lab, network: { ...network, rulesApplied: true, access } });
        await this.record(lab.id, 'edge-rules', `public IP ${network.publicIp} on ${network.edge}`);
        return;
      }
      case 'release-network':
        await this.releaseNetwork(lab);
        return;
      case 'dismantle':
        await this.dismantle(lab);
        return;
      case 'close-without-vapp':
        await this.close(lab);
        return;
      case 'capture':
        await this.capture(lab);
        return;
      case 'await-capture':
        await this.awaitCapture(lab, step.taskHref);
        return;
      case 'find-capture':
        await this.findCapture(lab);
        return;
      case 'capture-done':
        await this.captureDone(lab);
        return;
    }
  }

  /**
   * `/lab capture`, first part: power the vApp off (undeploy; a running vApp would be captured without a
   * consistent disk state), then send the capture. The catalog item name is recorded before it is sent, so a
   * restart in between looks for the template instead of capturing twice.
   */
  private async capture(lab: Lab): Promise<void> {
    const { cloud } = this.deps;
    const key = lab.captureAs;
    if (key === undefined) {
      // Nothing asked for (a capture was interrupted by hand): bring the lab back.
      await this.save({ ...lab, phase: restorePhase(lab) });
      return;
    }
    const capturing =
      lab.phase === 'capturing'
        ? lab
        : await this.save(
            { ...stopBilling(lab, this.deps.clock.now()), phase: 'capturing' },
            { type: 'progress', message: `capturing as template ${key}: powering off…` },
          );
    const vapp = await cloud.getVApp(this.href(lab));
    if (!vapp) {
      throw new UserError('invalid_state', `its vApp ${lab.vappName} no longer exists`);
    }
    if (vapp.pendingTask) {
      await this.save({ ...capturing, taskHref: vapp.pendingTask.href });
      return;
    }
    if (vapp.deployed || vapp.powerState === 'powered_on' || vapp.powerState === 'suspended') {
      const task = await cloud.startUndeploy(vapp.href);
      await this.save({ ...capturing, taskHref: task.href });
      return;
    }
    if (!this.deps.captured) {
      throw new UserError('invalid_state', 'this labbot has no store for captured templates');
    }
    const name = captureItemName(key);
    const catalogName = this.deps.captureCatalog;
    if ((await cloud.listTemplates(catalogName)).some((t) => t.name === name)) {
      throw new UserError(
        'invalid_state',
        `the catalog${catalogName !== undefined ? ` ${catalogName}` : ''} already holds an item named ${name}; capture under another name or ask an admin to remove it`,
      );
    }
    const recorded = await this.save({ ...capturing, captureName: name });
    const task = await cloud.startCapture(vapp.href, {
      name,
      description: `labbot template ${key}, captured from lab ${lab.id} (${lab.template}) for ${lab.owner}`,
      ...(catalogName !== undefined ? { catalogName } : {}),
    });
    await this.save(
      { ...recorded, taskHref: task.href },
      { type: 'progress', message: `capturing into the catalog as template ${key}…` },
    );
  }

  /** Waits for the capture task (also after a restart), then registers the template and brings the lab back. */
  private async awaitCapture(lab: Lab, taskHref: string): Promise<void> {
    const name = lab.captureName ?? captureItemName(lab.captureAs ?? '');
    const template = await this.withoutSlot(() =>
      this.deps.cloud.waitForCapture(
        { href: taskHref },
        {
          name,
          ...(this.deps.captureCatalog !== undefined ? { catalogName: this.deps.captureCatalog } : {}),
        },
      ),
    );
    await this.registerCapture(lab, name, template.catalogName);
  }

  /**
   * A restart after the capture may have been sent: if VCD is still writing the template, wait for that task; if
   * the template is complete, register it; if there is none, capture again.
   */
  private async findCapture(lab: Lab): Promise<void> {
    const name = lab.captureName ?? '';
    const found = (await this.deps.cloud.listTemplates(this.deps.captureCatalog)).find(
      (t) => t.name === name,
    );
    if (found) {
      const running = await this.deps.cloud.findTemplateTask(found.href);
      if (running) {
        await this.save({ ...lab, taskHref: running.href });
        return;
      }
      await this.registerCapture(lab, name, found.catalogName);
      return;
    }
    const { captureName: _notSent, ...rest } = lab;
    await this.save(rest);
  }

  /** Records the new template (idempotent), then brings the lab back to its desired state. */
  private async registerCapture(lab: Lab, name: string, catalog: string): Promise<void> {
    const store = this.deps.captured;
    if (!store) {
      throw new UserError('invalid_state', 'this labbot has no store for captured templates');
    }
    const key = lab.captureAs ?? keyFromCaptureItem(name);
    const source = (await this.templates()).find((t) => t.key === lab.template);
    await store.save({
      key,
      catalogItem: name,
      catalog,
      baseTemplate: source ? allowListKey(source) : lab.template,
      sourceLabId: lab.id,
      capturedBy: lab.owner,
      capturedAt: this.deps.clock.now(),
    });
    await this.record(lab.id, 'captured', `as template ${key} (${name} in catalog ${catalog})`);
    const { taskHref: _done, ...rest } = lab;
    if (lab.desired === 'deleted') {
      // Torn down meanwhile: the template stands on its own; tell the owner now, then the teardown goes on.
      const { captureName: _told, ...bare } = rest;
      await this.deps.store.applyRequest(lab.id, { captureAs: undefined });
      await this.save(bare, { type: 'captured', template: key });
      return;
    }
    await this.save(
      { ...rest, captureName: name, phase: restorePhase(lab) },
      {
        type: 'progress',
        message: `captured as template ${key}; ${lab.desired === 'running' ? 'powering on again…' : 'leaving it powered off (suspended)'}`,
      },
    );
  }

  /** The lab is back in its desired state: forget the capture, then tell the owner it is deployable. */
  private async captureDone(lab: Lab): Promise<void> {
    const key = lab.captureAs ?? keyFromCaptureItem(lab.captureName ?? '');
    // The request goes first: cleared captureName with captureAs still set would read as a new capture.
    await this.deps.store.applyRequest(lab.id, { captureAs: undefined });
    const { captureName: _told, ...rest } = lab;
    await this.save(rest, { type: 'captured', template: key });
  }

  /** A capture failed: nothing registered, the lab goes back to its desired state and the owner is told why. */
  private async failCapture(lab: Lab, error: unknown): Promise<void> {
    const reason = error instanceof UserError ? error.message : userMessage(error);
    const key = lab.captureAs ?? keyFromCaptureItem(lab.captureName ?? '');
    await this.deps.store.applyRequest(lab.id, { captureAs: undefined });
    const { taskHref: _abandoned, captureName: _failed, ...rest } = lab;
    await this.save(
      { ...rest, phase: lab.phase === 'capturing' ? restorePhase(lab) : lab.phase },
      { type: 'capture-failed', template: key, reason },
    );
    await this.record(lab.id, 'capture-failed', `as template ${key}: ${reason}`, 'failed');
  }

  /** Configured templates and captured ones (inheriting from their base). */
  private async templates(): Promise<TemplatePolicy[]> {
    const captured = this.deps.captured ? await this.deps.captured.list() : [];
    return deployableTemplates(this.deps.policy.templates, captured);
  }

  /** What a finished task means depends on the phase it was started in. */
  private async afterTask(lab: Lab): Promise<void> {
    const { taskHref: _done, ...cleared } = lab;
    if (lab.desired === 'deleted') {
      await this.save(cleared);
      return;
    }
    switch (lab.phase) {
      case 'deploying':
        await this.save({ ...cleared, phase: 'configuring' });
        return;
      case 'configuring': {
        const template = (await this.templates()).find((t) => t.key === lab.template);
        const edge = this.deps.policy.edge;
        if (template?.network !== undefined && edge !== undefined) {
          await this.save(
            {
              ...cleared,
              phase: 'networking',
              network: lab.network ?? initialLabNetwork(template.network, edge.gateway),
            },
            { type: 'progress', message: 'wiring networks…' },
          );
          return;
        }
        await this.save({ ...cleared, phase: 'starting' });
        return;
      }
      case 'starting':
      case 'resuming':
        await this.markReady(cleared);
        return;
      case 'suspending':
        await this.markSuspended(cleared);
        return;
      default:
        await this.save(cleared);
    }
  }

  /**
   * Gives each ESXi VM its NICs, one VM per step (each change is a task the lab records, so a restart waits for it
   * rather than repeating it); once every VM has them, reads back MACs, networks and IPs into the lab.
   */
  private async configureNics(lab: Lab): Promise<void> {
    const policy = await this.networkPolicy(lab);
    const network = lab.network ?? initialLabNetwork(policy, this.edgePolicy().gateway);
    const vapp = await this.deps.cloud.getVApp(this.href(lab));
    if (!vapp) {
      throw new Error(`vApp ${lab.vappName} disappeared before its NICs were configured`);
    }
    for (const vm of findEsxiVms(policy, vapp.vms)) {
      const task = await this.deps.cloud.configureNics(vm.href, esxiNicSpecs(policy));
      if (task !== undefined) {
        await this.save({ ...lab, network, taskHref: task.href });
        return;
      }
    }
    await this.save({ ...lab, vms: vapp.vms, network: { ...network, nicsConfigured: true } });
  }

  /** Removes the lab's edge rules (by tag, so also ones a crash left unrecorded) and returns its public IP. */
  private async releaseNetwork(lab: Lab): Promise<void> {
    const network = this.network(lab);
    if (network.publicIp !== undefined || network.rulesApplied) {
      await this.deps.cloud.setLabEdgeRules(network.edge, lab.id, NO_EDGE_RULES);
    }
    // Always: an allocation a crash left unrecorded on the lab is still found by its lab id.
    const held = network.publicIp ?? (await this.publicIps.list()).find((a) => a.labId === lab.id)?.ip;
    await this.deps.cloud.releasePublicIp(network.edge, lab.id, held);
    await this.publicIps.release(lab.id);
    const { publicIp, ...rest } = network;
    await this.save({ ...lab, network: { ...rest, rulesApplied: false, released: true } });
    await this.record(
      lab.id,
      'release-network',
      publicIp !== undefined ? `edge rules removed, public IP ${publicIp} returned` : 'nothing on the edge',
    );
  }

  private network(lab: Lab): NonNullable<Lab['network']> {
    if (lab.network === undefined) {
      throw new Error(`lab ${lab.id} has no network state`);
    }
    return lab.network;
  }

  private async networkPolicy(lab: Lab): Promise<TemplateNetworkPolicy> {
    // Captured templates inherit their base's network block (labs/templates.ts).
    const network = (await this.templates()).find((t) => t.key === lab.template)?.network;
    if (network === undefined) {
      throw new LabNetworkError(
        `template ${lab.template} no longer has a network block in the configuration`,
      );
    }
    return network;
  }

  private edgePolicy(): NonNullable<LabPolicy['edge']> {
    const edge = this.deps.policy.edge;
    if (edge === undefined) {
      throw new LabNetworkError('no edge gateway is configured (edge in labbot.yml)');
    }
    return edge;
  }

  private async markReady(lab: Lab): Promise<void> {
    const vapp = await this.deps.cloud.getVApp(this.href(lab));
    if (!vapp) {
      throw new Error(`vApp ${lab.vappName} disappeared while powering on`);
    }
    if (vapp.powerState !== 'powered_on') {
      // The task we waited for was not (only) our power-on: record that it is done and let power-on look again.
      const { taskHref: _waited, ...rest } = lab;
      await this.save(rest);
      return;
    }
    const now = this.deps.clock.now();
    const { taskHref: _done, ...rest } = lab;
    const ready = await this.save(
      {
        ...rest,
        phase: 'ready',
        readyAt: lab.readyAt ?? now,
        vms: vapp.vms,
        poweredOnSince: lab.poweredOnSince ?? now,
      },
      { type: 'ready' },
    );
    await this.record(ready.id, lab.phase === 'resuming' ? 'resumed' : 'ready');
  }

  private async markSuspended(lab: Lab): Promise<void> {
    const { taskHref: _done, ...rest } = stopBilling(lab, this.deps.clock.now());
    await this.save(
      { ...rest, phase: 'suspended' },
      { type: 'progress', message: 'suspended: only storage bills now' },
    );
    await this.record(lab.id, 'suspended');
  }

  private async dismantle(lab: Lab): Promise<void> {
    const { cloud } = this.deps;
    const deleting: Lab =
      lab.phase === 'deleting'
        ? lab
        : await this.save(
            { ...stopBilling(lab, this.deps.clock.now()), phase: 'deleting' },
            { type: 'progress', message: 'tearing down…' },
          );
    const vapp = await cloud.getVApp(this.href(lab));
    if (!vapp) {
      await this.close(deleting);
      return;
    }
    if (vapp.pendingTask) {
      await this.save({ ...deleting, taskHref: vapp.pendingTask.href });
      return;
    }
    let task: CloudTask;
    if (vapp.deployed || vapp.powerState === 'powered_on' || vapp.powerState === 'suspended') {
      task = await cloud.startUndeploy(vapp.href);
    } else {
      task = await cloud.startDelete(vapp.href);
    }
    await this.save({ ...deleting, taskHref: task.href });
  }

  /** Ends the lab: `failed` when it got here through a failure (the reason says what was cleaned up), else `deleted`. */
  private async close(lab: Lab): Promise<void> {
    const { taskHref: _done, ...rest } = stopBilling(lab, this.deps.clock.now());
    const failed = lab.failureReason !== undefined;
    const reason = failed
      ? `${lab.failureReason} Cleaned up: ${lab.vappHref !== undefined ? `vApp ${lab.vappName} deleted` : 'nothing had been created'}${lab.network?.released === true ? ', edge rules removed and public IP returned' : ''}.`
      : undefined;
    await this.save(
      {
        ...rest,
        phase: failed ? 'failed' : 'deleted',
        endedAt: this.deps.clock.now(),
        ...(reason !== undefined ? { failureReason: reason } : {}),
      },
      failed ? { type: 'failed', reason: reason ?? '' } : { type: 'deleted' },
    );
    await this.record(lab.id, failed ? 'failed' : 'deleted', reason, failed ? 'failed' : 'ok');
  }

  /** The vApp was confirmed gone on two passes although the lab was running: someone deleted it outside labbot. */
  private async closeVanished(lab: Lab, now: Date): Promise<void> {
    const first = (await this.sightings.sight('vanished', lab.id, now)).at;
    await this.save({ ...stopBilling(lab, now), phase: 'deleted', endedAt: now }, { type: 'deleted' });
    await this.sightings.clear('vanished', lab.id);
    await this.record(
      lab.id,
      'close-vanished',
      `vApp ${lab.vappName} not found in VCD on passes at ${first.toISOString()} and ${now.toISOString()}`,
    );
    await this.deps.notifier.tellAdmins(
      `Lab ${lab.id} (owner ${lab.owner}) was closed: its vApp ${lab.vappName} was deleted outside labbot (not found in VCD since ${first.toISOString()}).`,
    );
  }

  /**
   * A vApp of this installation with no row (the store was lost or restored): track it again. Adoption never deletes:
   * a vApp that is not powered on is kept suspended (it bills storage only, as before) and admins are asked.
   */
  private async adopt(vapp: ManagedVApp): Promise<void> {
    const now = this.deps.clock.now();
    const details = await this.deps.cloud.getVApp(vapp.href);
    const kind =
      this.deps.policy.kinds.find((k) => k.name === vapp.metadata.kind) ?? this.deps.policy.kinds[0];
    const expires = vapp.metadata.expiresAt ? new Date(vapp.metadata.expiresAt) : undefined;
    const poweredOn = vapp.powerState === 'powered_on';
    const vms = details?.vms ?? [];
    const lab: Lab = {
      id: vapp.metadata.labId,
      kind: kind?.name ?? 'demo',
      owner: vapp.metadata.owner ?? 'unknown',
      ...(vapp.metadata.ticket !== undefined ? { ticket: vapp.metadata.ticket } : {}),
      template: 'adopted',
      vappName: vapp.name,
      vappHref: vapp.href,
      desired: poweredOn ? 'running' : 'suspended',
      phase: poweredOn ? 'ready' : 'suspended',
      createdAt: now,
      readyAt: now,
      expiresAt:
        expires && !Number.isNaN(expires.getTime())
          ? expires
          : new Date(now.getTime() + (kind?.defaultLifetimeHours ?? 4) * 3_600_000),
      vms,
      spec: {
        vcpus: vms.reduce((n, vm) => n + vm.cpus, 0),
        memoryGb: vms.reduce((n, vm) => n + vm.memoryMb, 0) / 1024,
        storageGb: 0,
      },
      extensions: 0,
      poweredOnMs: 0,
      ...(poweredOn ? { poweredOnSince: now } : {}),
    };
    await this.deps.store.insert(lab);
    await this.record(
      lab.id,
      'adopt',
      `vApp ${vapp.name} (${vapp.powerState}) carries this installation's metadata but had no record; kept ${lab.phase}`,
    );
    await this.deps.notifier.tellAdmins(
      poweredOn
        ? `Adopted lab ${lab.id} (owner ${lab.owner}): vApp ${vapp.name} carries labbot metadata but labbot had no record of it. It runs and bills from now on.`
        : `Adopted lab ${lab.id} (owner ${lab.owner}): vApp ${vapp.name} carries labbot metadata but labbot had no record of it. It is ${vapp.powerState.replace('_', ' ')}, so labbot keeps it as suspended (its storage bills): tear it down with /lab teardown ${lab.id} if nobody needs it, or resume it with /lab resume ${lab.id}.`,
    );
    this.wake(lab.id);
  }

  /**
   * Rewrites the metadata a handoff or an extension made stale: the vApp must say who owns it and when it expires
   * even if the store is lost (adoption reads them back). Best effort: a failure is logged and retried next pass.
   */
  private async retag(lab: Lab, vapp: ManagedVApp, entries: Record<string, string>): Promise<boolean> {
    try {
      const task = await this.deps.cloud.setMetadata(vapp.href, entries);
      if (task) {
        await this.deps.cloud.waitForTask(task);
      }
      await this.record(lab.id, 'retag', Object.keys(entries).join(', '));
      return true;
    } catch (error) {
      this.deps.logger.warn({ labId: lab.id, causes: causeChain(error) }, 'could not update vApp metadata');
      return false;
    }
  }

  /** The lab ended in our records but its vApp still exists and bills, past its grace: tear it down again. */
  private async reopen(lab: Lab, vapp: ManagedVApp, now: Date): Promise<void> {
    const first = (await this.sightings.sight('ended-exists', lab.id, now)).at;
    const { endedAt: _ended, ...rest } = lab;
    await this.save({ ...rest, phase: 'deleting', vappHref: vapp.href });
    await this.deps.store.applyRequest(lab.id, { desired: 'deleted' });
    await this.sightings.clear('ended-exists', lab.id);
    await this.record(
      lab.id,
      'reopen',
      `vApp ${vapp.name} still existed after the lab ended (first seen ${first.toISOString()}; grace of ${minutes(this.guards.endedGraceMs)} over)`,
    );
    await this.deps.notifier.tellAdmins(
      `Lab ${lab.id} had ended but its vApp ${vapp.name} still existed after the grace of ${minutes(this.guards.endedGraceMs)}; labbot is deleting it.`,
    );
    this.wake(lab.id);
  }

  /**
   * A deploy step failed for good: remember why and switch the lab to deletion, so that what was created is
   * cleaned up; close() then ends it as failed with the reason and what was removed.
   */
  private async failDeploy(lab: Lab, step: Step, error: unknown): Promise<void> {
    const message = userMessage(error);
    await this.deps.store.applyRequest(lab.id, { desired: 'deleted' });
    await this.save(
      { ...lab, failureReason: `Deploy failed while ${stepWords(step)}: ${message}.` },
      { type: 'progress', message: `deploy failed (${message}); cleaning up…` },
    );
  }

  /** Records the controller's fields, then tells people, with the lab as stored (desired may have changed). */
  private async save(lab: Lab, event?: LabEvent): Promise<Lab> {
    await this.deps.store.update(lab);
    const stored = (await this.deps.store.get(lab.id)) ?? lab;
    if (event) {
      await this.deps.notifier.labChanged(stored, event);
    }
    return stored;
  }

  private async record(
    labId: string,
    action: string,
    detail?: string,
    result: 'ok' | 'failed' = 'ok',
  ): Promise<void> {
    await this.deps.audit?.record({
      at: this.deps.clock.now(),
      actor: 'controller',
      labId,
      action,
      ...(detail !== undefined ? { detail } : {}),
      result,
    });
  }

  private href(lab: Lab): string {
    if (lab.vappHref === undefined) {
      throw new Error(`lab ${lab.id} has no vApp href`);
    }
    return lab.vappHref;
  }

  private metadata(lab: Lab): Record<string, string> {
    return {
      [METADATA_KEYS.installation]: this.deps.installationId,
      [METADATA_KEYS.id]: lab.id,
      [METADATA_KEYS.owner]: lab.owner,
      [METADATA_KEYS.kind]: lab.kind,
      ...(lab.ticket !== undefined ? { [METADATA_KEYS.ticket]: lab.ticket } : {}),
      [METADATA_KEYS.expiresAt]: lab.expiresAt.toISOString(),
    };
  }

  private maxLifetimeSeconds(lab: Lab): number {
    const kind = this.deps.policy.kinds.find((k) => k.name === lab.kind);
    return Math.round((kind?.maxLifetimeHours ?? 24) * 3600);
  }
}

/**
 * The metadata entries of a settled lab that differ from what its vApp carries (owner after a handoff, expiry after
 * an extension); undefined when none do, or while the lab is not settled (its steps write metadata themselves).
 */
function staleTags(lab: Lab, vapp: ManagedVApp, installationId: string): Record<string, string> | undefined {
  if (
    lab.vappHref !== vapp.href ||
    lab.taskHref !== undefined ||
    !['ready', 'suspended'].includes(lab.phase)
  ) {
    return undefined;
  }
  const entries: Record<string, string> = {};
  if (vapp.metadata.installation === undefined) {
    // A vApp created before installation ids: this store has its lab, so it is this installation's.
    entries[METADATA_KEYS.installation] = installationId;
  }
  if (vapp.metadata.owner !== lab.owner) {
    entries[METADATA_KEYS.owner] = lab.owner;
  }
  const expiresAt = lab.expiresAt.toISOString();
  if (vapp.metadata.expiresAt !== expiresAt) {
    entries[METADATA_KEYS.expiresAt] = expiresAt;
  }
  return Object.keys(entries).length > 0 ? entries : undefined;
}

/**
 * Whose a listed vApp is: this installation's (its id; or no id but a lab here with that vApp, created before ids),
 * another installation's (another id), or unclaimed (no id and no such lab here: it may be another installation's
 * from before ids, so it is never adopted automatically).
 */
function ownership(
  vapp: ManagedVApp,
  lab: Lab | undefined,
  installationId: string,
): 'ours' | 'foreign' | 'unclaimed' {
  const tag = vapp.metadata.installation;
  if (tag !== undefined) {
    return tag === installationId ? 'ours' : 'foreign';
  }
  const known = lab !== undefined && (lab.vappHref === vapp.href || lab.vappName === vapp.name);
  return known ? 'ours' : 'unclaimed';
}

/** A duration in words for admins and audit lines. */
function minutes(ms: number): string {
  const m = Math.round(ms / 60_000);
  return m === 1 ? '1 minute' : `${m} minutes`;
}

/** Steps of the capture path: a failure there fails the capture, never the lab. */
function isCaptureStep(step: Step): boolean {
  return (
    step.kind === 'capture' ||
    step.kind === 'await-capture' ||
    step.kind === 'find-capture' ||
    step.kind === 'capture-done'
  );
}

/**
 * Where a lab goes after a capture, its vApp now powered off: powering on again if it should run; suspended
 * (powered off, which bills the same and resumes with a power on) if it should be suspended.
 */
function restorePhase(lab: Pick<Lab, 'desired'>): LabPhase {
  return lab.desired === 'running' ? 'starting' : 'suspended';
}

/** Folds the running powered-on interval into the total: CPU and RAM stop billing from `now`. */
function stopBilling(lab: Lab, now: Date): Lab {
  if (!lab.poweredOnSince) {
    return lab;
  }
  const { poweredOnSince, ...rest } = lab;
  return { ...rest, poweredOnMs: lab.poweredOnMs + Math.max(0, now.getTime() - poweredOnSince.getTime()) };
}

/** What a user may read about a failure: cloud errors say what VCD said; anything else stays internal. */
function userMessage(error: unknown): string {
  // Without its closing full stop: callers put the message inside sentences of their own.
  return isCloudError(error) || error instanceof LabNetworkError
    ? error.message.replace(/[.\s]+$/, '')
    : 'internal error';
}

function stepWords(step: Step): string {
  switch (step.kind) {
    case 'instantiate':
    case 'find-vapp':
      return 'creating the vApp';
    case 'await-task':
      return 'waiting for VCD';
    case 'set-metadata':
      return 'tagging the vApp';
    case 'power-on':
      return 'powering on';
    case 'configure-nics':
      return 'configuring the ESXi NICs';
    case 'allocate-ip':
      return 'allocating a public IP';
    case 'apply-edge-rules':
      return 'adding the edge rules';
    default:
      return 'working on it';
  }
}

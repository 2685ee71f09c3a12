import { causeChain } from '../labs/errors';
import { isTerminal, type Lab } from '../labs/lab';
import { NO_EDGE_RULES } from '../labs/lab-network';
import { type ManagedVApp, type PublicIpPool, type ReconcileSightings } from '../labs/ports';
import { LABBOT_METADATA_KEYS as METADATA_KEYS } from '../labs/vapp-metadata';
import { stopBilling } from './billing';
import { type ControllerContext } from './controller-context';
import { DEFAULT_RECONCILE_GUARDS, type LabControllerDeps, type ReconcileGuards } from './controller-deps';
import { InProcessSightings } from './in-process-sightings';

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
 * Reconciliation (DESIGN.md section 2): makes the store and VCD agree after whatever happened outside labbot or
 * while it was down, behind the guards of issue 14. It keeps state between passes: sightings (shared by replicas
 * through the store) and the last held-back set.
 */
export class Reconciler {
  private readonly deps: LabControllerDeps;
  private readonly publicIps: PublicIpPool;
  private readonly sightings: ReconcileSightings;
  private readonly guards: ReconcileGuards;
  /** The labs the last held-back pass named: the same ones held again are not announced again every minute. */
  private lastHeld = '';

  constructor(private readonly ctx: ControllerContext) {
    this.deps = ctx.deps;
    this.publicIps = ctx.publicIps;
    this.sightings = ctx.deps.sightings ?? new InProcessSightings();
    this.guards = { ...DEFAULT_RECONCILE_GUARDS, ...ctx.deps.guards };
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
        await this.ctx.record(
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
      await this.ctx.record(
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
      await this.ctx.record(lab.id, 'reconcile-held', detail);
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
    await this.ctx.record(
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
        await this.ctx.record(
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
        await this.ctx.record(labId, 'free-orphan-ip', `public IP ${ip} returned to the pool`);
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
    await this.ctx.record(
      labId,
      'foreign-rules',
      `edge rules of lab ${labId} on ${gateway}: no such lab here; left alone`,
    );
    await this.deps.notifier.tellAdmins(
      `Edge ${gateway} has rules tagged with lab ${labId}, which this installation has no record of: they may be another labbot installation's, so labbot leaves them alone. Remove them on the edge if nobody uses them.`,
    );
  }

  /** The vApp was confirmed gone on two passes although the lab was running: someone deleted it outside labbot. */
  private async closeVanished(lab: Lab, now: Date): Promise<void> {
    const first = (await this.sightings.sight('vanished', lab.id, now)).at;
    await this.ctx.save({ ...stopBilling(lab, now), phase: 'deleted', endedAt: now }, { type: 'deleted' });
    await this.sightings.clear('vanished', lab.id);
    await this.ctx.record(
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
    await this.ctx.record(
      lab.id,
      'adopt',
      `vApp ${vapp.name} (${vapp.powerState}) carries this installation's metadata but had no record; kept ${lab.phase}`,
    );
    await this.deps.notifier.tellAdmins(
      poweredOn
        ? `Adopted lab ${lab.id} (owner ${lab.owner}): vApp ${vapp.name} carries labbot metadata but labbot had no record of it. It runs and bills from now on.`
        : `Adopted lab ${lab.id} (owner ${lab.owner}): vApp ${vapp.name} carries labbot metadata but labbot had no record of it. It is ${vapp.powerState.replace('_', ' ')}, so labbot keeps it as suspended (its storage bills): tear it down with /lab teardown ${lab.id} if nobody needs it, or resume it with /lab resume ${lab.id}.`,
    );
    this.ctx.wake(lab.id);
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
      await this.ctx.record(lab.id, 'retag', Object.keys(entries).join(', '));
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
    await this.ctx.save({ ...rest, phase: 'deleting', vappHref: vapp.href });
    await this.deps.store.applyRequest(lab.id, { desired: 'deleted' });
    await this.sightings.clear('ended-exists', lab.id);
    await this.ctx.record(
      lab.id,
      'reopen',
      `vApp ${vapp.name} still existed after the lab ended (first seen ${first.toISOString()}; grace of ${minutes(this.guards.endedGraceMs)} over)`,
    );
    await this.deps.notifier.tellAdmins(
      `Lab ${lab.id} had ended but its vApp ${vapp.name} still existed after the grace of ${minutes(this.guards.endedGraceMs)}; labbot is deleting it.`,
    );
    this.ctx.wake(lab.id);
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

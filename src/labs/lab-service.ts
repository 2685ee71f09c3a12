import { type BillingInterval, type BillingPeriod } from './billing';
import { committedHourlyRate, hourlyRate, type HourlyRate } from './cost';
import { handoffRefusal } from './handoff';
import { limitRefusal, type LimitRefusal } from './limits';
import { formatMinutes } from './duration';
import { DuplicateLabError, LiveTicketConflictError, UserError } from './errors';
import { isTerminal, type Lab, type LabPhase, type LabRequestChanges, lifetimeLimit } from './lab';
import { randomLabId, reproLabId, vappNameFor } from './lab-id';
import {
  allowListKey,
  deployableTemplates,
  mayUseCapture,
  TEMPLATE_KEY_PATTERN,
  visibleCaptures,
} from './templates';
import { type KindPolicy, type LabPolicy, schedulePolicy, type TemplatePolicy } from './policy';
import {
  DEPLOY_HISTORY_SIZE,
  expectedDeployMinutes,
  type ExpectedDeploy,
  planDeploy,
  type SchedulePlan,
} from './schedule';
import {
  type AuditLog,
  type CapturedTemplate,
  type CapturedTemplateStore,
  type Clock,
  type DeployHistory,
  type LabStore,
  type LabWaker,
  type Random,
  type SignalStore,
  type UserDirectory,
  type BillingLedger,
} from './ports';

export interface LabServiceDeps {
  store: LabStore;
  waker: LabWaker;
  clock: Clock;
  random: Random;
  policy: LabPolicy;
  audit?: AuditLog;
  /** Where keep-alive calls are recorded for the reaper. */
  signals?: SignalStore;
  /** Unguessable token for a lab's keep-alive URL (crypto in production; injected so tests are repeatable). */
  newToken?: () => string;
  /** Templates made with `/lab capture`; without it nothing can be captured and only configured ones deploy. */
  captured?: CapturedTemplateStore;
  /** Who may receive a hand-off (Slack's users.info); without it labs cannot be handed off. */
  directory?: UserDirectory;
  /** True when `user` trains the class `labId` belongs to (class-service.ts): they manage it as its owner would. */
  isTrainerOf?: (user: string, labId: string) => Promise<boolean>;
  /** The billing ledger (issue 19); without it cost reports are refused. */
  ledger?: BillingLedger;
  /** Recent deploys, to learn how early a scheduled lab must start; without it the configured default is used. */
  deployHistory?: DeployHistory;
}

export interface DeployInput {
  user: string;
  channel?: string;
  /** Slack user groups of the user, for the deploy allow list. */
  userGroups?: string[];
  kind: string;
  /** Template key; the kind's default when absent. */
  template?: string;
  lifetimeMinutes?: number;
  ticket?: string;
  /**
   * Schedule the lab: it is recorded (and counted against limits) now, deployed early enough to be ready at this time,
   * and its lifetime counts from it. Must be in the future and within the policy's `schedule.maxDaysAhead`.
   */
  readyBy?: Date;
}

export interface DeployResult {
  lab: Lab;
  /** True when a live lab already existed for the ticket and was returned instead of a new one. */
  existing: boolean;
  /** For a scheduled lab: the deploy time it planned with, and whether it may be late already. */
  schedule?: { expected: ExpectedDeploy; tight: boolean };
}

/** How many random ids to try before giving up; with 32^3 ids per kind a clash is rare, so 5 is plenty. */
const ID_ATTEMPTS = 5;

/** At most one keep-alive signal is recorded per lab in this window; the other calls in it are coalesced. */
export const KEEPALIVE_WINDOW_MS = 60_000;

/**
 * The use cases. They check permissions and policy, record what the user wants and wake the controller;
 * they never call the cloud, so they answer within a chat platform's ack deadline. Every decision, allowed or
 * denied, goes to the audit log.
 */
export class LabService {
  constructor(private readonly deps: LabServiceDeps) {}

  /**
   * Requests a new lab, or returns the live lab of the same ticket (repro labs are one per ticket).
   * @throws UserError for an unknown kind or template, a template the kind does not allow, a lifetime beyond
   * the kind's maximum, or a user over their lab count or hourly spend limit.
   */
  async deploy(input: DeployInput): Promise<DeployResult> {
    const denial = this.deployDenial(input.user, input.channel, input.userGroups ?? []);
    if (denial !== undefined) {
      await this.audit(input.user, undefined, 'deploy', denial, 'denied');
      throw new UserError('not_owner', denial);
    }
    const kind = this.kind(input.kind);
    const template = this.template(
      input.template ?? kind.defaultTemplate,
      await this.deployableTemplates(input.user),
    );
    // Kept as typed, for display; the store compares tickets case-insensitively, so TKT-2 and tkt-2 are one ticket.
    const ticket = input.ticket;
    if (kind.templates.length > 0 && !kind.templates.includes(allowListKey(template))) {
      throw new UserError(
        'usage',
        `A ${kind.name} lab cannot use template "${template.key}". Allowed: ${kind.templates.join(', ')}.`,
      );
    }
    const lifetime = input.lifetimeMinutes ?? kind.defaultLifetimeHours * 60;
    if (lifetime > kind.maxLifetimeHours * 60) {
      throw new UserError(
        'usage',
        `A ${kind.name} lab can live at most ${formatMinutes(kind.maxLifetimeHours * 60)}; you asked for ${formatMinutes(lifetime)}.`,
      );
    }
    const now = this.deps.clock.now();
    if (input.readyBy !== undefined) {
      this.checkReadyBy(input.readyBy, now);
    }
    if (ticket !== undefined) {
      const live = await this.deps.store.findLiveByTicket(ticket);
      if (live) {
        return { lab: live, existing: true };
      }
    }
    const schedule =
      input.readyBy !== undefined ? await this.planSchedule(template.key, input.readyBy, now) : undefined;
    // The lifetime counts from the ready-by time: a lab scheduled for 14:00 for 2h lives until 16:00.
    const lifetimeFrom = input.readyBy ?? now;
    const added = hourlyRate(template, this.deps.policy.rates).total;
    // Judged by the store under the owner's lock, between reading their labs and inserting this one.
    const check = (ownerLabs: readonly Lab[]): LimitRefusal | undefined =>
      this.isAdmin(input.user)
        ? undefined
        : limitRefusal(ownerLabs, added, this.deps.policy.limits, this.deps.policy.rates, 'you');

    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const id = this.newId(kind.name, ticket, attempt);
      const lab: Lab = {
        id,
        kind: kind.name,
        owner: input.user,
        ...(ticket !== undefined ? { ticket } : {}),
        template: template.key,
        vappName: vappNameFor(id),
        desired: 'running',
        phase: schedule !== undefined ? 'scheduled' : 'requested',
        ...(input.channel !== undefined ? { channel: input.channel } : {}),
        createdAt: now,
        expiresAt: new Date(lifetimeFrom.getTime() + lifetime * 60_000),
        ...(schedule !== undefined && input.readyBy !== undefined
          ? { readyBy: input.readyBy, deployAt: schedule.plan.deployAt }
          : {}),
        vms: [],
        spec: { vcpus: template.vcpus, memoryGb: template.memoryGb, storageGb: template.storageGb },
        extensions: 0,
        poweredOnMs: 0,
        lastActivityAt: now,
        ...(this.deps.newToken ? { keepaliveToken: this.deps.newToken() } : {}),
      };
      let refusal: LimitRefusal | undefined;
      try {
        refusal = await this.deps.store.insertWithinLimits(lab, check);
      } catch (error) {
        if (error instanceof DuplicateLabError) {
          continue;
        }
        if (error instanceof LiveTicketConflictError && ticket !== undefined) {
          const winner = await this.deps.store.findLiveByTicket(ticket);
          if (winner) {
            return { lab: winner, existing: true };
          }
        }
        throw error;
      }
      if (refusal !== undefined) {
        await this.audit(input.user, undefined, 'deploy', refusal.detail, 'denied');
        throw new UserError('quota', refusal.message);
      }
      await this.audit(
        input.user,
        lab.id,
        schedule !== undefined ? 'schedule' : 'deploy',
        `${kind.name} ${template.key} for ${formatMinutes(lifetime)}${
          schedule !== undefined && input.readyBy !== undefined
            ? `, ready by ${input.readyBy.toISOString()}, deploy at ${schedule.plan.deployAt.toISOString()} (expected ${formatMinutes(schedule.expected.minutes)}: ${schedule.expected.source})`
            : ''
        }`,
      );
      this.deps.waker.wake(lab.id);
      return {
        lab,
        existing: false,
        ...(schedule !== undefined
          ? { schedule: { expected: schedule.expected, tight: schedule.plan.tight } }
          : {}),
      };
    }
    throw new Error(`could not find a free lab id for kind ${kind.name} after ${ID_ATTEMPTS} attempts`);
  }

  /** @throws UserError when the ready-by time is not in the future or too far ahead. */
  private checkReadyBy(readyBy: Date, now: Date): void {
    const { maxDaysAhead } = schedulePolicy(this.deps.policy);
    if (Number.isNaN(readyBy.getTime()) || readyBy.getTime() <= now.getTime()) {
      throw new UserError('usage', 'The ready-by time has already passed; give a time in the future.');
    }
    if (readyBy.getTime() - now.getTime() > maxDaysAhead * 86_400_000) {
      throw new UserError(
        'usage',
        `Labs can be scheduled at most ${maxDaysAhead} days ahead; pick an earlier ready-by time.`,
      );
    }
  }

  /**
   * The schedule of labs that will be ready by `readyBy` (a class's labs): checked as a scheduled deploy's ready-by
   * time is, with the deploy start learned from the template's recent deploys.
   * @throws UserError for a time in the past or too far ahead.
   */
  async planReadyBy(
    template: string,
    readyBy: Date,
  ): Promise<{ readyBy: Date; deployAt: Date; expected: ExpectedDeploy; tight: boolean }> {
    const now = this.deps.clock.now();
    this.checkReadyBy(readyBy, now);
    const { plan, expected } = await this.planSchedule(template, readyBy, now);
    return { readyBy, deployAt: plan.deployAt, expected, tight: plan.tight };
  }

  /** When a scheduled lab's deploy starts: its ready-by time minus the template's expected deploy time. */
  private async planSchedule(
    template: string,
    readyBy: Date,
    now: Date,
  ): Promise<{ plan: SchedulePlan; expected: ExpectedDeploy }> {
    const { expectedDeployMinutes: fallback } = schedulePolicy(this.deps.policy);
    const recent = (await this.deps.deployHistory?.recentDeploys(template, DEPLOY_HISTORY_SIZE)) ?? [];
    const expected = expectedDeployMinutes(
      recent.map((d) => d.minutes),
      fallback,
    );
    return { plan: planDeploy(readyBy, now, expected), expected };
  }

  /**
   * Labs of the user, or of everyone for `all` (admins only).
   * @throws UserError when a non-admin asks for all labs.
   */
  async list(user: string, all: boolean): Promise<Lab[]> {
    if (all && !this.isAdmin(user)) {
      await this.audit(user, undefined, 'list-all', undefined, 'denied');
      throw new UserError(
        'not_owner',
        'Only labbot admins can list everyone’s labs. `/lab list` shows yours.',
      );
    }
    return this.deps.store.list(all ? {} : { owner: user });
  }

  /**
   * What billed in the period, from the ledger: the intervals overlapping it and the labs they belong to; `owner`
   * narrows both to the labs that user owns now.
   * @throws UserError when this installation has no ledger.
   */
  async billing(
    period: BillingPeriod,
    owner?: string,
  ): Promise<{ labs: Lab[]; intervals: BillingInterval[] }> {
    if (this.deps.ledger === undefined) {
      throw new UserError(
        'invalid_state',
        'Cost reports are not available here: labbot has no billing ledger.',
      );
    }
    const [labs, intervals] = await Promise.all([
      this.history(owner),
      this.deps.ledger.intervals(period.from, period.to, owner),
    ]);
    return { labs, intervals };
  }

  /** Every lab, live and ended, for cost reports; `owner` narrows it to one user. */
  async history(owner?: string): Promise<Lab[]> {
    return this.deps.store.list({ ...(owner !== undefined ? { owner } : {}), includeEnded: true });
  }

  /**
   * One lab by id, for anyone: what the lab is and costs. Whether its access details may be shown to `user` is
   * mayAccess's call.
   * @throws UserError when there is no such lab.
   */
  async status(labId: string): Promise<Lab> {
    const lab = await this.deps.store.get(labId);
    if (!lab) {
      throw new UserError('not_found', `There is no lab ${labId}. \`/lab list\` shows your labs.`);
    }
    return lab;
  }

  /**
   * Asks for a lab to be torn down. Idempotent while the teardown runs.
   * @throws UserError when the lab does not exist, has already ended, or the user is neither owner nor admin.
   */
  async teardown(user: string, labId: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'tear it down', 'teardown');
    if (lab.desired === 'deleted') {
      return lab;
    }
    // A scheduled lab has nothing in the cloud: the controller closes it without a VCD call.
    return this.request(user, lab, { desired: 'deleted' }, lab.phase === 'scheduled' ? 'cancel' : 'teardown');
  }

  /**
   * Cancels a scheduled lab before its deploy starts: nothing exists in the cloud, so the controller closes it without
   * a VCD call and it costs nothing.
   * @throws UserError when the lab is not the user's, has ended, or is no longer scheduled (its deploy started: tear
   *   it down instead).
   */
  async cancel(user: string, labId: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'cancel it', 'cancel');
    if (lab.desired === 'deleted') {
      return lab;
    }
    if (lab.phase !== 'scheduled') {
      throw new UserError(
        'invalid_state',
        `Lab ${lab.id} is not waiting to deploy (it is ${lab.phase}); \`/lab teardown ${lab.id}\` deletes it.`,
      );
    }
    return this.request(user, lab, { desired: 'deleted' }, 'cancel');
  }

  /**
   * Pushes the expiry out by `minutes` (the kind's default extension when absent), within the kind's maximum
   * lifetime counted from its start (ready-by for a scheduled lab, else creation), and at most the kind's number of
   * extensions.
   * @throws UserError when the lab is not the user's, has ended, or no extension is left.
   */
  async extend(user: string, labId: string, minutes?: number): Promise<Lab> {
    const lab = await this.mine(user, labId, 'extend it', 'extend');
    const kind = this.kind(lab.kind);
    if (lab.desired === 'deleted') {
      throw new UserError('invalid_state', `Lab ${lab.id} is being torn down; it cannot be extended.`);
    }
    if (lab.extensions >= kind.maxExtensions) {
      await this.audit(user, lab.id, 'extend', `cap of ${kind.maxExtensions} reached`, 'denied');
      throw new UserError(
        'quota',
        `Lab ${lab.id} has used all ${kind.maxExtensions} extensions a ${kind.name} lab gets. Deploy a new one if you still need it.`,
      );
    }
    const hardStop = lifetimeLimit(lab, kind.maxLifetimeHours).getTime();
    const wanted =
      Math.max(lab.expiresAt.getTime(), this.deps.clock.now().getTime()) +
      (minutes ?? kind.extendHours * 60) * 60_000;
    const expiresAt = new Date(Math.min(wanted, hardStop));
    if (expiresAt.getTime() <= lab.expiresAt.getTime()) {
      await this.audit(user, lab.id, 'extend', 'at maximum lifetime', 'denied');
      throw new UserError(
        'quota',
        `Lab ${lab.id} already runs to its maximum lifetime of ${formatMinutes(kind.maxLifetimeHours * 60)} for a ${kind.name} lab.`,
      );
    }
    return this.request(
      user,
      lab,
      { expiresAt, extensions: lab.extensions + 1 },
      'extend',
      `to ${expiresAt.toISOString()}`,
    );
  }

  /**
   * Suspends a ready lab: CPU and RAM stop billing, storage goes on.
   * @throws UserError when the lab is not the user's, has ended or is not running.
   */
  async suspend(user: string, labId: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'suspend it', 'suspend');
    if (lab.desired !== 'running') {
      throw new UserError(
        'invalid_state',
        `Lab ${lab.id} is ${lab.desired === 'suspended' ? 'already suspended' : 'being torn down'}.`,
      );
    }
    return this.request(user, lab, { desired: 'suspended' }, 'suspend');
  }

  /**
   * Resumes a suspended lab.
   * @throws UserError when the lab is not the user's, has ended or is not suspended.
   */
  async resume(user: string, labId: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'resume it', 'resume');
    if (lab.desired !== 'suspended') {
      throw new UserError('invalid_state', `Lab ${lab.id} is not suspended.`);
    }
    if (lab.restoreUntil === undefined) {
      return this.request(user, lab, { desired: 'running' }, 'resume');
    }
    // Brought back from the reaper's restore window (issue 19): the window ends, and a lab that had expired gets
    // its kind's extension from now (never past the maximum lifetime, counted from ready-by for a scheduled lab,
    // as extend and keep count it), or the reaper would take it again at once.
    const kind = this.kind(lab.kind);
    const now = this.deps.clock.now().getTime();
    const hardStop = lifetimeLimit(lab, kind.maxLifetimeHours).getTime();
    const expiresAt =
      lab.expiresAt.getTime() > now
        ? lab.expiresAt
        : new Date(Math.max(lab.expiresAt.getTime(), Math.min(now + kind.extendHours * 3_600_000, hardStop)));
    return this.request(
      user,
      lab,
      { desired: 'running', restoreUntil: undefined, expiresAt },
      'resume',
      `brought back from its restore window (would have been deleted at ${lab.restoreUntil.toISOString()})`,
    );
  }

  /**
   * True when `user` may see the lab's access details (public IP, URLs, MACs, keep-alive URL): its owner or an admin.
   * The one place that decides it, so that "its class's trainer" joins here when classes exist.
   */
  mayAccess(user: string, lab: Pick<Lab, 'owner'>): boolean {
    return lab.owner === user || this.isAdmin(user);
  }

  /**
   * Gives a lab to another user, who then owns its messages, warnings and bill. The receiver must be an active,
   * human member of the team (the user directory says so), and the lab counts against their limits (admins
   * included: a hand-off must not park labs beyond anyone's limits), checked atomically with the change of owner.
   * The keep-alive token is replaced, so the old owner's keep-alive URL stops working.
   * @throws UserError when the lab is not the user's, has ended, the receiver cannot own labs, or is over their
   *   limits.
   */
  async handoff(user: string, labId: string, newOwner: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'hand it off', 'handoff');
    if (newOwner === lab.owner) {
      throw new UserError('usage', `Lab ${lab.id} already belongs to that user.`);
    }
    const directory = this.deps.directory;
    if (!directory) {
      throw new UserError('invalid_state', 'Handing labs off is not enabled in this labbot.');
    }
    const receiver = await directory.lookup(newOwner);
    const refusal = handoffRefusal(newOwner, receiver);
    if (refusal !== undefined) {
      await this.audit(user, lab.id, 'handoff', `to ${newOwner}: ${refusal}`, 'denied');
      throw new UserError('usage', refusal);
    }
    const now = this.deps.clock.now();
    const changes = {
      owner: newOwner,
      lastActivityAt: now,
      // Present even without a generator: then the old token is cleared rather than kept.
      keepaliveToken: this.deps.newToken?.(),
    };
    const added = committedHourlyRate(lab, this.deps.policy.rates);
    const outcome = await this.deps.store.transferWithinLimits(lab.id, lab.owner, changes, (labs) =>
      limitRefusal(labs, added, this.deps.policy.limits, this.deps.policy.rates, 'receiver', lab.id),
    );
    if (outcome.status === 'refused') {
      await this.audit(user, lab.id, 'handoff', `to ${newOwner}: ${outcome.refusal.detail}`, 'denied');
      throw new UserError('quota', outcome.refusal.message);
    }
    if (outcome.status === 'stale') {
      throw new UserError(
        'invalid_state',
        `Lab ${lab.id} changed hands or ended meanwhile; \`/lab status ${lab.id}\` shows where it is now.`,
      );
    }
    const unverified = receiver?.verified === false ? ' (receiver not checked: no user directory)' : '';
    await this.audit(user, lab.id, 'handoff', `from ${lab.owner} to ${newOwner}${unverified}`);
    this.deps.waker.wake(lab.id);
    const moved: Lab = { ...lab, owner: newOwner, lastActivityAt: now };
    delete moved.keepaliveToken;
    return changes.keepaliveToken === undefined
      ? moved
      : { ...moved, keepaliveToken: changes.keepaliveToken };
  }

  /**
   * Keep from a reaper warning: the reaper leaves the lab alone until `until` (pushing the expiry there if it
   * was earlier, within the kind's maximum lifetime). Counts as an extension. `inUse` records that the warning
   * was a false positive ("I'm using it"), so the idle thresholds can be tuned.
   * @throws UserError when the lab is not the user's, has ended, is being torn down, or its extensions are used up.
   */
  async keep(user: string, labId: string, until: Date, inUse = false): Promise<Lab> {
    const lab = await this.mine(user, labId, 'keep it', 'keep');
    const kind = this.kind(lab.kind);
    // A Keep clicked after the teardown began (the owner's, or the reaper's once the grace ended) cannot stop it.
    if (lab.desired === 'deleted') {
      throw new UserError('invalid_state', `Lab ${lab.id} is being torn down; it cannot be kept.`);
    }
    if (lab.extensions >= kind.maxExtensions) {
      await this.audit(user, lab.id, 'keep', `cap of ${kind.maxExtensions} reached`, 'denied');
      throw new UserError(
        'quota',
        `Lab ${lab.id} has used all ${kind.maxExtensions} extensions a ${kind.name} lab gets, so it cannot be kept longer.`,
      );
    }
    const hardStop = lifetimeLimit(lab, kind.maxLifetimeHours);
    const keptUntil = until > hardStop ? hardStop : until;
    const changes: LabRequestChanges = {
      snoozedUntil: keptUntil,
      reapWarnedAt: undefined,
      extensions: lab.extensions + 1,
    };
    if (lab.expiresAt < keptUntil) {
      changes.expiresAt = keptUntil;
    }
    if (inUse) {
      await this.audit(
        user,
        lab.id,
        'false-positive',
        'owner says the lab was in use when the reaper warned',
      );
    }
    return this.request(user, lab, changes, 'keep', `until ${keptUntil.toISOString()}`);
  }

  /**
   * A call from inside the lab saying it is in use (`GET /labs/{id}/keepalive?token=…`). Answers only true or
   * false, never why, so the endpoint tells an outsider nothing about which labs exist.
   */
  async keepalive(labId: string, token: string): Promise<boolean> {
    const lab = await this.deps.store.get(labId);
    if (
      !lab ||
      isTerminal(lab) ||
      lab.keepaliveToken === undefined ||
      !sameSecret(lab.keepaliveToken, token)
    ) {
      return false;
    }
    // Coalesced: a lab calling in a loop (or someone hammering the URL) records one row a minute, not one per call.
    await this.deps.signals?.recordKeepalive(labId, this.deps.clock.now(), KEEPALIVE_WINDOW_MS);
    return true;
  }

  /**
   * A ticket webhook (Jira or Zendesk, already authenticated) says `ticket` changed. When it is resolved or closed
   * and a live lab belongs to it, records when (the reaper then warns the owner and reaps the lab after its grace
   * period unless kept, see reaper/ticket-closed.ts); a reopened ticket clears the mark. Tickets match whatever
   * their case.
   * @returns `unknown` when no live lab has this ticket (nothing changed), else what was done.
   */
  async ticketChanged(
    source: string,
    ticket: string,
    closed: boolean,
  ): Promise<{ outcome: 'unknown' } | { outcome: 'closed' | 'reopened' | 'unchanged'; labId: string }> {
    const lab = await this.deps.store.findLiveByTicket(ticket);
    if (lab === undefined) {
      return { outcome: 'unknown' };
    }
    if (closed === (lab.ticketClosedAt !== undefined)) {
      return { outcome: 'unchanged', labId: lab.id };
    }
    const now = this.deps.clock.now();
    await this.deps.store.applyRequest(lab.id, { ticketClosedAt: closed ? now : undefined });
    await this.audit(
      source,
      lab.id,
      closed ? 'ticket-closed' : 'ticket-reopened',
      `${source} says ticket ${ticket} is ${closed ? 'resolved or closed: the lab is reaped after the grace period unless kept' : 'open again'}`,
    );
    return { outcome: closed ? 'closed' : 'reopened', labId: lab.id };
  }

  /** Records that a person used the lab (a command or button about it); the reaper reads this. */
  async touch(labId: string): Promise<void> {
    await this.deps.store.applyRequest(labId, { lastActivityAt: this.deps.clock.now() });
  }

  /**
   * Templates `user` may deploy, configured then captured (published ones, their own and, for admins, all), with
   * their hourly rate; `private` marks a captured template not yet published.
   */
  async templates(
    user: string,
  ): Promise<{ template: TemplatePolicy; rate: HourlyRate; private: boolean; capturedBy?: string }[]> {
    const { templates, captures } = await this.deployable(user);
    return templates.map((template) => {
      const capture = captures.find((c) => c.key === template.key);
      return {
        template,
        rate: hourlyRate(template, this.deps.policy.rates),
        private: capture !== undefined && capture.publishedAt === undefined,
        ...(capture !== undefined ? { capturedBy: capture.capturedBy } : {}),
      };
    });
  }

  /**
   * Publishes a captured template to everyone (`/lab templates publish NAME`); admins only. Publishing again does
   * nothing.
   * @throws UserError for a non-admin, or a key that is no captured template.
   */
  async publishTemplate(user: string, key: string): Promise<void> {
    if (!this.isAdmin(user)) {
      await this.audit(user, undefined, 'template-publish', key, 'denied');
      throw new UserError(
        'not_owner',
        'Only labbot admins can publish a captured template to everyone. Ask one to look at it.',
      );
    }
    const capture = await this.deps.captured?.get(key);
    if (!capture || !this.deps.captured) {
      throw this.noCapturedTemplate(key);
    }
    await this.deps.captured.publish(key, user, this.deps.clock.now());
    await this.audit(user, undefined, 'template-publish', key);
  }

  /**
   * Removes a captured template's registration (`/lab templates remove NAME`), for whoever captured it or an admin.
   * The VCD catalog item stays: labbot never deletes what someone may still need; a VCD admin removes it there.
   * Refused while live labs were deployed from it: the controller and the reaper still read their size, idle
   * thresholds and network rules from it (a teardown removes the edge rules the template describes).
   * @returns the catalog and item left in VCD, for the reply.
   * @throws UserError for someone else's template, a key that is no captured template (or not theirs to see), or
   *   one that live labs use.
   */
  async removeTemplate(user: string, key: string): Promise<{ catalog: string; catalogItem: string }> {
    const capture = await this.deps.captured?.get(key);
    if (!capture || !this.deps.captured || !mayUseCapture(capture, user, this.isAdmin(user))) {
      throw this.noCapturedTemplate(key);
    }
    if (capture.capturedBy !== user && !this.isAdmin(user)) {
      await this.audit(user, undefined, 'template-remove', key, 'denied');
      throw new UserError(
        'not_owner',
        `Template "${key}" was captured by someone else; only they or an admin can remove it.`,
      );
    }
    const users = (await this.deps.store.listActive()).filter((lab) => lab.template === key);
    if (users.length > 0) {
      await this.audit(user, undefined, 'template-remove', `${key}: used by live labs`, 'denied');
      throw new UserError(
        'invalid_state',
        `Template "${key}" is still used by live lab${users.length === 1 ? '' : 's'} ${users.map((l) => l.id).join(', ')}; remove it once they are torn down.`,
      );
    }
    await this.deps.captured.remove(key);
    await this.audit(user, undefined, 'template-remove', `${key} (catalog item ${capture.catalogItem} kept)`);
    return { catalog: capture.catalog, catalogItem: capture.catalogItem };
  }

  private noCapturedTemplate(key: string): UserError {
    return new UserError(
      'unknown_template',
      `There is no captured template "${key}" of yours. \`/lab templates\` lists the templates you can use.`,
    );
  }

  /** Captured templates `user` may see and deploy. */
  private async visibleCaptures(user: string): Promise<CapturedTemplate[]> {
    const captured = this.deps.captured ? await this.deps.captured.list() : [];
    return visibleCaptures(captured, user, this.isAdmin(user));
  }

  /**
   * Asks for a lab to be captured into the catalog as template `key` (`/lab capture LAB NAME`): the controller
   * powers it off, captures it, registers the template and brings the lab back; the owner is told when it is
   * deployable. One capture at a time per lab.
   * @throws UserError when the lab is not the user's, has ended, is not ready or suspended, is already being
   *   captured, or the key is malformed or taken by a configured or captured template (or another capture).
   */
  async capture(user: string, labId: string, key: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'capture it', 'capture');
    const captured = this.deps.captured;
    if (!captured) {
      throw new UserError('invalid_state', 'Capturing labs is not enabled in this labbot.');
    }
    if (!TEMPLATE_KEY_PATTERN.test(key)) {
      throw new UserError(
        'usage',
        `"${key.slice(0, 40)}" is not a template name: use up to 32 lowercase letters, digits and dashes.`,
      );
    }
    const refusal = captureRefusal(lab);
    if (refusal !== undefined) {
      await this.audit(user, lab.id, 'capture-requested', refusal, 'denied');
      throw new UserError('invalid_state', refusal);
    }
    const base = (await this.deployableTemplates(lab.owner)).find((t) => t.key === lab.template);
    if (base === undefined) {
      throw new UserError(
        'invalid_state',
        `Lab ${lab.id} has no configured template (${lab.template}) to inherit size and rules from, so it cannot be captured.`,
      );
    }
    await this.checkTemplateKeyFree(key, lab.id);
    return this.request(
      user,
      lab,
      { captureAs: key },
      'capture-requested',
      `as ${key} (base ${allowListKey(base)})`,
    );
  }

  private async checkTemplateKeyFree(key: string, labId: string): Promise<void> {
    if (this.deps.policy.templates.some((t) => t.key === key)) {
      throw new UserError(
        'usage',
        `"${key}" is already a configured template; pick another name (\`/lab templates\` lists the taken ones).`,
      );
    }
    if (await this.deps.captured?.get(key)) {
      throw new UserError(
        'usage',
        `There is already a captured template "${key}"; pick another name (\`/lab templates\` lists the taken ones).`,
      );
    }
    const other = (await this.deps.store.listActive()).find((l) => l.captureAs === key && l.id !== labId);
    if (other) {
      throw new UserError(
        'usage',
        `Lab ${other.id} is being captured as "${key}" right now; pick another name.`,
      );
    }
  }

  /**
   * The templates `user` may deploy: the configured ones, then the captured ones they may use (which inherit from
   * their base). The one source of the list: `/lab templates`, the deploy form and deploy validation all read it.
   */
  async deployableTemplates(user: string): Promise<TemplatePolicy[]> {
    return (await this.deployable(user)).templates;
  }

  /** deployableTemplates, with the captures they came from (for who captured one and whether it is published). */
  private async deployable(
    user: string,
  ): Promise<{ templates: TemplatePolicy[]; captures: CapturedTemplate[] }> {
    const captures = await this.visibleCaptures(user);
    return { templates: deployableTemplates(this.deps.policy.templates, captures), captures };
  }

  /**
   * What a lab of this kind and template would cost, before deploying it.
   * @throws UserError for an unknown kind or template.
   */
  estimate(
    kindName: string,
    templateKey?: string,
  ): { template: TemplatePolicy; rate: HourlyRate; lifetimeHours: number } {
    const kind = this.kind(kindName);
    const template = this.template(templateKey ?? kind.defaultTemplate);
    return {
      template,
      rate: hourlyRate(template, this.deps.policy.rates),
      lifetimeHours: kind.defaultLifetimeHours,
    };
  }

  /** True when the user may deploy labs from this channel (see AccessPolicy). */
  mayDeploy(user: string, channel: string | undefined, userGroups: readonly string[]): boolean {
    return this.deployDenial(user, channel, userGroups) === undefined;
  }

  /** Why the user may not deploy here, in words for them; undefined when they may. */
  private deployDenial(
    user: string,
    channel: string | undefined,
    userGroups: readonly string[],
  ): string | undefined {
    const { deployChannels, deployUserGroups } = this.deps.policy.access;
    if (this.isAdmin(user)) {
      return undefined;
    }
    if (deployUserGroups.length > 0 && !userGroups.some((g) => deployUserGroups.includes(g))) {
      return 'Deploying labs is limited to members of the user groups the labbot admins chose, and you are not in one. Ask an admin to add you.';
    }
    // Fails closed: a request that names no channel (a modal whose metadata was lost, a command without one) is
    // not in an allowed channel. The local shell has none either; its user is the process's admin, checked above.
    if (deployChannels.length > 0 && (channel === undefined || !deployChannels.includes(channel))) {
      return `Labs can be deployed only from the channels the labbot admins chose (${deployChannels.join(', ')}), not from this one.`;
    }
    return undefined;
  }

  isAdmin(user: string): boolean {
    return this.deps.policy.admins.includes(user);
  }

  private async request(
    user: string,
    lab: Lab,
    changes: LabRequestChanges,
    action: string,
    detail?: string,
  ): Promise<Lab> {
    const now = this.deps.clock.now();
    await this.deps.store.applyRequest(lab.id, { ...changes, lastActivityAt: now });
    await this.audit(user, lab.id, action, detail);
    this.deps.waker.wake(lab.id);
    return { ...lab, ...changes, lastActivityAt: now };
  }

  /** The lab, if it is live and the user owns it or is an admin. */
  private async mine(user: string, labId: string, what: string, action: string): Promise<Lab> {
    const lab = await this.status(labId);
    if (lab.owner !== user && !this.isAdmin(user) && !(await this.deps.isTrainerOf?.(user, lab.id))) {
      await this.audit(user, lab.id, action, 'not owner', 'denied');
      throw new UserError(
        'not_owner',
        `Lab ${lab.id} belongs to someone else; only its owner or an admin can ${what}.`,
      );
    }
    if (isTerminal(lab)) {
      throw new UserError('invalid_state', `Lab ${lab.id} has already ended (${lab.phase}).`);
    }
    return lab;
  }

  private async audit(
    actor: string,
    labId: string | undefined,
    action: string,
    detail?: string,
    result: 'ok' | 'denied' = 'ok',
  ): Promise<void> {
    await this.deps.audit?.record({
      at: this.deps.clock.now(),
      actor,
      ...(labId !== undefined ? { labId } : {}),
      action,
      ...(detail !== undefined ? { detail } : {}),
      result,
    });
  }

  private kind(name: string): KindPolicy {
    const kind = this.deps.policy.kinds.find((k) => k.name === name);
    if (!kind) {
      throw new UserError('usage', `There is no lab kind "${name}".`);
    }
    return kind;
  }

  private template(
    key: string,
    templates: readonly TemplatePolicy[] = this.deps.policy.templates,
  ): TemplatePolicy {
    const template = templates.find((t) => t.key === key);
    if (!template) {
      const known = templates.map((t) => t.key).join(', ');
      throw new UserError(
        'unknown_template',
        `There is no template "${key}". Templates: ${known} (see \`/lab templates\`).`,
      );
    }
    return template;
  }

  private newId(kind: string, ticket: string | undefined, attempt: number): string {
    if (ticket === undefined) {
      return randomLabId(kind, this.deps.random, attempt < 3 ? 3 : 5);
    }
    // A ticket can have had labs before (ended rows keep their id), so later ones get -2, -3, …
    const base = reproLabId(ticket);
    return attempt === 0
      ? base
      : `${base}-${attempt + 1}${attempt >= 3 ? randomLabId('', this.deps.random) : ''}`;
  }
}

/** Phases in which a capture must wait, with the words that say why. */
const CAPTURE_BUSY: Partial<Record<LabPhase, string>> = {
  requested: 'is still deploying',
  deploying: 'is still deploying',
  configuring: 'is still deploying',
  starting: 'is still powering on',
  suspending: 'is being suspended',
  resuming: 'is being resumed',
  capturing: 'is already being captured',
};

/** Why this lab cannot be captured now, in words for its owner; undefined when it can. */
function captureRefusal(lab: Lab): string | undefined {
  if (lab.desired === 'deleted' || lab.phase === 'deleting') {
    return `Lab ${lab.id} is being torn down; it cannot be captured.`;
  }
  if (lab.captureAs !== undefined || lab.captureName !== undefined) {
    return `Lab ${lab.id} is already being captured${lab.captureAs !== undefined ? ` as ${lab.captureAs}` : ''}; one capture at a time.`;
  }
  const busy = CAPTURE_BUSY[lab.phase];
  if (busy !== undefined) {
    return `Lab ${lab.id} ${busy}; capture it once it is ready or suspended.`;
  }
  const settled = lab.phase === 'ready' ? 'running' : lab.phase === 'suspended' ? 'suspended' : undefined;
  if (settled !== lab.desired) {
    return `Lab ${lab.id} is ${lab.desired === 'suspended' ? 'being suspended' : 'being resumed'}; capture it once it is ready or suspended.`;
  }
  return undefined;
}

/** Compares two secrets in time independent of where they differ. */
function sameSecret(expected: string, given: string): boolean {
  let diff = expected.length ^ given.length;
  for (let i = 0; i < expected.length; i++) {
    diff |= expected.charCodeAt(i) ^ given.charCodeAt(i % Math.max(1, given.length));
  }
  return diff === 0;
}

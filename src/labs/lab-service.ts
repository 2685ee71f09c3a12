import { committedHourlyRate, hourlyRate, type HourlyRate } from './cost';
import { formatMinutes } from './duration';
import { DuplicateLabError, LiveTicketConflictError, UserError } from './errors';
import { isTerminal, type Lab, type LabPhase, type LabRequestChanges } from './lab';
import { randomLabId, reproLabId, vappNameFor } from './lab-id';
import { allowListKey, deployableTemplates, TEMPLATE_KEY_PATTERN } from './templates';
import { type KindPolicy, type LabPolicy, type TemplatePolicy } from './policy';
import {
  type AuditLog,
  type CapturedTemplateStore,
  type Clock,
  type LabStore,
  type LabWaker,
  type Random,
  type SignalStore,
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
}

export interface DeployResult {
  lab: Lab;
  /** True when a live lab already existed for the ticket and was returned instead of a new one. */
  existing: boolean;
}

/** How many random ids to try before giving up; with 32^3 ids per kind a clash is rare, so 5 is plenty. */
const ID_ATTEMPTS = 5;

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
    const template = this.template(input.template ?? kind.defaultTemplate, await this.allTemplates());
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
    if (input.ticket !== undefined) {
      const live = await this.deps.store.findLiveByTicket(input.ticket);
      if (live) {
        return { lab: live, existing: true };
      }
    }
    await this.checkLimits(input.user, hourlyRate(template, this.deps.policy.rates));

    const now = this.deps.clock.now();
    for (let attempt = 0; attempt < ID_ATTEMPTS; attempt++) {
      const id = this.newId(kind.name, input.ticket, attempt);
      const lab: Lab = {
        id,
        kind: kind.name,
        owner: input.user,
        ...(input.ticket !== undefined ? { ticket: input.ticket } : {}),
        template: template.key,
        vappName: vappNameFor(id),
        desired: 'running',
        phase: 'requested',
        ...(input.channel !== undefined ? { channel: input.channel } : {}),
        createdAt: now,
        expiresAt: new Date(now.getTime() + lifetime * 60_000),
        vms: [],
        spec: { vcpus: template.vcpus, memoryGb: template.memoryGb, storageGb: template.storageGb },
        extensions: 0,
        poweredOnMs: 0,
        lastActivityAt: now,
        ...(this.deps.newToken ? { keepaliveToken: this.deps.newToken() } : {}),
      };
      try {
        await this.deps.store.insert(lab);
      } catch (error) {
        if (error instanceof DuplicateLabError) {
          continue;
        }
        if (error instanceof LiveTicketConflictError && input.ticket !== undefined) {
          const winner = await this.deps.store.findLiveByTicket(input.ticket);
          if (winner) {
            return { lab: winner, existing: true };
          }
        }
        throw error;
      }
      await this.audit(
        input.user,
        lab.id,
        'deploy',
        `${kind.name} ${template.key} for ${formatMinutes(lifetime)}`,
      );
      this.deps.waker.wake(lab.id);
      return { lab, existing: false };
    }
    throw new Error(`could not find a free lab id for kind ${kind.name} after ${ID_ATTEMPTS} attempts`);
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

  /** Every lab, live and ended, for cost reports; `owner` narrows it to one user. */
  async history(owner?: string): Promise<Lab[]> {
    return this.deps.store.list({ ...(owner !== undefined ? { owner } : {}), includeEnded: true });
  }

  /**
   * One lab by id.
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
    return this.request(user, lab, { desired: 'deleted' }, 'teardown');
  }

  /**
   * Pushes the expiry out by `minutes` (the kind's default extension when absent), within the kind's maximum
   * lifetime counted from creation, and at most the kind's number of extensions.
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
    const hardStop = lab.createdAt.getTime() + kind.maxLifetimeHours * 3_600_000;
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
    return this.request(user, lab, { desired: 'running' }, 'resume');
  }

  /**
   * Gives a lab to another user, who then owns its messages, warnings and bill.
   * @throws UserError when the lab is not the user's, has ended, or the new owner is over their limits.
   */
  async handoff(user: string, labId: string, newOwner: string): Promise<Lab> {
    const lab = await this.mine(user, labId, 'hand it off', 'handoff');
    if (newOwner === lab.owner) {
      throw new UserError('usage', `Lab ${lab.id} already belongs to that user.`);
    }
    await this.checkLimits(
      newOwner,
      { total: committedHourlyRate(lab, this.deps.policy.rates) },
      'The new owner',
    );
    return this.request(user, lab, { owner: newOwner }, 'handoff', `from ${lab.owner} to ${newOwner}`);
  }

  /**
   * Keep from a reaper warning: the reaper leaves the lab alone until `until` (pushing the expiry there if it
   * was earlier, within the kind's maximum lifetime). Counts as an extension. `inUse` records that the warning
   * was a false positive ("I'm using it"), so the idle thresholds can be tuned.
   * @throws UserError when the lab is not the user's, has ended, or its extensions are used up.
   */
  async keep(user: string, labId: string, until: Date, inUse = false): Promise<Lab> {
    const lab = await this.mine(user, labId, 'keep it', 'keep');
    const kind = this.kind(lab.kind);
    if (lab.extensions >= kind.maxExtensions) {
      await this.audit(user, lab.id, 'keep', `cap of ${kind.maxExtensions} reached`, 'denied');
      throw new UserError(
        'quota',
        `Lab ${lab.id} has used all ${kind.maxExtensions} extensions a ${kind.name} lab gets, so it cannot be kept longer.`,
      );
    }
    const hardStop = new Date(lab.createdAt.getTime() + kind.maxLifetimeHours * 3_600_000);
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
    await this.deps.signals?.record([{ labId, at: this.deps.clock.now(), kind: 'keepalive' }]);
    return true;
  }

  /** Records that a person used the lab (a command or button about it); the reaper reads this. */
  async touch(labId: string): Promise<void> {
    await this.deps.store.applyRequest(labId, { lastActivityAt: this.deps.clock.now() });
  }

  /** Templates users may deploy, configured then captured, with their hourly rate. */
  async templates(): Promise<{ template: TemplatePolicy; rate: HourlyRate }[]> {
    return (await this.allTemplates()).map((template) => ({
      template,
      rate: hourlyRate(template, this.deps.policy.rates),
    }));
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
    const base = (await this.allTemplates()).find((t) => t.key === lab.template);
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

  /** Configured templates, then the captured ones (which inherit from their base). */
  private async allTemplates(): Promise<TemplatePolicy[]> {
    const captured = this.deps.captured ? await this.deps.captured.list() : [];
    return deployableTemplates(this.deps.policy.templates, captured);
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
    if (lab.owner !== user && !this.isAdmin(user)) {
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

  private async checkLimits(user: string, added: Pick<HourlyRate, 'total'>, who = 'You'): Promise<void> {
    const { maxLabsPerUser, maxHourlySpendPerUser } = this.deps.policy.limits;
    if (this.isAdmin(user)) {
      return;
    }
    const live = (await this.deps.store.list({ owner: user })).filter(
      (l) => !isTerminal(l) && l.desired !== 'deleted',
    );
    if (live.length >= maxLabsPerUser) {
      await this.audit(user, undefined, 'deploy', `lab count limit ${maxLabsPerUser}`, 'denied');
      throw new UserError(
        'quota',
        `${who} already ${who === 'You' ? 'have' : 'has'} ${live.length} live labs, the most one person may have. Tear one down first (\`/lab list\` shows them).`,
      );
    }
    const spend =
      live.reduce((sum, l) => sum + committedHourlyRate(l, this.deps.policy.rates), 0) + added.total;
    if (spend > maxHourlySpendPerUser) {
      await this.audit(user, undefined, 'deploy', `hourly spend limit ${maxHourlySpendPerUser}`, 'denied');
      throw new UserError(
        'quota',
        `That would bring ${who === 'You' ? 'your' : 'their'} labs to $${spend.toFixed(2)}/h, over the $${maxHourlySpendPerUser.toFixed(2)}/h limit per person. Suspend or tear down a lab first.`,
      );
    }
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

import { hourlyRate, type HourlyRate } from './cost';
import { DuplicateLabError, LiveTicketConflictError, UserError } from './errors';
import { type Lab } from './lab';
import { randomLabId, reproLabId, vappNameFor } from './lab-id';
import { isTerminal } from './lab';
import { type KindPolicy, type LabPolicy, type TemplatePolicy } from './policy';
import { type Clock, type LabStore, type LabWaker, type Random } from './ports';
import { formatMinutes } from './duration';

export interface LabServiceDeps {
  store: LabStore;
  waker: LabWaker;
  clock: Clock;
  random: Random;
  policy: LabPolicy;
}

export interface DeployInput {
  user: string;
  channel?: string;
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
 * The use cases. They check permissions and policy, record what the user wants (desired state) and wake
 * the controller; they never call the cloud, so they answer within a chat platform's ack deadline.
 */
export class LabService {
  constructor(private readonly deps: LabServiceDeps) {}

  /**
   * Requests a new lab, or returns the live lab of the same ticket (repro labs are one per ticket).
   * @throws UserError for an unknown kind or template, or a lifetime beyond the kind's maximum.
   */
  async deploy(input: DeployInput): Promise<DeployResult> {
    const kind = this.kind(input.kind);
    const template = this.template(input.template ?? kind.defaultTemplate);
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
      throw new UserError(
        'not_owner',
        'Only labbot admins can list everyone’s labs. `/lab list` shows yours.',
      );
    }
    return this.deps.store.list(all ? {} : { owner: user });
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
    const lab = await this.status(labId);
    if (lab.owner !== user && !this.isAdmin(user)) {
      throw new UserError(
        'not_owner',
        `Lab ${lab.id} belongs to someone else; only its owner or an admin can tear it down.`,
      );
    }
    if (isTerminal(lab)) {
      throw new UserError('invalid_state', `Lab ${lab.id} has already ended (${lab.phase}).`);
    }
    if (lab.desired !== 'deleted') {
      const updated: Lab = { ...lab, desired: 'deleted' };
      await this.deps.store.setDesired(lab.id, 'deleted');
      this.deps.waker.wake(lab.id);
      return updated;
    }
    return lab;
  }

  /** Templates users may deploy, with their hourly rate. */
  templates(): { template: TemplatePolicy; rate: HourlyRate }[] {
    return this.deps.policy.templates.map((template) => ({
      template,
      rate: hourlyRate(template, this.deps.policy.rates),
    }));
  }

  isAdmin(user: string): boolean {
    return this.deps.policy.admins.includes(user);
  }

  private kind(name: string): KindPolicy {
    const kind = this.deps.policy.kinds.find((k) => k.name === name);
    if (!kind) {
      throw new UserError('usage', `There is no lab kind "${name}".`);
    }
    return kind;
  }

  private template(key: string): TemplatePolicy {
    const template = this.deps.policy.templates.find((t) => t.key === key);
    if (!template) {
      const known = this.deps.policy.templates.map((t) => t.key).join(', ');
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

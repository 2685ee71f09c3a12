/**
 * The core of labbot wired as production wires it (compose-core.ts), on fakes: the LabService records what users
 * ask, the LabController makes the cloud match it. Tests of the use cases and the controller start here instead of
 * each building its own, so a new dependency of the controller is added once.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { LabController, type LabControllerDeps } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import { LabService, type LabServiceDeps } from '../../src/labs/lab-service';
import { type LabPolicy } from '../../src/labs/policy';
import { type Cloud, type LabEvent, type LabNotifier, type LabStore } from '../../src/labs/ports';
import { createSilentLogger } from '../../src/observability/logger';
import { ManualClock, sequenceRandom } from './clock';
import { EVERYONE } from './directory';
import { FakeCloud } from './fake-cloud';
import { MemoryAudit, type MemoryClaims } from './memory-claims';
import { MemoryLabStore } from './memory-lab-store';

/** A LabNotifier that keeps every lab event and admin message, in order. */
export class RecordingNotifier implements LabNotifier {
  readonly events: { labId: string; event: LabEvent }[] = [];
  readonly adminMessages: string[] = [];

  labChanged(lab: Lab, event: LabEvent): Promise<void> {
    this.events.push({ labId: lab.id, event });
    return Promise.resolve();
  }

  tellAdmins(message: string): Promise<void> {
    this.adminMessages.push(message);
    return Promise.resolve();
  }

  /** Each event in words: a progress event's message, otherwise its type. */
  messages(labId?: string): string[] {
    return this.events
      .filter((e) => labId === undefined || e.labId === labId)
      .map(({ event }) => (event.type === 'progress' ? event.message : event.type));
  }
}

export interface CoreOptions<C extends Cloud, S extends LabStore> {
  store?: S;
  cloud?: C;
  clock?: ManualClock;
  policy?: LabPolicy;
  random?: () => number;
  /** False: the service records labs without waking the controller (drive them by hand). */
  wake?: boolean;
  /** Claims as a replica holds them (two cores on one MemoryClaims act as two replicas). */
  claims?: { store: MemoryClaims; holder: string; ttlMs?: number };
  /** Anything else of the controller's or the service's dependencies. */
  controller?: Partial<LabControllerDeps>;
  service?: Partial<LabServiceDeps>;
}

export interface Core<C extends Cloud, S extends LabStore> {
  store: S;
  cloud: C;
  clock: ManualClock;
  notifier: RecordingNotifier;
  audit: MemoryAudit;
  controller: LabController;
  service: LabService;
  /** Every sleep the controller asked for (the clock does not move: tests move it). */
  sleeps: number[];
}

export function wireCore<C extends Cloud = FakeCloud, S extends LabStore = MemoryLabStore>(
  options: CoreOptions<C, S> = {},
): Core<C, S> {
  const store = options.store ?? (new MemoryLabStore() as LabStore as S);
  const cloud = options.cloud ?? (new FakeCloud() as Cloud as C);
  const clock = options.clock ?? new ManualClock();
  const policy = options.policy ?? DEFAULT_POLICY;
  const notifier = new RecordingNotifier();
  const audit = new MemoryAudit();
  const sleeps: number[] = [];
  const controller = new LabController({
    installationId: 'install-test',
    store,
    cloud,
    notifier,
    clock,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    logger: createSilentLogger(),
    policy,
    audit,
    ...(options.claims
      ? {
          claims: {
            store: options.claims.store,
            holder: options.claims.holder,
            ttlMs: options.claims.ttlMs ?? 60_000,
          },
        }
      : {}),
    ...options.controller,
  });
  const service = new LabService({
    store,
    waker: options.wake === false ? { wake: () => undefined } : controller,
    clock,
    random: options.random ?? sequenceRandom(),
    policy,
    audit,
    directory: EVERYONE,
    ...options.service,
  });
  return { store, cloud, clock, notifier, audit, controller, service, sleeps };
}

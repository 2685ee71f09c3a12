/**
 * The interfaces the outside world implements for the domain. Nothing in labs/, controller/, commands/ or
 * reaper/ reaches past these (DESIGN.md section 2; enforced by lint).
 */
import { type BillingInterval } from './billing';
import { type IpRange } from './ipv4';
import { type Lab, type LabRequestChanges, type PowerState, type VmInfo } from './lab';
import { type LimitRefusal, type OwnerLabsCheck } from './limits';

/** Wall clock, injected so that tests never wait on real time. */
export interface Clock {
  now(): Date;
}

/** Waits, injected for the same reason as Clock. */
export type Sleep = (ms: number) => Promise<void>;

/** Uniform random number in [0, 1), injected so that ids are reproducible in tests. */
export type Random = () => number;

/** A catalog item the cloud can deploy. */
export interface CloudTemplate {
  name: string;
  href: string;
  catalogName: string;
  description?: string;
}

/** A long-running cloud operation (a VCD Task). */
export interface CloudTask {
  href: string;
}

/** What the cloud says about one vApp. */
export interface CloudVApp {
  href: string;
  name: string;
  description?: string;
  powerState: PowerState;
  deployed: boolean;
  vms: VmInfo[];
  /** A task still running on the vApp (e.g. the instantiation), if the cloud reports one. */
  pendingTask?: CloudTask;
}

export interface DeployRequest {
  /** `lab-<labId>`. */
  vappName: string;
  description: string;
  /** Catalog item name of the template. */
  templateName: string;
  /** Runtime lease in seconds: VCD itself stops the vApp if the bot loses track of it. */
  runtimeLeaseSeconds: number;
  /** Catalog holding the template; absent: the configured one. */
  catalogName?: string;
}

/** A vApp to capture into a catalog as a new template. */
export interface CaptureRequest {
  /** Name of the new template and its catalog item. */
  name: string;
  description?: string;
  /** Target catalog; absent: the configured one. */
  catalogName?: string;
}

/** Progress of a task, 0..100 where the cloud reports it. */
export type TaskProgress = (progress: { percent?: number; status: string }) => void;

/**
 * The cloud the labs run in (VCD, or its simulator). Every method throws a `CloudError` subclass on failure
 * (see errors.ts); `getVApp` and `findVAppByName` return undefined when the vApp does not exist.
 */
export interface Cloud {
  /** True when this is the embedded simulator; every reply says so. */
  readonly simulated: boolean;
  /** Templates of a catalog (absent: the configured one), including ones still being captured. */
  listTemplates(catalogName?: string): Promise<CloudTemplate[]>;
  /** Starts instantiating a template; the vApp href exists at once, the task finishes later. */
  startDeploy(request: DeployRequest): Promise<{ vappHref: string; task: CloudTask }>;
  /** Waits for a task; resolves on success and throws CloudTaskFailedError on error/canceled/aborted or deadline. */
  waitForTask(task: CloudTask, onProgress?: TaskProgress): Promise<void>;
  setMetadata(vappHref: string, entries: Record<string, string>): Promise<CloudTask | undefined>;
  startPowerOn(vappHref: string): Promise<CloudTask>;
  /** Suspends the vApp (memory to disk): CPU and RAM stop billing, storage goes on. */
  startSuspend(vappHref: string): Promise<CloudTask>;
  /** Stops and undeploys the vApp (shutdown, falling back to power off). */
  startUndeploy(vappHref: string): Promise<CloudTask>;
  startDelete(vappHref: string): Promise<CloudTask>;
  getVApp(vappHref: string): Promise<CloudVApp | undefined>;
  /**
   * True only when VCD says, without an error, that the vApp does not exist: reading it answers not-found and a
   * successful query of the VDC finds no vApp of that name. A 403 alone never proves it (VCD answers 403 both for a
   * deleted vApp and for one a changed role hides), so it is always confirmed by the query. False when it exists.
   * @throws CloudError when VCD could not answer (5xx, 401, a 403 on the query, …): nothing is proven.
   */
  isVAppGone(vapp: { href: string; name: string }): Promise<boolean>;
  findVAppByName(name: string): Promise<CloudVApp | undefined>;
  /**
   * Every vApp carrying our `labbot.id` metadata, and nothing else: what reconciliation compares with the store. It
   * includes other installations' vApps (their `labbot.installation` differs): callers must leave those alone.
   */
  listManagedVApps(): Promise<ManagedVApp[]>;
  /** Current usage of each VM of the vApp (one metrics call per VM). */
  getUsage(vappHref: string): Promise<VmUsage[]>;
  /** Every powered-on VM of the cloud's vApps, with its vApp, from paged queries: no call per lab. */
  listRunningVms(): Promise<RunningVm[]>;
  /** One VM's usage now (one metrics call); without numbers when the cloud refuses its metrics. */
  getVmUsage(vm: RunningVm): Promise<VmUsage>;
  /**
   * One VM's usage samples after `since` from the cloud's history (VCD: 5-minute samples over the last 24 hours; one
   * call), oldest first; empty when the cloud refuses them.
   */
  getVmUsageHistory(vmHref: string, since: Date): Promise<VmUsageSample[]>;
  /** Starts capturing a (powered off) vApp into a catalog as a new template; finish with waitForCapture. */
  startCapture(vappHref: string, request: CaptureRequest): Promise<CloudTask>;
  /**
   * Waits for a capture task (also one resumed after a restart) and returns the new template; throws as
   * waitForTask does.
   */
  waitForCapture(
    task: CloudTask,
    expected: Pick<CaptureRequest, 'name' | 'catalogName'>,
  ): Promise<CloudTemplate>;
  /** The task still writing a template (a capture in progress), if any: to resume waiting after a restart. */
  findTemplateTask(templateHref: string): Promise<CloudTask | undefined>;
  /**
   * Gives a powered-off VM the NICs listed (added where missing, adapter type, connection and IP allocation set);
   * NICs not listed are left alone. Undefined when the VM already has them (nothing to wait for).
   */
  configureNics(vmHref: string, nics: NicSpec[]): Promise<CloudTask | undefined>;
  /**
   * Makes the lab's rules on the edge exactly `rules` (empty: removes them): every rule tagged with the lab id is
   * replaced, rules of other labs and rules labbot did not create are kept. Idempotent; waits until the edge has them.
   */
  setLabEdgeRules(edge: string, labId: string, rules: LabEdgeRules): Promise<void>;
  /** Ids of the labs that have rules tagged with their id on the edge. */
  listEdgeRuleLabs(edge: string): Promise<string[]>;
  /**
   * Public addresses the edge's NAT rules already use (DNAT original, SNAT translated), except those of `labId`'s own
   * rules: a new lab must not get one even if the store does not know it (rules of a lab adopted after the store was
   * lost, or rules someone added by hand on an address of labbot's pool).
   */
  edgeAddressesInUse(edge: string, labId: string): Promise<IpRange[]>;
  /**
   * Makes `ip` (just handed to the lab by the PublicIpPool, whose row is the record of who holds it) usable on the
   * edge: on an edge whose public addresses come from an IP Space, allocates it to the org as a floating IP; elsewhere
   * nothing. Idempotent (a restart after a crash takes the allocation it finds rather than making a second one).
   */
  claimPublicIp(edge: string, labId: string, ip: string): Promise<void>;
  /**
   * Gives back what claimPublicIp took for `ip` (after the lab's edge rules are gone). Nothing on edges without an IP
   * Space, nor without an address.
   */
  releasePublicIp(edge: string, labId: string, ip: string | undefined): Promise<void>;
}

/** One NIC a VM must have. */
export interface NicSpec {
  index: number;
  network: string;
  /** Absent: keep the adapter type the NIC has (a new NIC gets the cloud's default). */
  adapterType?: string;
  allocationMode: 'POOL' | 'DHCP' | 'MANUAL' | 'NONE';
}

/** A lab's NAT and firewall rules on the edge, in the domain's words; the adapter tags them with the lab id. */
export interface LabEdgeRules {
  nat: LabNatRule[];
  firewall: LabFirewallRule[];
}

export interface LabNatRule {
  /** Rule name from the template (part of the tag). */
  name: string;
  type: 'DNAT' | 'SNAT';
  originalIp: string;
  originalPort?: string;
  translatedIp: string;
  translatedPort?: string;
  protocol: 'tcp' | 'udp' | 'any';
}

export interface LabFirewallRule {
  name: string;
  sourceIp: string;
  destinationIp: string;
  /** A port or `Any`. */
  destinationPort: string;
  protocol: 'tcp' | 'udp' | 'any';
}

/**
 * Public IPs handed to labs, one per lab, unique across every replica sharing the store. `allocate` is idempotent
 * per lab (a lab asking again gets the address it holds).
 */
export interface PublicIpPool {
  /**
   * The lab's address from the range: the one it already holds, else the lowest one that is neither held by another
   * lab nor in `avoid` (addresses in use on the edge).
   *
   * @throws PublicIpsExhaustedError when every address of the range is taken.
   */
  allocate(labId: string, range: IpRange, avoid?: readonly IpRange[]): Promise<string>;
  /** Returns the lab's address to the pool; nothing when it holds none. */
  release(labId: string): Promise<void>;
  /** Every allocation. */
  list(): Promise<{ labId: string; ip: string }[]>;
}

/** A vApp labbot created, as the cloud's query service reports it with our metadata. */
export interface ManagedVApp {
  href: string;
  name: string;
  powerState: PowerState;
  /** A task is running on it. */
  busy: boolean;
  metadata: {
    labId: string;
    /** The installation that created it (`labbot.installation`); absent on vApps created before installation ids. */
    installation?: string;
    owner?: string;
    kind?: string;
    ticket?: string;
    expiresAt?: string;
  };
}

/** What transferWithinLimits did: `moved`, refused by the check, or nothing because the lab ended or changed hands. */
export type TransferOutcome =
  { status: 'moved' } | { status: 'refused'; refusal: LimitRefusal } | { status: 'stale' };
/**
 * The VCD an installation manages: what a store remembers so that a process pointed at another VCD (a secret not
 * mounted, a changed URL or org) refuses to start instead of closing every lab whose vApp it cannot see.
 */
export interface ManagedVcd {
  /** The URL's origin (`https://vcd.example.com`), or `embedded simulator` (its port changes on every start). */
  endpoint: string;
  org: string;
  vdc: string;
}

/** This installation as its store knows it. */
export interface Installation {
  /** Written into every vApp's `labbot.installation`: vApps with another id are never touched. */
  id: string;
  vcd: ManagedVcd;
  createdAt: Date;
}

/** The installation record (one per store). */
export interface InstallationStore {
  /**
   * The installation recorded in the store; on the first start (nothing recorded yet) records `candidate` and returns
   * it. Replicas starting at once agree: the first write wins and every caller reads it back.
   */
  ensure(candidate: Installation): Promise<Installation>;
  /** Records that the installation now manages `vcd` (an operator's explicit move); its id stays. */
  moveTo(vcd: ManagedVcd): Promise<void>;
}

/** What reconciliation has seen and must see again, some minutes later, before it acts. */
export type SightingKind =
  /** The lab's vApp was confirmed not found. */
  | 'vanished'
  /** The lab has ended but its vApp still exists. */
  | 'ended-exists'
  /** A vApp of this installation's VCD with our metadata and no installation id or row (admins were told). */
  | 'unclaimed';

/** A first sighting, and whether the call that returned it recorded it. */
export interface Sighting {
  at: Date;
  isNew: boolean;
}

/** Reconciliation's memory across passes and replicas (first sightings), kept in the store. */
export interface ReconcileSightings {
  /**
   * When `subject` (a lab id, or a vApp href) was first seen in this state; records `now` when it had not been, and
   * says so (`isNew`: the first sighting, the moment to warn).
   */
  sight(kind: SightingKind, subject: string, now: Date): Promise<Sighting>;
  /** Forgets a sighting (the vApp was seen again, or the act was done); nothing when there is none. */
  clear(kind: SightingKind, subject: string): Promise<void>;
  /** Every subject currently sighted in this state. */
  list(kind: SightingKind): Promise<string[]>;
}

/** Filter for listing labs. */
export interface LabQuery {
  owner?: string;
  /** Include deleted and failed labs. */
  includeEnded?: boolean;
}

/**
 * Persistence of labs. Implementations must make `insert` fail with DuplicateLabError when the id exists,
 * and keep writes atomic per lab.
 *
 * Three writers touch a lab concurrently: use cases (the desired state), the controller (everything it
 * observes and does) and the notifier (where the lab's message lives). Each writes only its own fields, so
 * none can undo another's write with a stale copy of the row.
 */
export interface LabStore {
  insert(lab: Lab): Promise<void>;
  /**
   * Inserts the lab unless `check` refuses, atomically per owner: the owner's labs that have not ended are read,
   * judged and the lab inserted with no other insertWithinLimits or transferWithinLimits for that owner in between,
   * whichever replica runs it. Throws as `insert` does.
   * @returns the refusal, with nothing written; undefined when the lab was inserted.
   */
  insertWithinLimits(lab: Lab, check: OwnerLabsCheck): Promise<LimitRefusal | undefined>;
  /**
   * Hands a live lab from `from` to `changes.owner`, atomically against the receiver's limits as insertWithinLimits
   * does: writes the request fields in `changes` (the owner, a new keep-alive token) only when `check` passes on the
   * receiver's labs and the lab is still live and still `from`'s.
   */
  transferWithinLimits(
    id: string,
    from: string,
    changes: LabRequestChanges & { owner: string },
    check: OwnerLabsCheck,
  ): Promise<TransferOutcome>;
  /** Writes the controller's fields (CONTROLLER_FIELDS in lab.ts) only. Does nothing if the lab does not exist. */
  update(lab: Lab): Promise<void>;
  /** Writes only the fields a person's request changes (REQUEST_FIELDS in lab.ts). */
  applyRequest(id: string, changes: LabRequestChanges): Promise<void>;
  /** Records only where the lab's chat message lives. */
  setMessageRef(id: string, channel: string, messageTs: string): Promise<void>;
  get(id: string): Promise<Lab | undefined>;
  /** Oldest first (creation time, then id). */
  list(query: LabQuery): Promise<Lab[]>;
  /** The lab for a ticket that is not deleted or failed, if any; tickets compare case-insensitively (ticketKey). */
  findLiveByTicket(ticket: string): Promise<Lab | undefined>;
  /** Labs that still need the controller (not in a terminal phase, or desired differs from phase), oldest first. */
  listActive(): Promise<Lab[]>;
  close(): Promise<void>;
}

/** What happened to a lab, for whoever shows it to people. */
export type LabEvent =
  | { type: 'progress'; message: string }
  | { type: 'ready' }
  | { type: 'deleted' }
  | { type: 'failed'; reason: string }
  /** `/lab capture` finished: the lab is a template now (`template` is its key) and is back in its desired state. */
  | { type: 'captured'; template: string }
  /** `/lab capture` failed; the lab is back in its desired state and nothing was registered. */
  | { type: 'capture-failed'; template: string; reason: string };

/** Tells people about a lab as it moves. Implementations must not throw; they log their own failures. */
export interface LabNotifier {
  labChanged(lab: Lab, event: LabEvent): Promise<void>;
  /** Something admins must know (a vApp adopted, a lab that vanished). */
  tellAdmins(message: string): Promise<void>;
  /**
   * Something the lab's owner must know now, in a direct message (a scheduled lab running late). Optional: without
   * it the message goes to the lab's own message as progress.
   */
  tellOwner?(lab: Lab, message: string): Promise<void>;
}

/**
 * Structured logger: a static message plus fields (pino's calling convention, which observability/ implements).
 * The domain logs through this so that it needs no logging library.
 */
export interface Logger {
  trace(fields: object, message: string): void;
  debug(fields: object, message: string): void;
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** Wakes the controller for a lab whose desired state changed. Never throws; the work happens later. */
export interface LabWaker {
  wake(labId: string): void;
}

/** What happened, by whom, with what result: every action on a lab is recorded (issue 5). */
export interface AuditEntry {
  at: Date;
  /** Slack user id, or `labbot` / `controller` / `reaper` for the bot itself. */
  actor: string;
  labId?: string;
  /** e.g. `deploy`, `teardown`, `extend`, `handoff`, `adopt`, `close-vanished`. */
  action: string;
  detail?: string;
  result: 'ok' | 'denied' | 'failed';
}

/** Append-only audit log. `record` never throws: a failed audit write is logged, not fatal. */
export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(query: { labId?: string; actor?: string; limit: number }): Promise<AuditEntry[]>;
}

/**
 * Claims on labs so that several bot replicas sharing one database never drive the same lab at once.
 * A claim is a lease: it lapses after `ttlMs` unless renewed, so a crashed replica's labs are picked up.
 */
export interface WorkClaims {
  /** Claims (or renews) the lab for `holder`; true when `holder` now holds it. */
  claim(labId: string, holder: string, ttlMs: number, now: Date): Promise<boolean>;
  /** Claims up to `limit` active labs that nobody holds (or whose claim lapsed); returns their ids. */
  claimActive(holder: string, limit: number, ttlMs: number, now: Date): Promise<string[]>;
  release(labId: string, holder: string): Promise<void>;
  /** Drops all of `holder`'s claims (at start-up: they can only be a dead predecessor's); returns how many. */
  releaseAll(holder: string): Promise<number>;
}

/**
 * Elects one replica per scheduled tick (node-cron's RunCoordinator shape, implemented over the store):
 * `shouldRun` is true for exactly one caller per key until `ttlMs` has passed.
 */
export interface RunCoordinator {
  shouldRun(key: string, ttlMs: number): Promise<boolean>;
  onComplete?(key: string): Promise<void>;
}

/** One observation the reaper uses to tell a used lab from an idle one. */
export interface LabSignal {
  labId: string;
  at: Date;
  /** `cpu`: percent of the busiest VM; `network`: KB/s summed over the lab's VMs; `keepalive`: a call from inside the lab. */
  kind: 'cpu' | 'network' | 'keepalive';
  value?: number;
}

/** A short history of signals per lab, kept in the store (pruned after a day or so). */
export interface SignalStore {
  record(signals: LabSignal[]): Promise<void>;
  /**
   * Records a keep-alive signal of the lab at `at` unless one is recorded less than `windowMs` before or after it (so
   * recorded ones are at least a window apart, whatever the number of calls or replicas). True when it recorded one.
   */
  recordKeepalive(labId: string, at: Date, windowMs: number): Promise<boolean>;
  /** Signals of these labs at or after `since`, oldest first. */
  recent(labIds: string[], since: Date): Promise<LabSignal[]>;
  /** Deletes signals older than `before`; returns how many. */
  prune(before: Date): Promise<number>;
}

/** Current usage of one VM, as the cloud's metrics report it. Absent numbers: the cloud did not report them. */
export interface VmUsage {
  vmName: string;
  cpuPercent?: number;
  networkKbps?: number;
}

/** A powered-on VM of one of the cloud's vApps. */
export interface RunningVm {
  href: string;
  name: string;
  vappHref: string;
}

/** One sample of a VM's usage history (VCD: the 5-minute average ending at `at`). */
export interface VmUsageSample {
  at: Date;
  cpuPercent?: number;
  networkKbps?: number;
}

/** A template made from a lab with `/lab capture`, as the store keeps it. */
export interface CapturedTemplate {
  /** Key users type (`/lab demo KEY`); distinct from every configured key. */
  key: string;
  /** Catalog item name in VCD (`labbot-capture-<key>`). */
  catalogItem: string;
  /** VCD catalog holding it. */
  catalog: string;
  /** Configured template it inherits size, idle thresholds and kind allow lists from. */
  baseTemplate: string;
  sourceLabId: string;
  /** Slack user id of whoever asked for the capture. */
  capturedBy: string;
  capturedAt: Date;
  /** When an admin published it to everyone; absent: private to `capturedBy` (and admins). */
  publishedAt?: Date;
  /** The admin who published it. */
  publishedBy?: string;
}

/** Captured templates. Keys are unique; `save` of the same key and catalog item again does nothing (a resumed capture). */
export interface CapturedTemplateStore {
  list(): Promise<CapturedTemplate[]>;
  get(key: string): Promise<CapturedTemplate | undefined>;
  /** @throws DuplicateTemplateError when the key already names another catalog item. */
  save(template: CapturedTemplate): Promise<void>;
  /** Makes the template usable by everyone; publishing again keeps the first publication. Unknown key: nothing. */
  publish(key: string, by: string, at: Date): Promise<void>;
  /** Forgets the template (its registration only: the VCD catalog item is left alone); true when it existed. */
  remove(key: string): Promise<boolean>;
}

/** What the chat platform's directory says about a person (Slack: users.info). */
export interface DirectoryUser {
  id: string;
  /** Deactivated. */
  deleted: boolean;
  /** A bot or app user, which cannot own a lab. */
  bot: boolean;
  /** A single- or multi-channel guest. */
  guest: boolean;
  /** A member of the workspace labbot serves; false for an external (Slack Connect) user. */
  inTeam: boolean;
  /**
   * False when there is no directory to ask (the local shell): the answer only says the id is well formed, and
   * whoever records the hand-off says so.
   */
  verified: boolean;
}

/** People labbot may hand labs to. */
export interface UserDirectory {
  /**
   * The person with this id, or undefined when the directory knows no such user.
   * @throws Error when the directory cannot be asked (the caller reports it; nothing is handed off).
   */
  lookup(userId: string): Promise<DirectoryUser | undefined>;
  /**
   * User ids of a conversation's members (`/lab class … for #channel`); absent where there is no directory to ask.
   * @throws Error when the directory cannot be asked or does not know the conversation.
   */
  channelMembers?(channel: string): Promise<string[]>;
  /**
   * User ids of a user group's members (`/lab class … for @group`); absent where there is no directory to ask.
   * @throws Error when the directory cannot be asked or does not know the group.
   */
  userGroupMembers?(userGroup: string): Promise<string[]>;
}

/**
 * The billing ledger (issue 19 item 5), read side. The lab store writes it, in the same transaction as each lab row
 * change, so every replica records every power-state change (billing.ts says how).
 */
export interface BillingLedger {
  /** Intervals that overlap [from, to), of one owner's labs (the lab's current owner) if given, oldest first. */
  intervals(from: Date, to: Date, owner?: string): Promise<BillingInterval[]>;
}

/** A deploy that reached ready: how long it took, for learning a template's expected deploy time. */
export interface DeployDuration {
  labId: string;
  /** From the deploy's start (creation, or a scheduled lab's deploy time) to ready. */
  minutes: number;
}

/** Recent deploys, read from the labs the store keeps (scheduled labs, issue 18). */
export interface DeployHistory {
  /** The `limit` latest deploys of `template` that reached ready, newest first. */
  recentDeploys(template: string, limit: number): Promise<DeployDuration[]>;
}

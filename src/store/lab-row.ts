/**
 * Lab ↔ row mapping, pure and the same for both dialects. Optional domain fields are absent (never `undefined`
 * or `null`) on the way out, so that a lab read back is deep-equal to the lab written.
 */
import {
  type AccessPoint,
  type DesiredState,
  type Lab,
  type LabNetwork,
  type LabPhase,
  type LabRequestChanges,
  type NicInfo,
  type PowerState,
  REQUEST_FIELDS,
  type VmInfo,
} from '../labs/lab';
import { type LabRow } from './schema';
import { CorruptLabRowError } from './store-errors';
import { textToTimestamp, timestampToText } from './timestamp';

// Records rather than arrays so that the compiler fails here when the domain adds a state.
const DESIRED_STATES: Record<DesiredState, true> = { running: true, suspended: true, deleted: true };
const PHASES: Record<LabPhase, true> = {
  requested: true,
  deploying: true,
  configuring: true,
  networking: true,
  starting: true,
  ready: true,
  suspending: true,
  suspended: true,
  resuming: true,
  deleting: true,
  deleted: true,
  failed: true,
  capturing: true,
  scheduled: true,
};
const POWER_STATES: Record<PowerState, true> = {
  powered_on: true,
  powered_off: true,
  suspended: true,
  creating: true,
  failed: true,
  unknown: true,
};

/**
 * The row that stores a lab.
 * @throws RangeError when a date is invalid or outside the years 0–9999 (it would not sort as text), or a count
 *   (extensions, poweredOnMs) is not a non-negative safe integer.
 */
export function labToRow(lab: Lab): LabRow {
  return {
    id: lab.id,
    kind: lab.kind,
    owner: lab.owner,
    ticket: lab.ticket ?? null,
    template: lab.template,
    vapp_name: lab.vappName,
    vapp_href: lab.vappHref ?? null,
    desired: lab.desired,
    phase: lab.phase,
    task_href: lab.taskHref ?? null,
    channel: lab.channel ?? null,
    message_ts: lab.messageTs ?? null,
    created_at: dateToText(lab.createdAt, lab.id, 'createdAt'),
    ready_at: optionalDateToText(lab.readyAt, lab.id, 'readyAt'),
    expires_at: dateToText(lab.expiresAt, lab.id, 'expiresAt'),
    ended_at: optionalDateToText(lab.endedAt, lab.id, 'endedAt'),
    vms: JSON.stringify(lab.vms.map(vmToJson)),
    failure_reason: lab.failureReason ?? null,
    spec_vcpus: lab.spec.vcpus,
    spec_memory_gb: lab.spec.memoryGb,
    spec_storage_gb: lab.spec.storageGb,
    extensions: storableCount(lab.extensions, lab.id, 'extensions'),
    powered_on_ms: storableCount(lab.poweredOnMs, lab.id, 'poweredOnMs'),
    powered_on_since: optionalDateToText(lab.poweredOnSince, lab.id, 'poweredOnSince'),
    last_activity_at: optionalDateToText(lab.lastActivityAt, lab.id, 'lastActivityAt'),
    reap_warned_at: optionalDateToText(lab.reapWarnedAt, lab.id, 'reapWarnedAt'),
    snoozed_until: optionalDateToText(lab.snoozedUntil, lab.id, 'snoozedUntil'),
    ...(lab.ticketClosedAt !== undefined
      ? { ticket_closed_at: dateToText(lab.ticketClosedAt, lab.id, 'ticketClosedAt') }
      : {}),
    keepalive_token: lab.keepaliveToken ?? null,
    restore_until: optionalDateToText(lab.restoreUntil, lab.id, 'restoreUntil'),
    capture_as: lab.captureAs ?? null,
    capture_name: lab.captureName ?? null,
    network: lab.network === undefined ? null : JSON.stringify(networkToJson(lab.network)),
    ready_by: optionalDateToText(lab.readyBy, lab.id, 'readyBy'),
    deploy_at: optionalDateToText(lab.deployAt, lab.id, 'deployAt'),
    late_warned_at: optionalDateToText(lab.lateWarnedAt, lab.id, 'lateWarnedAt'),
  };
}

/**
 * The column of each field a person's request changes; a Record so that the compiler fails here when the domain adds
 * a request field (REQUEST_FIELDS in lab.ts).
 */
const REQUEST_COLUMNS: Record<(typeof REQUEST_FIELDS)[number], keyof LabRow> = {
  desired: 'desired',
  owner: 'owner',
  expiresAt: 'expires_at',
  extensions: 'extensions',
  lastActivityAt: 'last_activity_at',
  reapWarnedAt: 'reap_warned_at',
  snoozedUntil: 'snoozed_until',
  captureAs: 'capture_as',
  keepaliveToken: 'keepalive_token',
  restoreUntil: 'restore_until',
  ticketClosedAt: 'ticket_closed_at',
  lateWarnedAt: 'late_warned_at',
};

/** Columns that LabStore.update never writes: the id, the request's and the notifier's. */
const NOT_CONTROLLER_COLUMNS: readonly (keyof LabRow)[] = [
  'id',
  ...REQUEST_FIELDS.map((field) => REQUEST_COLUMNS[field]),
  'channel',
  'message_ts',
];

/**
 * The controller's columns of a lab: every column but the id, the request's (REQUEST_FIELDS) and the notifier's
 * (channel, message_ts).
 * @throws RangeError as labToRow does.
 */
export function controllerColumns(lab: Lab): Partial<LabRow> {
  const columns: Partial<LabRow> = labToRow(lab);
  for (const column of NOT_CONTROLLER_COLUMNS) {
    delete columns[column];
  }
  return columns;
}

/**
 * The columns a request changes, following LabRequestChanges' rule: a key absent from `changes` leaves its column
 * alone; a key present with the value `undefined` clears an optional field (lastActivityAt, reapWarnedAt,
 * snoozedUntil: the column becomes NULL). The required fields (desired, owner, expiresAt, extensions) cannot be
 * cleared, so `undefined` leaves those alone too, as it always has (callers spread partial objects).
 * @throws RangeError when a date or count cannot be stored, as labToRow does.
 */
export function requestColumns(labId: string, changes: LabRequestChanges): Partial<LabRow> {
  const columns: Partial<LabRow> = {};
  if (changes.desired !== undefined) {
    columns.desired = changes.desired;
  }
  if (changes.owner !== undefined) {
    columns.owner = changes.owner;
  }
  if (changes.expiresAt !== undefined) {
    columns.expires_at = dateToText(changes.expiresAt, labId, 'expiresAt');
  }
  if (changes.extensions !== undefined) {
    columns.extensions = storableCount(changes.extensions, labId, 'extensions');
  }
  // hasOwn, not `!== undefined`: here a present `undefined` means "clear".
  if (Object.hasOwn(changes, 'lastActivityAt')) {
    columns.last_activity_at = optionalDateToText(changes.lastActivityAt, labId, 'lastActivityAt');
  }
  if (Object.hasOwn(changes, 'reapWarnedAt')) {
    columns.reap_warned_at = optionalDateToText(changes.reapWarnedAt, labId, 'reapWarnedAt');
  }
  if (Object.hasOwn(changes, 'snoozedUntil')) {
    columns.snoozed_until = optionalDateToText(changes.snoozedUntil, labId, 'snoozedUntil');
  }
  if (Object.hasOwn(changes, 'captureAs')) {
    columns.capture_as = changes.captureAs ?? null;
  }
  if (Object.hasOwn(changes, 'keepaliveToken')) {
    columns.keepalive_token = changes.keepaliveToken ?? null;
  }
  if (Object.hasOwn(changes, 'restoreUntil')) {
    columns.restore_until = optionalDateToText(changes.restoreUntil, labId, 'restoreUntil');
  }
  if (Object.hasOwn(changes, 'ticketClosedAt')) {
    columns.ticket_closed_at = optionalDateToText(changes.ticketClosedAt, labId, 'ticketClosedAt');
  }
  if (Object.hasOwn(changes, 'lateWarnedAt')) {
    columns.late_warned_at = optionalDateToText(changes.lateWarnedAt, labId, 'lateWarnedAt');
  }
  return columns;
}

/**
 * The lab a row stores.
 * @throws CorruptLabRowError when a column holds something labbot never writes.
 */
export function rowToLab(row: LabRow): Lab {
  const id = row.id;
  const lab: Lab = {
    id,
    kind: row.kind,
    owner: row.owner,
    template: row.template,
    vappName: row.vapp_name,
    desired: oneOf(DESIRED_STATES, row.desired, id, 'desired'),
    phase: oneOf(PHASES, row.phase, id, 'phase'),
    createdAt: textToDate(row.created_at, id, 'created_at'),
    expiresAt: textToDate(row.expires_at, id, 'expires_at'),
    vms: parseVms(row.vms, id),
    spec: {
      vcpus: finiteNumber(row.spec_vcpus, id, 'spec_vcpus'),
      memoryGb: finiteNumber(row.spec_memory_gb, id, 'spec_memory_gb'),
      storageGb: finiteNumber(row.spec_storage_gb, id, 'spec_storage_gb'),
    },
    extensions: count(row.extensions, id, 'extensions'),
    poweredOnMs: count(row.powered_on_ms, id, 'powered_on_ms'),
  };
  // Assigned one by one, not spread from `cond && {…}`, so that an absent column leaves no key behind.
  if (row.ticket !== null) {
    lab.ticket = row.ticket;
  }
  if (row.vapp_href !== null) {
    lab.vappHref = row.vapp_href;
  }
  if (row.task_href !== null) {
    lab.taskHref = row.task_href;
  }
  if (row.channel !== null) {
    lab.channel = row.channel;
  }
  if (row.message_ts !== null) {
    lab.messageTs = row.message_ts;
  }
  if (row.ready_at !== null) {
    lab.readyAt = textToDate(row.ready_at, id, 'ready_at');
  }
  if (row.ended_at !== null) {
    lab.endedAt = textToDate(row.ended_at, id, 'ended_at');
  }
  if (row.failure_reason !== null) {
    lab.failureReason = row.failure_reason;
  }
  if (row.powered_on_since !== null) {
    lab.poweredOnSince = textToDate(row.powered_on_since, id, 'powered_on_since');
  }
  if (row.last_activity_at !== null) {
    lab.lastActivityAt = textToDate(row.last_activity_at, id, 'last_activity_at');
  }
  if (row.reap_warned_at !== null) {
    lab.reapWarnedAt = textToDate(row.reap_warned_at, id, 'reap_warned_at');
  }
  if (row.snoozed_until !== null) {
    lab.snoozedUntil = textToDate(row.snoozed_until, id, 'snoozed_until');
  }
  if (row.keepalive_token !== null) {
    lab.keepaliveToken = row.keepalive_token;
  }
  if (row.restore_until !== null) {
    lab.restoreUntil = textToDate(row.restore_until, id, 'restore_until');
  }
  // Absent before migration 013 in rows read by tests of older schemas; NULL after it for open tickets.
  if (row.ticket_closed_at !== null && row.ticket_closed_at !== undefined) {
    lab.ticketClosedAt = textToDate(row.ticket_closed_at, id, 'ticket_closed_at');
  }
  if (row.capture_as !== null) {
    lab.captureAs = row.capture_as;
  }
  if (row.capture_name !== null) {
    lab.captureName = row.capture_name;
  }
  if (row.network !== null) {
    lab.network = parseNetwork(row.network, id);
  }
  if (row.ready_by !== null) {
    lab.readyBy = textToDate(row.ready_by, id, 'ready_by');
  }
  if (row.deploy_at !== null) {
    lab.deployAt = textToDate(row.deploy_at, id, 'deploy_at');
  }
  if (row.late_warned_at !== null) {
    lab.lateWarnedAt = textToDate(row.late_warned_at, id, 'late_warned_at');
  }
  return lab;
}

/**
 * A date as stored.
 * @throws RangeError when the date is invalid or outside the years 0–9999.
 */
export function dateToText(date: Date, labId: string, field: string): string {
  return timestampToText(date, `lab ${labId}: ${field}`);
}

/** An optional date as stored: NULL when absent (or null, which plain JavaScript callers may pass). */
function optionalDateToText(date: Date | undefined, labId: string, field: string): string | null {
  return date ? dateToText(date, labId, field) : null;
}

function textToDate(text: string, labId: string, column: string): Date {
  const date = textToTimestamp(text);
  if (date === undefined) {
    throw new CorruptLabRowError(
      labId,
      column,
      `expected an ISO 8601 UTC timestamp, got ${JSON.stringify(text)}`,
    );
  }
  return date;
}

function oneOf<T extends string>(allowed: Record<T, true>, value: string, labId: string, column: string): T {
  if (!Object.hasOwn(allowed, value)) {
    throw new CorruptLabRowError(labId, column, `unknown value ${JSON.stringify(value)}`);
  }
  return value as T;
}

function finiteNumber(value: unknown, labId: string, column: string): number {
  // pg hands back numeric and int8 as strings; the migration uses integer and double precision, so a string
  // here means the column type was changed by hand.
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new CorruptLabRowError(labId, column, `expected a number, got ${JSON.stringify(value)}`);
  }
  return value;
}

function storableCount(value: number, labId: string, field: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`lab ${labId}: ${field} must be a non-negative integer, got ${value}`);
  }
  return value;
}

/** A non-negative safe integer; PostgreSQL's bigint arrives as a string of digits. */
function count(value: unknown, labId: string, column: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number) || number < 0) {
    throw new CorruptLabRowError(
      labId,
      column,
      `expected a non-negative integer, got ${JSON.stringify(value)}`,
    );
  }
  return number;
}

// Only known fields go into the JSON, so that whatever else an object carries at runtime is not persisted.
function vmToJson(vm: VmInfo): VmInfo {
  return {
    name: vm.name,
    href: vm.href,
    powerState: vm.powerState,
    cpus: vm.cpus,
    memoryMb: vm.memoryMb,
    nics: vm.nics.map(nicToJson),
  };
}

function nicToJson(nic: NicInfo): NicInfo {
  const json: NicInfo = { index: nic.index, network: nic.network, mac: nic.mac, connected: nic.connected };
  if (nic.ipAddress !== undefined) {
    json.ipAddress = nic.ipAddress;
  }
  if (nic.adapterType !== undefined) {
    json.adapterType = nic.adapterType;
  }
  return json;
}

function parseVms(text: string, labId: string): VmInfo[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CorruptLabRowError(
      labId,
      'vms',
      `not JSON (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (!Array.isArray(value)) {
    throw new CorruptLabRowError(labId, 'vms', 'expected a JSON array');
  }
  return value.map((vm: unknown, i) => parseVm(vm, labId, `vms[${i}]`));
}

function parseVm(value: unknown, labId: string, at: string): VmInfo {
  const vm = record(value, labId, at);
  return {
    name: field(vm, 'name', 'string', labId, at),
    href: field(vm, 'href', 'string', labId, at),
    powerState: oneOf(POWER_STATES, field(vm, 'powerState', 'string', labId, at), labId, `${at}.powerState`),
    cpus: field(vm, 'cpus', 'number', labId, at),
    memoryMb: field(vm, 'memoryMb', 'number', labId, at),
    nics: arrayField(vm, 'nics', labId, at).map((nic, i) => parseNic(nic, labId, `${at}.nics[${i}]`)),
  };
}

function parseNic(value: unknown, labId: string, at: string): NicInfo {
  const nic = record(value, labId, at);
  const parsed: NicInfo = {
    index: field(nic, 'index', 'number', labId, at),
    network: field(nic, 'network', 'string', labId, at),
    mac: field(nic, 'mac', 'string', labId, at),
    connected: field(nic, 'connected', 'boolean', labId, at),
  };
  if (nic.ipAddress !== undefined) {
    parsed.ipAddress = field(nic, 'ipAddress', 'string', labId, at);
  }
  if (nic.adapterType !== undefined) {
    parsed.adapterType = field(nic, 'adapterType', 'string', labId, at);
  }
  return parsed;
}

interface JsonTypes {
  string: string;
  number: number;
  boolean: boolean;
}

function record(value: unknown, labId: string, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CorruptLabRowError(labId, 'vms', `${at} is not an object`);
  }
  return value as Record<string, unknown>;
}

function field<K extends keyof JsonTypes>(
  object: Record<string, unknown>,
  key: string,
  type: K,
  labId: string,
  at: string,
): JsonTypes[K] {
  const value = object[key];
  if (typeof value !== type) {
    throw new CorruptLabRowError(labId, 'vms', `${at}.${key} is not a ${type}`);
  }
  return value as JsonTypes[K];
}

function arrayField(object: Record<string, unknown>, key: string, labId: string, at: string): unknown[] {
  const value = object[key];
  if (!Array.isArray(value)) {
    throw new CorruptLabRowError(labId, 'vms', `${at}.${key} is not an array`);
  }
  return value as unknown[];
}

// Only known fields go into the JSON, as for VMs.
function networkToJson(network: LabNetwork): LabNetwork {
  const json: LabNetwork = {
    edge: network.edge,
    esxiVms: [...network.esxiVms],
    nicsConfigured: network.nicsConfigured,
    rulesApplied: network.rulesApplied,
    access: network.access.map((a) => {
      const point: AccessPoint = {
        name: a.name,
        vm: a.vm,
        protocol: a.protocol,
        publicPort: a.publicPort,
        port: a.port,
        allow: [...a.allow],
      };
      if (a.url !== undefined) {
        point.url = a.url;
      }
      return point;
    }),
    released: network.released,
  };
  if (network.jumpHost !== undefined) {
    json.jumpHost = network.jumpHost;
  }
  if (network.publicIp !== undefined) {
    json.publicIp = network.publicIp;
  }
  return json;
}

function corruptNetwork(labId: string, detail: string): CorruptLabRowError {
  return new CorruptLabRowError(labId, 'network', detail);
}

function parseNetwork(text: string, labId: string): LabNetwork {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw corruptNetwork(labId, `not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw corruptNetwork(labId, 'expected a JSON object');
  }
  const n = value as Record<string, unknown>;
  const strings = (v: unknown, at: string): string[] => {
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
      throw corruptNetwork(labId, `${at} is not a list of strings`);
    }
    return v;
  };
  const flag = (key: string): boolean => {
    if (typeof n[key] !== 'boolean') {
      throw corruptNetwork(labId, `${key} is not a boolean`);
    }
    return n[key];
  };
  if (!Array.isArray(n.access)) {
    throw corruptNetwork(labId, 'access is not a list');
  }
  if (typeof n.edge !== 'string') {
    throw corruptNetwork(labId, 'edge is not a string');
  }
  const network: LabNetwork = {
    edge: n.edge,
    esxiVms: strings(n.esxiVms, 'esxiVms'),
    nicsConfigured: flag('nicsConfigured'),
    rulesApplied: flag('rulesApplied'),
    access: (n.access as unknown[]).map((a, i) => parseAccess(a, labId, `access[${i}]`, strings)),
    released: flag('released'),
  };
  if (typeof n.jumpHost === 'string') {
    network.jumpHost = n.jumpHost;
  }
  if (typeof n.publicIp === 'string') {
    network.publicIp = n.publicIp;
  }
  return network;
}

function parseAccess(
  value: unknown,
  labId: string,
  at: string,
  strings: (v: unknown, at: string) => string[],
): AccessPoint {
  if (typeof value !== 'object' || value === null) {
    throw corruptNetwork(labId, `${at} is not an object`);
  }
  const a = value as Record<string, unknown>;
  if (
    typeof a.name !== 'string' ||
    typeof a.vm !== 'string' ||
    (a.protocol !== 'tcp' && a.protocol !== 'udp') ||
    typeof a.publicPort !== 'number' ||
    typeof a.port !== 'number'
  ) {
    throw corruptNetwork(labId, `${at} lacks name, vm, protocol or ports`);
  }
  const point: AccessPoint = {
    name: a.name,
    vm: a.vm,
    protocol: a.protocol,
    publicPort: a.publicPort,
    port: a.port,
    allow: strings(a.allow, `${at}.allow`),
  };
  if (typeof a.url === 'string') {
    point.url = a.url;
  }
  return point;
}

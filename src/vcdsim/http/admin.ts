/**
 * The simulator's own admin endpoint under `/_sim/` (JSON, no VCD authentication; the simulator listens on loopback
 * by default). Not part of VCD's API: tests and demos use it to look inside and to steer faults and usage curves.
 *
 *   GET    /_sim/state              the world as JSON (VDC usage, vApps, VMs with usage activity, tasks, edge, faults)
 *   GET    /_sim/faults             the fault rules in force
 *   POST   /_sim/faults             replace them (SimFaults JSON, see faults.ts)
 *   DELETE /_sim/faults             remove every fault rule and pending task failure
 *   POST   /_sim/usage              {"vApp": "<name or id>", "vm"?: "<name or id>", "profile": "busy" | "idle" |
 *                                   {"abandonedAfterMinutes": N}}
 *   POST   /_sim/sessions/expire    end every session now
 */
import { dateTime } from '../documents/common';
import { type FaultInjector, type SimFaults } from '../faults';
import { type Hrefs } from '../hrefs';
import { statusName } from '../media-types';
import { runtimeLeaseExpiry, storageLeaseExpiry, type SimState } from '../sim-state';
import { taskStatusAt } from '../task-engine';
import { activityAt, parseUsageProfile } from '../usage-model';

export interface AdminContext {
  readonly state: SimState;
  readonly faults: FaultInjector;
  readonly hrefs: Hrefs;
}

export interface AdminResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** Recently ended tasks kept in the state snapshot, besides all tasks in flight. */
const RECENT_TASKS = 25;

function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : dateTime(ms);
}

/** The world as of the injected clock, as plain JSON. */
export function stateSnapshot(ctx: AdminContext): Record<string, unknown> {
  const { state, hrefs } = ctx;
  const now = state.now();
  const tasks = state.tasks();
  const inFlight = tasks.filter((t) => t.finalStatus === undefined);
  const ended = tasks.filter((t) => t.finalStatus !== undefined).slice(-RECENT_TASKS);
  return {
    now: dateTime(now),
    speedFactor: state.config.speedFactor,
    org: state.org.name,
    user: state.user.name,
    maxConcurrentTasks: state.maxConcurrentTasks,
    runningTasks: inFlight.filter((t) => !t.system).length,
    sessions: { active: state.sessions.size, opened: state.sessions.opened },
    vdcs: state.vdcs.map((vdc) => {
      const compute = state.computeInUse(vdc.id);
      return {
        id: vdc.id,
        name: vdc.name,
        href: hrefs.vdc(vdc.id),
        limits: { cpuMhz: vdc.cpuLimitMhz, memoryMb: vdc.memoryLimitMb, storageMb: vdc.storageLimitMb },
        used: { cpuMhz: compute.cpuMhz, memoryMb: compute.memoryMb, storageMb: state.storageInUseMb(vdc.id) },
        vCpuMhz: vdc.vCpuMhz,
      };
    }),
    vApps: state.vApps().map((vApp) => ({
      id: vApp.id,
      name: vApp.name,
      href: hrefs.vApp(vApp.id),
      vdc: state.vdcById(vApp.vdcId)?.name,
      status: statusName(vApp.status),
      deployed: vApp.deployed,
      busy: state.activeTaskOf(vApp.id) !== undefined,
      runtimeLeaseExpiresAt: iso(runtimeLeaseExpiry(vApp)),
      storageLeaseExpiresAt: iso(storageLeaseExpiry(vApp)),
      metadata: Object.fromEntries([...vApp.metadata.values()].map((m) => [m.key, m.value])),
      vms: vApp.vms.map((vm) => ({
        id: vm.id,
        name: vm.name,
        href: hrefs.vm(vm.id),
        status: statusName(vm.status),
        usage: vm.usage.profile,
        usageSince: dateTime(vm.usage.since),
        activity: activityAt(vm, now),
        nics: vm.nics.map((n) => ({
          index: n.index,
          network: n.network,
          adapterType: n.adapterType,
          mac: n.mac,
          ip: n.ip,
          allocationMode: n.allocationMode,
          connected: n.connected,
        })),
      })),
    })),
    templates: state.templates.map((t) => ({
      id: t.id,
      name: t.name,
      href: hrefs.vAppTemplate(t.id),
      resolved: t.resolved,
      withMemoryState: t.withMemoryState,
    })),
    tasks: [...inFlight, ...ended].map((t) => ({
      id: t.id,
      href: hrefs.task(t.id),
      operationName: t.operationName,
      status: taskStatusAt(t, now),
      owner: { kind: t.ownerKind, id: t.ownerId, name: t.ownerName },
      system: t.system,
      startedAt: dateTime(t.createdAt),
      endedAt: iso(t.endedAt),
      error: t.error,
    })),
    edge: {
      id: state.edge.id,
      name: state.edge.name,
      href: hrefs.edgeGateway(state.edge.id),
      publicIps: {
        start: state.edge.uplink.poolStart,
        end: state.edge.uplink.poolEnd,
        ...state.publicIpUsage(),
      },
      nat: state.edge.nat,
      firewall: state.edge.firewall,
      nsxt: { ...state.nsxtSnapshot(), ipSpace: state.nsxt.ipSpace?.name },
    },
    faults: ctx.faults.snapshot(),
  };
}

function parseJson(body: string): unknown {
  try {
    return body.trim() === '' ? {} : (JSON.parse(body) as unknown);
  } catch {
    throw new Error('the body is not JSON');
  }
}

function usage(ctx: AdminContext, body: string): AdminResponse {
  const request = parseJson(body);
  if (typeof request !== 'object' || request === null) {
    throw new Error('expected {"vApp": ..., "vm"?: ..., "profile": ...}');
  }
  const { vApp, vm, profile } = request as Record<string, unknown>;
  if (typeof vApp !== 'string' || (vm !== undefined && typeof vm !== 'string')) {
    throw new Error('"vApp" (and "vm", if given) must be a name or id');
  }
  ctx.state.setUsage({ vApp, vm }, parseUsageProfile(profile));
  return { status: 204 };
}

/** Answers one admin request. Never throws: bad input is a 400 with `{"error": "..."}`. */
export function handleAdmin(ctx: AdminContext, method: string, path: string, body: string): AdminResponse {
  try {
    switch (`${method} ${path}`) {
      case 'GET /_sim/state':
        return { status: 200, body: stateSnapshot(ctx) };
      case 'GET /_sim/faults':
        return { status: 200, body: ctx.faults.snapshot() };
      case 'POST /_sim/faults':
        // configure validates the shape itself (parseFaults) and says which field is wrong.
        ctx.faults.configure(parseJson(body) as SimFaults);
        return { status: 200, body: ctx.faults.snapshot() };
      case 'DELETE /_sim/faults':
        ctx.faults.clear();
        return { status: 204 };
      case 'POST /_sim/usage':
        return usage(ctx, body);
      case 'POST /_sim/sessions/expire':
        ctx.state.expireSessions();
        return { status: 204 };
      default:
        return { status: 404, body: { error: `no admin operation ${method} ${path}` } };
    }
  } catch (error) {
    return { status: 400, body: { error: error instanceof Error ? error.message : String(error) } };
  }
}

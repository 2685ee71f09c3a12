/**
 * The usage model behind `GET /api/vApp/vm-<id>/metrics/current`: each VM follows a profile (busy, idle, abandoned
 * after N minutes) that tests and the admin endpoint steer, and its metrics are a pure function of the profile, the
 * VM and the injected clock, so a reaper can be tested end to end without sleeping.
 *
 * Metric names and units are VCD's (VMware Cloud Director API Programming Guide, "Metric Names": cpu.usage.average
 * PERCENT, cpu.usage.maximum PERCENT, cpu.usagemhz.average MEGAHERTZ, mem.usage.average PERCENT, disk.provisioned.latest
 * and disk.used.latest KILOBYTE, disk.read.average and disk.write.average KILOBYTES_PER_SECOND). VCD reports no network
 * metric; `net.usage.average` (vSphere's counter name) is added only when the simulator is asked to.
 */
import { STATUS } from './media-types';
import { type SimVm, type UsageProfile } from './model';
import { hashUnit } from './random';

/** VCD samples realtime metrics every 20 seconds; values change per sample, not per request. */
export const SAMPLE_INTERVAL_MS = 20_000;

export interface MetricValue {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
}

export type Activity = 'busy' | 'idle' | 'off';

/** The profile new VMs get unless configured otherwise: used for an hour after power-on, then forgotten. */
export const DEFAULT_USAGE: UsageProfile = { kind: 'abandoned', afterMinutes: 60 };

/** What the guest is doing at `now`. */
export function activityAt(vm: SimVm, now: number): Activity {
  if (vm.status !== STATUS.poweredOn) {
    return 'off';
  }
  const { profile, since } = vm.usage;
  switch (profile.kind) {
    case 'busy':
      return 'busy';
    case 'idle':
      return 'idle';
    case 'abandoned': {
      const start = Math.max(since, vm.poweredOnAt ?? since);
      return now < start + profile.afterMinutes * 60_000 ? 'busy' : 'idle';
    }
  }
}

/** A value between `low` and `high` that is stable within one sample interval. */
function sample(vm: SimVm, metric: string, now: number, low: number, high: number): number {
  const bucket = Math.floor(now / SAMPLE_INTERVAL_MS);
  return low + (high - low) * hashUnit(`${vm.id}:${metric}:${bucket}`);
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/**
 * The current metrics of a VM. A VM that is not powered on has none: VCD collects metrics only for running VMs and
 * drops the metrics/current links from a powered-off Vm.
 */
export function currentMetrics(
  vm: SimVm,
  now: number,
  options: { vCpuMhz: number; includeNetwork: boolean },
): MetricValue[] {
  const activity = activityAt(vm, now);
  if (activity === 'off') {
    return [];
  }
  const busy = activity === 'busy';
  // An idle nested ESXi host still runs its own services: a few percent, never zero. Other guests idle lower. The
  // top stays clear of labbot's default idle threshold (5%): a sample rounding to 5.00 read as "in use" made reaper
  // tests depend on the VM ids the simulator drew.
  const idleCpu: [number, number] = vm.nestedHypervisor ? [1.5, 4.5] : [0.4, 2.5];
  const cpu = busy ? sample(vm, 'cpu', now, 45, 90) : sample(vm, 'cpu', now, ...idleCpu);
  const cpuMax = Math.min(100, cpu * sample(vm, 'cpumax', now, 1.1, 1.6));
  const mem = busy ? sample(vm, 'mem', now, 30, 65) : sample(vm, 'mem', now, 4, 9);
  const provisionedKb = vm.diskGb * 1024 * 1024;
  // Thin-provisioned disks fill to a stable share of their size, different per VM.
  const usedKb = provisionedKb * (0.25 + 0.35 * hashUnit(`${vm.id}:diskUsed`));
  const read = busy ? sample(vm, 'read', now, 300, 4000) : sample(vm, 'read', now, 0, 12);
  const write = busy ? sample(vm, 'write', now, 200, 2500) : sample(vm, 'write', now, 2, 40);
  const metrics: MetricValue[] = [
    { name: 'cpu.usage.average', unit: 'PERCENT', value: round(cpu, 2) },
    { name: 'cpu.usage.maximum', unit: 'PERCENT', value: round(cpuMax, 2) },
    {
      name: 'cpu.usagemhz.average',
      unit: 'MEGAHERTZ',
      value: round((cpu / 100) * vm.cpus * options.vCpuMhz, 1),
    },
    { name: 'mem.usage.average', unit: 'PERCENT', value: round(mem, 2) },
    { name: 'disk.provisioned.latest', unit: 'KILOBYTE', value: provisionedKb },
    { name: 'disk.used.latest', unit: 'KILOBYTE', value: Math.round(usedKb) },
    { name: 'disk.read.average', unit: 'KILOBYTES_PER_SECOND', value: round(read, 1) },
    { name: 'disk.write.average', unit: 'KILOBYTES_PER_SECOND', value: round(write, 1) },
  ];
  if (options.includeNetwork) {
    const net = busy ? sample(vm, 'net', now, 1500, 12000) : sample(vm, 'net', now, 0.2, 3);
    metrics.push({ name: 'net.usage.average', unit: 'KILOBYTES_PER_SECOND', value: round(net, 1) });
  }
  return metrics;
}

/** VCD rolls realtime samples up into 5-minute historic samples, kept for 24 hours (`GET <vm>/metrics/historic`). */
export const HISTORIC_INTERVAL_MS = 5 * 60_000;
export const HISTORIC_RETENTION_MS = 24 * 3_600_000;

/** One metric's 5-minute series. */
export interface MetricSeries {
  readonly name: string;
  readonly unit: string;
  readonly samples: readonly { readonly at: number; readonly value: number }[];
}

/**
 * The VM's historic series over (`from`, `to`], clipped to the last 24 hours and to the time since it was powered on:
 * one sample at each 5-minute mark, the value its profile gave at that mark (the simulator's rollup; a profile
 * changes at most when steered, so the mark's value stands for the interval). A VM that is not powered on has none
 * (the simulator keeps no power history). Series without a sample are left out, as MetricSeries needs one.
 */
export function historicMetrics(
  vm: SimVm,
  window: { from: number; to: number; now: number },
  options: { vCpuMhz: number; includeNetwork: boolean },
): MetricSeries[] {
  if (vm.status !== STATUS.poweredOn || vm.poweredOnAt === undefined) {
    return [];
  }
  const from = Math.max(window.from, window.now - HISTORIC_RETENTION_MS, vm.poweredOnAt);
  const to = Math.min(window.to, window.now);
  const marks: number[] = [];
  for (
    let at = Math.floor(from / HISTORIC_INTERVAL_MS) * HISTORIC_INTERVAL_MS + HISTORIC_INTERVAL_MS;
    at <= to;
  ) {
    marks.push(at);
    at += HISTORIC_INTERVAL_MS;
  }
  const series = new Map<string, { name: string; unit: string; samples: { at: number; value: number }[] }>();
  for (const at of marks) {
    for (const metric of currentMetrics(vm, at, options)) {
      const entry = series.get(metric.name) ?? { name: metric.name, unit: metric.unit, samples: [] };
      entry.samples.push({ at, value: metric.value });
      series.set(metric.name, entry);
    }
  }
  return [...series.values()];
}

/**
 * Whether a metric name matches a `MetricPattern`: `*` stands for any run of characters, dots included, as in the
 * Programming Guide's examples (`*.average` matches `cpu.usage.average`; `disk.*` matches `disk.used.latest`).
 */
export function matchesMetricPattern(name: string, pattern: string): boolean {
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return regex.test(name);
}

/**
 * Reads a usage profile from the admin API's JSON (`"busy"`, `"idle"`, `{"abandonedAfterMinutes": 30}`).
 *
 * @throws Error naming the accepted shapes when the value is none of them.
 */
export function parseUsageProfile(value: unknown): UsageProfile {
  if (value === 'busy' || value === 'idle') {
    return { kind: value };
  }
  if (typeof value === 'object' && value !== null) {
    const minutes = (value as Record<string, unknown>)['abandonedAfterMinutes'];
    if (typeof minutes === 'number' && Number.isFinite(minutes) && minutes >= 0) {
      return { kind: 'abandoned', afterMinutes: minutes };
    }
  }
  throw new Error('profile must be "busy", "idle" or {"abandonedAfterMinutes": <minutes ≥ 0>}');
}

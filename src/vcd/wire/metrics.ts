import { expectRoot } from './wire-format';
import { attr, children, parseXml } from './xml';

/** One metric of `GET <vm>/metrics/current` (XSD `vcloud/metrics.xsd: MetricType`, since 5.6). */
export interface VcdMetric {
  /** Dot-separated, e.g. `cpu.usage.average`; per-disk variants carry a suffix (`disk.used.latest.0`). */
  name: string;
  /** PERCENT, MEGAHERTZ, KILOBYTE, KILOBYTES_PER_SECOND, … */
  unit?: string;
  value: number;
}

/**
 * Parses a `<CurrentUsage>` document. Metrics without a name or with a value that is not a number are skipped;
 * unknown names are kept (the set is provider-dependent).
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not CurrentUsage.
 */
export function parseCurrentUsage(xml: string): VcdMetric[] {
  const root = expectRoot(parseXml(xml), 'CurrentUsage');
  const metrics: VcdMetric[] = [];
  for (const metric of children(root, 'Metric')) {
    const name = attr(metric, 'name');
    const raw = attr(metric, 'value');
    const value = raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
    if (name === undefined || name === '' || !Number.isFinite(value)) {
      continue;
    }
    metrics.push({ name, unit: attr(metric, 'unit'), value });
  }
  return metrics;
}

/**
 * The numbers the reaper and the cost meter reason about, from the metrics a VM reports now. Each is undefined when
 * VCD did not report it (a powered-off VM reports little or nothing).
 */
export interface VcdVmUsage {
  /** cpu.usage.average: percent of the VM's configured CPU, all cores. */
  cpuPercent?: number;
  /** cpu.usagemhz.average. */
  cpuMhz?: number;
  /** mem.usage.average: percent of configured memory. */
  memoryPercent?: number;
  /** disk.read.average, KB/s over all disks. */
  diskReadKbps?: number;
  /** disk.write.average, KB/s over all disks. */
  diskWriteKbps?: number;
  /** disk.provisioned.latest, KB over all disks. */
  diskProvisionedKb?: number;
  /** disk.used.latest, KB over all disks. */
  diskUsedKb?: number;
  /** net.usage.average (KB/s), where the provider reports it. */
  networkKbps?: number;
}

/**
 * The metrics we use, by name prefix: the aggregate (`disk.used.latest`) wins; when only per-disk variants
 * (`disk.used.latest.0`, `.1`) are reported they are summed. Anything else is ignored.
 */
const USAGE_METRICS: readonly (readonly [keyof VcdVmUsage, string])[] = [
  ['cpuPercent', 'cpu.usage.average'],
  ['cpuMhz', 'cpu.usagemhz.average'],
  ['memoryPercent', 'mem.usage.average'],
  ['diskReadKbps', 'disk.read.average'],
  ['diskWriteKbps', 'disk.write.average'],
  ['diskProvisionedKb', 'disk.provisioned.latest'],
  ['diskUsedKb', 'disk.used.latest'],
  ['networkKbps', 'net.usage.average'],
];

/** Reduces metrics to VcdVmUsage. Never throws. */
export function summarizeUsage(metrics: readonly VcdMetric[]): VcdVmUsage {
  const usage: VcdVmUsage = {};
  for (const [field, name] of USAGE_METRICS) {
    const aggregate = metrics.find((m) => m.name === name);
    if (aggregate !== undefined) {
      usage[field] = aggregate.value;
      continue;
    }
    const parts = metrics.filter((m) => m.name.startsWith(`${name}.`));
    if (parts.length > 0) {
      usage[field] = parts.reduce((sum, m) => sum + m.value, 0);
    }
  }
  return usage;
}

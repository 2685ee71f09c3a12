import { VCLOUD_NS } from './namespaces';
import { expectRoot } from './wire-format';
import { attr, children, parseXml } from './xml';
import { el, serializeXml, textEl } from './xml-builder';

/** The media type of a `HistoricUsageSpec` body (XSD `vcloud/metrics.xsd`, since 5.6). */
export const HISTORIC_USAGE_SPEC_MEDIA = 'application/vnd.vmware.vcloud.metrics.historicUsageSpec+xml';

/** One sample of a historic series. */
export interface VcdMetricSample {
  at: Date;
  value: number;
}

/** One metric's series of `<vm>/metrics/historic` (XSD `TimeSeriesMetricType`). */
export interface VcdMetricSeries {
  /** e.g. `cpu.usage.average`. */
  name: string;
  unit?: string;
  /** Seconds between samples VCD means to keep (300 for its 5-minute rollups). */
  expectedIntervalSeconds?: number;
  /** Oldest first. */
  samples: VcdMetricSample[];
}

/**
 * A `HistoricUsageSpec` asking for the samples after `since` of the metrics matching `patterns` (XSD order: start
 * time, end time, patterns; no end time means up to now).
 */
export function historicUsageSpecXml(since: Date, patterns: readonly string[]): string {
  return serializeXml(
    el('HistoricUsageSpec', { xmlns: VCLOUD_NS }, [
      el('AbsoluteStartTime', { time: since.toISOString() }),
      ...patterns.map((p) => textEl('MetricPattern', p)),
    ]),
  );
}

/**
 * Parses a `<HistoricUsage>` document. Series without a name are skipped, as are samples whose timestamp or value is
 * not readable; samples come back oldest first whatever order VCD sent them in.
 *
 * @throws XmlParseError when the text is not XML; WireFormatError when the root is not HistoricUsage.
 */
export function parseHistoricUsage(xml: string): VcdMetricSeries[] {
  const root = expectRoot(parseXml(xml), 'HistoricUsage');
  const series: VcdMetricSeries[] = [];
  for (const node of children(root, 'MetricSeries')) {
    const name = attr(node, 'name');
    if (name === undefined || name === '') {
      continue;
    }
    const interval = Number(attr(node, 'expectedInterval'));
    const samples = children(node, 'Sample')
      .map((s) => ({ at: new Date(attr(s, 'timestamp') ?? ''), value: decimal(attr(s, 'value')) }))
      .filter((s) => !Number.isNaN(s.at.getTime()) && Number.isFinite(s.value))
      .sort((a, b) => a.at.getTime() - b.at.getTime());
    series.push({
      name,
      unit: attr(node, 'unit'),
      ...(Number.isFinite(interval) && interval > 0 ? { expectedIntervalSeconds: interval } : {}),
      samples,
    });
  }
  return series;
}

function decimal(raw: string | undefined): number {
  return raw === undefined || raw.trim() === '' ? Number.NaN : Number(raw);
}

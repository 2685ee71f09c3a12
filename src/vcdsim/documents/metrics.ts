/** `CurrentUsage` (XSD metrics.xsd), shape of the Programming Guide's "Retrieve Current or Historic Metrics" example. */
import { MEDIA } from '../media-types';
import { type MetricSeries, type MetricValue } from '../usage-model';
import { x, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, link, type RenderContext } from './common';

/** xs:decimal as VCD prints it: always with a fractional part (`262.0`, `5.36`). */
function decimal(value: number): string {
  return Number.isInteger(value) ? value.toFixed(1) : String(value);
}

export function currentUsageDocument(
  ctx: RenderContext,
  vmId: string,
  metrics: readonly MetricValue[],
): XmlNodeOut {
  return x(
    'CurrentUsage',
    VCLOUD_ROOT,
    link('up', ctx.hrefs.vm(vmId), MEDIA.vm),
    metrics.map((m) => x('Metric', { name: m.name, unit: m.unit, value: decimal(m.value) })),
  );
}

/** `HistoricUsage` (XSD metrics.xsd: MetricSeries name, unit, expectedInterval in seconds; Sample timestamp, value). */
export function historicUsageDocument(
  ctx: RenderContext,
  vmId: string,
  series: readonly MetricSeries[],
  intervalMs: number,
): XmlNodeOut {
  return x(
    'HistoricUsage',
    VCLOUD_ROOT,
    link('up', ctx.hrefs.vm(vmId), MEDIA.vm),
    series.map((s) =>
      x(
        'MetricSeries',
        { name: s.name, unit: s.unit, expectedInterval: String(intervalMs / 1000) },
        s.samples.map((sample) =>
          x('Sample', { timestamp: new Date(sample.at).toISOString(), value: decimal(sample.value) }),
        ),
      ),
    ),
  );
}

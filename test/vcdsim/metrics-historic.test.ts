/**
 * VM metrics history (issue 17): `GET <vm>/metrics/historic` (24 hours) and `POST` with a HistoricUsageSpec (a start
 * time and metric patterns) answer HistoricUsage documents with 5-minute samples of the usage curves, valid against
 * VCD's XSD; the client's spec body is valid too, and the client's parser reads what the simulator serves.
 */
import { historicUsageSpecXml, parseHistoricUsage } from '../../src/vcd/wire/historic-metrics';
import { validateAgainstXsd } from '../helpers/xsd';
import {
  descendants,
  instantiate,
  instantiateBody,
  linkHref,
  lookups,
  startHarness,
  waitTask,
  type Harness,
} from './sim-harness';

const MEDIA_HISTORIC_SPEC = 'application/vnd.vmware.vcloud.metrics.historicUsageSpec+xml';
const FIVE_MINUTES = 5 * 60_000;

describe('vcdsim metrics history', () => {
  let h: Harness;
  let vAppHref: string;
  let vmHref: string;
  let poweredOnAt: number;

  beforeEach(async () => {
    h = await startHarness({ speedFactor: 100, sessionIdleTimeoutMs: 48 * 3600_000 });
    await h.api.login();
    const { vdcHref, networks, templates } = await lookups(h.api);
    const created = await instantiate(
      h.api,
      vdcHref,
      instantiateBody({
        name: 'lab-history',
        templateHref: templates.get('esxi8-single') ?? '',
        networks,
        powerOn: true,
        deploymentLeaseSeconds: 0,
      }),
    );
    await waitTask(h.api, h.clock, created.taskHref, 100);
    poweredOnAt = h.clock.now();
    vAppHref = created.vAppHref;
    vmHref = descendants((await h.api.get(vAppHref)).xml, 'Vm')[0]?.attributes['href'] ?? '';
  });

  afterEach(async () => {
    await h.close();
  });

  it('serves 5-minute samples of the usage curve since power-on, valid against the XSD, that the client parses', async () => {
    // The default curve: busy for an hour after power-on, then idle.
    h.clock.advance(2 * 3600_000);
    const vm = await h.api.get(vmHref);
    expect(linkHref(vm.xml, 'down')).toBeDefined();
    const historicLinks = descendants(vm.xml, 'Link').filter((l) =>
      (l.attributes['href'] ?? '').endsWith('/metrics/historic'),
    );
    expect(historicLinks.map((l) => [l.attributes['rel'], l.attributes['type']])).toEqual([
      ['down', MEDIA_HISTORIC_SPEC],
      ['metrics', MEDIA_HISTORIC_SPEC],
    ]);

    const all = await h.api.get(`${vmHref}/metrics/historic`);
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toBe(
      'application/vnd.vmware.vcloud.metrics.historicUsage+xml;version=36.0',
    );
    const series = parseHistoricUsage(all.text);
    expect(series.map((s) => s.name)).toContain('cpu.usage.average');
    const cpu = series.find((s) => s.name === 'cpu.usage.average');
    expect(cpu).toMatchObject({ unit: 'PERCENT', expectedIntervalSeconds: 300 });
    const samples = cpu?.samples ?? [];
    // Every 5-minute mark after power-on up to now: 24 in two hours.
    expect(samples).toHaveLength(24);
    for (const sample of samples) {
      expect(sample.at.getTime() % FIVE_MINUTES).toBe(0);
      expect(sample.at.getTime()).toBeGreaterThan(poweredOnAt);
      expect(sample.at.getTime()).toBeLessThanOrEqual(h.clock.now());
      if (sample.at.getTime() < poweredOnAt + 3600_000) {
        expect(sample.value).toBeGreaterThan(40);
      } else {
        expect(sample.value).toBeLessThan(6);
      }
    }

    const spec = historicUsageSpecXml(new Date(h.clock.now() - 30 * 60_000), ['cpu.usage.average']);
    const some = await h.api.post(`${vmHref}/metrics/historic`, spec, MEDIA_HISTORIC_SPEC);
    expect(some.status).toBe(200);
    const recent = parseHistoricUsage(some.text);
    expect(recent.map((s) => s.name)).toEqual(['cpu.usage.average']);
    expect(recent[0]?.samples.map((s) => s.value)).toEqual(samples.slice(-6).map((s) => s.value));

    const failures = validateAgainstXsd([
      { name: 'GET historic', xml: all.text },
      { name: 'POST historic', xml: some.text },
      { name: 'client HistoricUsageSpec', xml: spec },
    ]).filter((r) => r.errors.length > 0);
    expect(failures).toEqual([]);
  });

  it('reads relative times, answers none for a VM that is off, and refuses a malformed spec', async () => {
    h.clock.advance(3600_000);
    const relative =
      '<HistoricUsageSpec xmlns="http://www.vmware.com/vcloud/v1.5">' +
      '<RelativeStartTime interval="15" unit="minute"/><MetricPattern>cpu.*</MetricPattern></HistoricUsageSpec>';
    const last15 = parseHistoricUsage(
      (await h.api.post(`${vmHref}/metrics/historic`, relative, MEDIA_HISTORIC_SPEC)).text,
    );
    expect(last15.map((s) => [s.name, s.samples.length])).toEqual([
      ['cpu.usage.average', 3],
      ['cpu.usage.maximum', 3],
      ['cpu.usagemhz.average', 3],
    ]);

    const outOfOrder =
      '<HistoricUsageSpec xmlns="http://www.vmware.com/vcloud/v1.5">' +
      '<MetricPattern>cpu.*</MetricPattern><RelativeStartTime interval="15" unit="minute"/></HistoricUsageSpec>';
    expect((await h.api.post(`${vmHref}/metrics/historic`, outOfOrder, MEDIA_HISTORIC_SPEC)).status).toBe(
      400,
    );
    const badTime =
      '<HistoricUsageSpec xmlns="http://www.vmware.com/vcloud/v1.5"><AbsoluteStartTime time="yesterday"/></HistoricUsageSpec>';
    expect((await h.api.post(`${vmHref}/metrics/historic`, badTime, MEDIA_HISTORIC_SPEC)).status).toBe(400);

    const off = await h.api.post(`${vAppHref}/power/action/powerOff`);
    await waitTask(h.api, h.clock, off.headers.get('location') ?? '', 100);
    const none = await h.api.get(`${vmHref}/metrics/historic`);
    expect(none.status).toBe(200);
    expect(parseHistoricUsage(none.text)).toEqual([]);
    expect(validateAgainstXsd([{ name: 'empty history', xml: none.text }])[0]?.errors).toEqual([]);
  });
});

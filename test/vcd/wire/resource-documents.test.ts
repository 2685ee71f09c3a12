import { toManagedVApp } from '../../../src/vcd/managed-vapps';
import { parseEdgeGateway, uplinkAddresses } from '../../../src/vcd/wire/edge-gateway';
import { parseCurrentUsage, summarizeUsage } from '../../../src/vcd/wire/metrics';
import { toFirewallRuleInput, toGatewayNatRuleInput } from '../../../src/vcd/wire/network-services';
import { parseQueryRecords } from '../../../src/vcd/wire/query';
import { statusNameToPowerState } from '../../../src/vcd/wire/vapp';

const NS = 'xmlns="http://www.vmware.com/vcloud/v1.5"';

/** A CurrentUsage as VCD 10 answers it, written in the shape of the PG example (prefixed, with a per-disk metric). */
const CURRENT_USAGE = `<?xml version="1.0" encoding="UTF-8"?>
<ns2:CurrentUsage xmlns:ns2="http://www.vmware.com/vcloud/v1.5" href="https://vcd/api/vApp/vm-1/metrics/current" extra="x">
  <ns2:Link rel="up" href="https://vcd/api/vApp/vm-1" type="application/vnd.vmware.vcloud.vm+xml"/>
  <ns2:Metric name="cpu.usage.average" unit="PERCENT" value="2.51"/>
  <ns2:Metric name="cpu.usage.maximum" unit="PERCENT" value="7.0"/>
  <ns2:Metric name="cpu.usagemhz.average" unit="MEGAHERTZ" value="120.0"/>
  <ns2:Metric name="mem.usage.average" unit="PERCENT" value="31.0"/>
  <ns2:Metric name="disk.provisioned.latest" unit="KILOBYTE" value="41943040.0"/>
  <ns2:Metric name="disk.used.latest.0" unit="KILOBYTE" value="1000.0"/>
  <ns2:Metric name="disk.used.latest.1" unit="KILOBYTE" value="500.0"/>
  <ns2:Metric name="disk.read.average.0" unit="KILOBYTES_PER_SECOND" value="3.0"/>
  <ns2:Metric name="disk.read.average" unit="KILOBYTES_PER_SECOND" value="4.0"/>
  <ns2:Metric name="gpu.usage.average" unit="PERCENT" value="9"/>
  <ns2:Metric name="broken" unit="PERCENT" value="n/a"/>
  <ns2:Unknown/>
</ns2:CurrentUsage>`;

const EDGE = `<EdgeGateway ${NS} status="1" name="lab-edge" id="urn:vcloud:gateway:e1" href="https://vcd/api/admin/edgeGateway/e1" type="application/vnd.vmware.admin.edgeGateway+xml">
  <Link rel="edgeGateway:configureServices" href="https://vcd/api/admin/edgeGateway/e1/action/configureServices" type="application/vnd.vmware.admin.edgeGatewayServiceConfiguration+xml"/>
  <Description>edge</Description>
  <Configuration>
    <GatewayBackingConfig>compact</GatewayBackingConfig>
    <GatewayInterfaces>
      <GatewayInterface>
        <Name>internet</Name><DisplayName>internet</DisplayName>
        <Network href="https://vcd/api/admin/network/ext-1" name="internet" type="application/vnd.vmware.admin.network+xml"/>
        <InterfaceType>uplink</InterfaceType>
        <SubnetParticipation>
          <Gateway>203.0.113.1</Gateway><Netmask>255.255.255.0</Netmask><IpAddress>203.0.113.2</IpAddress>
          <IpRanges><IpRange><StartAddress>203.0.113.10</StartAddress><EndAddress>203.0.113.19</EndAddress></IpRange></IpRanges>
        </SubnetParticipation>
        <UseForDefaultRoute>true</UseForDefaultRoute>
      </GatewayInterface>
      <GatewayInterface>
        <Name>Management</Name>
        <Network href="https://vcd/api/admin/network/mgmt" name="Management" type="application/vnd.vmware.admin.network+xml"/>
        <InterfaceType>internal</InterfaceType>
        <SubnetParticipation><Gateway>10.10.0.1</Gateway><Netmask>255.255.0.0</Netmask><IpAddress>10.10.0.1</IpAddress></SubnetParticipation>
      </GatewayInterface>
    </GatewayInterfaces>
    <EdgeGatewayServiceConfiguration>
      <FirewallService>
        <IsEnabled>true</IsEnabled><DefaultAction>drop</DefaultAction><LogDefaultAction>false</LogDefaultAction>
        <FirewallRule>
          <Id>1</Id><IsEnabled>true</IsEnabled><MatchOnTranslate>false</MatchOnTranslate><Description>ssh</Description>
          <Policy>allow</Policy><Protocols><Tcp>true</Tcp></Protocols><Port>-1</Port>
          <DestinationPortRange>2201</DestinationPortRange><DestinationIp>203.0.113.10</DestinationIp>
          <SourcePort>-1</SourcePort><SourcePortRange>Any</SourcePortRange><SourceIp>Any</SourceIp>
          <EnableLogging>false</EnableLogging>
        </FirewallRule>
      </FirewallService>
      <NatService>
        <IsEnabled>true</IsEnabled>
        <NatRule>
          <RuleType>DNAT</RuleType><IsEnabled>true</IsEnabled><Id>65537</Id>
          <GatewayNatRule>
            <Interface href="https://vcd/api/admin/network/ext-1" name="internet" type="application/vnd.vmware.admin.network+xml"/>
            <OriginalIp>203.0.113.10</OriginalIp><OriginalPort>2201</OriginalPort>
            <TranslatedIp>10.10.0.5</TranslatedIp><TranslatedPort>22</TranslatedPort><Protocol>tcp</Protocol>
          </GatewayNatRule>
        </NatRule>
        <NatRule>
          <RuleType>SNAT</RuleType><IsEnabled>false</IsEnabled><Id>65538</Id>
          <GatewayNatRule>
            <Interface href="https://vcd/api/admin/network/ext-1" name="internet"/>
            <OriginalIp>10.20.0.0/16</OriginalIp><TranslatedIp>203.0.113.10</TranslatedIp><Protocol>any</Protocol>
          </GatewayNatRule>
        </NatRule>
      </NatService>
      <StaticRoutingService><IsEnabled>false</IsEnabled></StaticRoutingService>
    </EdgeGatewayServiceConfiguration>
    <HaEnabled>false</HaEnabled>
    <AdvancedNetworkingEnabled>true</AdvancedNetworkingEnabled>
  </Configuration>
</EdgeGateway>`;

describe('vcd/wire/metrics', () => {
  it('reads every metric with a numeric value, under any prefix, ignoring unknown elements', () => {
    const metrics = parseCurrentUsage(CURRENT_USAGE);

    expect(metrics).toHaveLength(10);
    expect(metrics[0]).toEqual({ name: 'cpu.usage.average', unit: 'PERCENT', value: 2.51 });
    expect(metrics.some((m) => m.name === 'broken')).toBe(false);
  });

  it('summarizes by name prefix: the aggregate wins, per-disk variants are summed, unknown names ignored', () => {
    expect(summarizeUsage(parseCurrentUsage(CURRENT_USAGE))).toEqual({
      cpuPercent: 2.51,
      cpuMhz: 120,
      memoryPercent: 31,
      diskProvisionedKb: 41943040,
      diskUsedKb: 1500,
      diskReadKbps: 4,
    });
  });

  it('gives an empty summary for a VM that reports nothing (powered off)', () => {
    expect(summarizeUsage(parseCurrentUsage(`<CurrentUsage ${NS}/>`))).toEqual({});
  });
});

describe('vcd/wire/edge-gateway', () => {
  it('reads uplinks with their public IP ranges, NAT and firewall rules and the configure link', () => {
    const edge = parseEdgeGateway(EDGE);

    expect(edge).toMatchObject({
      name: 'lab-edge',
      href: 'https://vcd/api/admin/edgeGateway/e1',
      status: 1,
      advancedNetworking: true,
      configureServicesHref: 'https://vcd/api/admin/edgeGateway/e1/action/configureServices',
    });
    expect(edge.interfaces).toHaveLength(2);
    expect(edge.uplinks.map((u) => [u.name, u.networkHref, u.useForDefaultRoute])).toEqual([
      ['internet', 'https://vcd/api/admin/network/ext-1', true],
    ]);
    expect(uplinkAddresses(edge)).toEqual([{ start: '203.0.113.10', end: '203.0.113.19' }]);
    expect(
      edge.nat?.rules.map((r) => [r.ruleType, r.enabled, r.originalIp, r.translatedIp, r.translatedPort]),
    ).toEqual([
      ['DNAT', true, '203.0.113.10', '10.10.0.5', '22'],
      ['SNAT', false, '10.20.0.0/16', '203.0.113.10', undefined],
    ]);
    expect(edge.firewall).toMatchObject({ enabled: true, defaultAction: 'drop', logDefaultAction: false });
    expect(edge.firewall?.rules[0]).toMatchObject({
      id: '1',
      policy: 'allow',
      protocols: ['tcp'],
      destinationPortRange: '2201',
      sourcePortRange: 'Any',
    });
  });

  it("falls back to the uplink's own address when it has no allocated ranges", () => {
    const edge = parseEdgeGateway(EDGE.replace(/<IpRanges>.*<\/IpRanges>/, ''));

    expect(uplinkAddresses(edge)).toEqual([{ start: '203.0.113.2', end: '203.0.113.2' }]);
  });

  it('turns read rules into writable input, and refuses rules it cannot write back', () => {
    const edge = parseEdgeGateway(EDGE);

    expect(edge.nat?.rules.map(toGatewayNatRuleInput).every((r) => r !== undefined)).toBe(true);
    expect(edge.firewall?.rules.map(toFirewallRuleInput).every((r) => r !== undefined)).toBe(true);
    expect(
      toGatewayNatRuleInput({ kind: 'oneToOneVm', enabled: true, originalIp: '1.2.3.4' }),
    ).toBeUndefined();
    expect(
      toFirewallRuleInput({ enabled: true, policy: 'allow', protocols: ['tcp'], sourceIp: 'Any' }),
    ).toBeUndefined();
  });
});

describe('vcd/wire query records with metadata', () => {
  const page =
    parseQueryRecords(`<QueryResultRecords ${NS} xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" name="vApp" page="1" pageSize="128" total="2">
    <VAppRecord name="lab-demo-4kq" href="https://vcd/api/vApp/vapp-1" vdcName="lab-vdc" status="POWERED_ON" isBusy="true" isDeployed="true" newAttribute="x">
      <Metadata>
        <MetadataEntry><Key>labbot.id</Key><TypedValue xsi:type="MetadataStringValue"><Value>demo-4kq</Value></TypedValue></MetadataEntry>
        <MetadataEntry><Key>labbot.owner</Key><TypedValue xsi:type="MetadataStringValue"><Value>U123</Value></TypedValue></MetadataEntry>
        <MetadataEntry><Key>labbot.ticket</Key><TypedValue xsi:type="MetadataStringValue"><Value></Value></TypedValue></MetadataEntry>
      </Metadata>
    </VAppRecord>
    <VAppRecord name="someone-elses" href="https://vcd/api/vApp/vapp-2" vdcName="lab-vdc" status="POWERED_OFF" isBusy="false"/>
  </QueryResultRecords>`);

  it('reads the Metadata inside records', () => {
    expect(page.records[0]?.metadata.map((m) => [m.key, m.value])).toEqual([
      ['labbot.id', 'demo-4kq'],
      ['labbot.owner', 'U123'],
      ['labbot.ticket', ''],
    ]);
    expect(page.records[1]?.metadata).toEqual([]);
  });

  it('makes a managed vApp only of a record with labbot.id', () => {
    expect(toManagedVApp(page.records[0] ?? { type: '', attributes: {}, metadata: [] })).toEqual({
      href: 'https://vcd/api/vApp/vapp-1',
      name: 'lab-demo-4kq',
      powerState: 'powered_on',
      status: 'POWERED_ON',
      deployed: true,
      busy: true,
      vdcHref: undefined,
      vdcName: 'lab-vdc',
      createdAt: undefined,
      metadata: {
        labId: 'demo-4kq',
        owner: 'U123',
        kind: undefined,
        ticket: undefined,
        expiresAt: undefined,
      },
    });
    expect(toManagedVApp(page.records[1] ?? { type: '', attributes: {}, metadata: [] })).toBeUndefined();
  });

  it.each([
    ['POWERED_ON', 'powered_on'],
    ['POWERED_OFF', 'powered_off'],
    ['RESOLVED', 'powered_off'],
    ['SUSPENDED', 'suspended'],
    ['UNRESOLVED', 'creating'],
    ['FAILED_CREATION', 'failed'],
    ['PARTIALLY_POWERED_OFF', 'powered_on'],
    ['MIXED', 'unknown'],
    ['SOMETHING_NEW', 'unknown'],
  ])('maps record status %s to %s', (name, state) => {
    expect(statusNameToPowerState(name)).toBe(state);
  });
});

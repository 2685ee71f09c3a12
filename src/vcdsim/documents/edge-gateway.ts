/**
 * The `EdgeGateway` document (XSD network.xsd GatewayType) and its `EdgeGatewayServiceConfiguration`. Shape after a
 * real legacy edge as published in the maloja project's tests (Skyscape, VCD 5.x: uplink with SubnetParticipation and
 * sub-allocated IpRanges, FirewallService before NatService, NAT ids from 65537), in XSD element order.
 */
import { urn } from '../hrefs';
import { MEDIA } from '../media-types';
import { type SimEdgeGateway, type SimFirewallRule, type SimNatRule } from '../model';
import { edgeInterfaces } from '../operations/edge-operations';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, link, reference, type RenderContext } from './common';
import { taskElement } from './task';

function natRuleElement(ctx: RenderContext, edge: SimEdgeGateway, rule: SimNatRule): XmlNodeOut {
  const iface = edgeInterfaces(ctx.state, edge).find((i) => i.name === rule.interfaceName);
  return x(
    'NatRule',
    {},
    xText('Description', rule.description),
    xText('RuleType', rule.ruleType),
    xText('IsEnabled', rule.isEnabled),
    xText('Id', rule.id),
    x(
      'GatewayNatRule',
      {},
      iface !== undefined &&
        reference('Interface', ctx.hrefs.adminNetwork(iface.networkId), MEDIA.adminNetwork, iface.name),
      xText('OriginalIp', rule.originalIp),
      xText('OriginalPort', rule.originalPort),
      xText('TranslatedIp', rule.translatedIp),
      xText('TranslatedPort', rule.translatedPort),
      xText('Protocol', rule.protocol),
      xText('IcmpSubType', rule.icmpSubType),
    ),
  );
}

function firewallRuleElement(rule: SimFirewallRule): XmlNodeOut {
  const p = rule.protocols;
  return x(
    'FirewallRule',
    {},
    xText('Id', rule.id),
    xText('IsEnabled', rule.isEnabled),
    xText('MatchOnTranslate', rule.matchOnTranslate),
    xText('Description', rule.description),
    xText('Policy', rule.policy),
    x(
      'Protocols',
      {},
      xText('Tcp', p.tcp),
      xText('Udp', p.udp),
      xText('Icmp', p.icmp),
      xText('Any', p.any),
      xText('Other', p.other),
    ),
    xText('IcmpSubType', rule.icmpSubType),
    xText('Port', rule.port),
    xText('DestinationPortRange', rule.destinationPortRange),
    xText('DestinationIp', rule.destinationIp),
    xText('SourcePort', rule.sourcePort),
    xText('SourcePortRange', rule.sourcePortRange),
    xText('SourceIp', rule.sourceIp),
    xText('Direction', rule.direction),
    xText('EnableLogging', rule.enableLogging),
  );
}

/** The FirewallService and NatService as configureServices last applied them. */
export function edgeServiceConfiguration(ctx: RenderContext, edge: SimEdgeGateway, root = false): XmlNodeOut {
  return x(
    'EdgeGatewayServiceConfiguration',
    root ? VCLOUD_ROOT : {},
    x(
      'FirewallService',
      {},
      xText('IsEnabled', edge.firewall.isEnabled),
      xText('DefaultAction', edge.firewall.defaultAction),
      xText('LogDefaultAction', edge.firewall.logDefaultAction),
      edge.firewall.rules.map(firewallRuleElement),
    ),
    x(
      'NatService',
      {},
      xText('IsEnabled', edge.nat.isEnabled),
      edge.nat.rules.map((rule) => natRuleElement(ctx, edge, rule)),
    ),
  );
}

/** The edge as of `ctx.now`: configureServices is offered only while no configuration task runs. */
export function edgeGatewayDocument(ctx: RenderContext, edge: SimEdgeGateway): XmlNodeOut {
  const { hrefs, state } = ctx;
  const href = hrefs.edgeGateway(edge.id);
  const running = state.activeTaskOf(edge.id);
  const { uplink } = edge;
  // An NSX-T edge still answers the legacy GET (terraform-provider-vcd#582 read one), but its services live in the
  // CloudAPI: no configureServices link and no legacy service configuration.
  const nsxt = state.nsxt.kind === 'nsxt';
  return x(
    'EdgeGateway',
    {
      ...VCLOUD_ROOT,
      status: 1,
      name: edge.name,
      id: urn('gateway', edge.id),
      href,
      type: MEDIA.edgeGateway,
    },
    link('up', hrefs.vdc(edge.vdcId), MEDIA.vdc),
    running === undefined &&
      !nsxt &&
      link(
        'edgeGateway:configureServices',
        `${href}/action/configureServices`,
        MEDIA.edgeGatewayServiceConfiguration,
      ),
    xText('Description', 'Edge gateway of the lab org'),
    running !== undefined && x('Tasks', {}, taskElement(ctx, running, false)),
    nsxt && xText('EdgeGatewayType', 'NSXT_BACKED'),
    x(
      'Configuration',
      {},
      xText('GatewayBackingConfig', 'compact'),
      x(
        'GatewayInterfaces',
        {},
        x(
          'GatewayInterface',
          {},
          xText('Name', uplink.name),
          xText('DisplayName', uplink.name),
          reference('Network', hrefs.adminNetwork(uplink.networkId), MEDIA.adminNetwork, uplink.name),
          xText('InterfaceType', 'uplink'),
          x(
            'SubnetParticipation',
            {},
            xText('Gateway', uplink.gateway),
            xText('Netmask', uplink.netmask),
            xText('IpAddress', uplink.primaryIp),
            x(
              'IpRanges',
              {},
              x('IpRange', {}, xText('StartAddress', uplink.poolStart), xText('EndAddress', uplink.poolEnd)),
            ),
          ),
          xText('ApplyRateLimit', false),
          xText('InRateLimit', '100.0'),
          xText('OutRateLimit', '100.0'),
          xText('UseForDefaultRoute', true),
        ),
        state.networks
          .filter((n) => n.edgeName === edge.name)
          .map((n) =>
            x(
              'GatewayInterface',
              {},
              xText('Name', n.name),
              xText('DisplayName', n.name),
              reference('Network', hrefs.adminNetwork(n.id), MEDIA.adminNetwork, n.name),
              xText('InterfaceType', 'internal'),
              x(
                'SubnetParticipation',
                {},
                xText('Gateway', n.gateway),
                xText('Netmask', n.netmask),
                xText('IpAddress', n.gateway),
              ),
              xText('ApplyRateLimit', false),
              xText('UseForDefaultRoute', false),
            ),
          ),
      ),
      !nsxt && edgeServiceConfiguration(ctx, edge),
      xText('HaEnabled', false),
      xText('UseDefaultRouteForDnsRelay', false),
    ),
  );
}

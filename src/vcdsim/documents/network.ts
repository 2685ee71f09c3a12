/**
 * The org VDC network document (`OrgVdcNetwork`, XSD network.xsd): a routed network behind the edge gateway, with the
 * IP scope and static pool VMs take addresses from.
 */
import { urn } from '../hrefs';
import { MEDIA } from '../media-types';
import { type SimNetwork } from '../model';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, link, reference, type RenderContext } from './common';

export function orgVdcNetworkDocument(ctx: RenderContext, network: SimNetwork, admin: boolean): XmlNodeOut {
  const { hrefs, state } = ctx;
  const edge = state.edge;
  return x(
    'OrgVdcNetwork',
    {
      ...VCLOUD_ROOT,
      status: 1,
      name: network.name,
      id: urn('network', network.id),
      href: admin ? hrefs.adminNetwork(network.id) : hrefs.network(network.id),
      type: admin ? MEDIA.adminNetwork : MEDIA.orgNetwork,
    },
    link('up', hrefs.vdc(network.vdcId), MEDIA.vdc),
    xText('Description', ''),
    x(
      'Configuration',
      {},
      x(
        'IpScopes',
        {},
        x(
          'IpScope',
          {},
          xText('IsInherited', false),
          xText('Gateway', network.gateway),
          xText('Netmask', network.netmask),
          xText('Dns1', network.dns1),
          xText('Dns2', network.dns2),
          xText('DnsSuffix', network.dnsSuffix),
          xText('IsEnabled', true),
          x(
            'IpRanges',
            {},
            x('IpRange', {}, xText('StartAddress', network.poolStart), xText('EndAddress', network.poolEnd)),
          ),
        ),
      ),
      xText('FenceMode', 'natRouted'),
      xText('RetainNetInfoAcrossDeployments', false),
    ),
    network.edgeName === edge.name &&
      reference('EdgeGateway', hrefs.edgeGateway(edge.id), MEDIA.edgeGateway, edge.name),
    xText('IsShared', true),
  );
}

/** OrgList, Org and Vdc documents: the entry points a client can walk from its Session. */
import { urn } from '../hrefs';
import { MEDIA } from '../media-types';
import { type SimVdc } from '../model';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { VCLOUD_ROOT, link, reference, type RenderContext } from './common';

export function orgListDocument(ctx: RenderContext): XmlNodeOut {
  const { hrefs, state } = ctx;
  return x(
    'OrgList',
    { ...VCLOUD_ROOT, href: hrefs.orgList(), type: MEDIA.orgList },
    reference('Org', hrefs.org(state.org.id), MEDIA.org, state.org.name),
  );
}

export function orgDocument(ctx: RenderContext): XmlNodeOut {
  const { hrefs, state } = ctx;
  return x(
    'Org',
    {
      ...VCLOUD_ROOT,
      name: state.org.name,
      id: urn('org', state.org.id),
      href: hrefs.org(state.org.id),
      type: MEDIA.org,
    },
    state.vdcs.map((vdc) => link('down', hrefs.vdc(vdc.id), MEDIA.vdc, vdc.name)),
    link('down', hrefs.catalog(state.catalog.id), MEDIA.catalog, state.catalog.name),
    state.networks.map((n) => link('down', hrefs.network(n.id), MEDIA.orgNetwork, n.name)),
    xText('Description', ''),
    xText('FullName', state.org.name),
    xText('IsEnabled', true),
  );
}

/** One Capacity block (XSD vdc.xsd CapacityWithUsageType). */
function capacity(name: string, units: string, limit: number, used: number): XmlNodeOut {
  return x(
    name,
    {},
    xText('Units', units),
    xText('Allocated', limit),
    xText('Limit', limit),
    xText('Used', used),
    xText('Overhead', 0),
  );
}

/**
 * The Vdc, an Allocation Pool VDC whose limits are the simulator's quotas, with the `add` link clients use to find
 * instantiateVAppTemplate (pyvcloud vdc.py).
 */
export function vdcDocument(ctx: RenderContext, vdc: SimVdc): XmlNodeOut {
  const { hrefs, state } = ctx;
  const vdcHref = hrefs.vdc(vdc.id);
  const vApps = state.vApps().filter((v) => v.vdcId === vdc.id);
  const compute = state.computeInUse(vdc.id);
  const primary = vdc.id === state.vdc.id;
  return x(
    'Vdc',
    {
      ...VCLOUD_ROOT,
      status: 1,
      name: vdc.name,
      id: urn('vdc', vdc.id),
      href: vdcHref,
      type: MEDIA.vdc,
    },
    link('up', hrefs.org(state.org.id), MEDIA.org),
    link('add', `${vdcHref}/action/instantiateVAppTemplate`, MEDIA.instantiateVAppTemplateParams),
    xText('Description', ''),
    xText('AllocationModel', 'AllocationPool'),
    capacity('StorageCapacity', 'MB', vdc.storageLimitMb, state.storageInUseMb(vdc.id)),
    x(
      'ComputeCapacity',
      {},
      capacity('Cpu', 'MHz', vdc.cpuLimitMhz, compute.cpuMhz),
      capacity('Memory', 'MB', vdc.memoryLimitMb, compute.memoryMb),
    ),
    x(
      'ResourceEntities',
      {},
      vApps.map((v) => x('ResourceEntity', { href: hrefs.vApp(v.id), type: MEDIA.vApp, name: v.name })),
      state.templates
        .filter((t) => t.vdcId === vdc.id)
        .map((t) =>
          x('ResourceEntity', { href: hrefs.vAppTemplate(t.id), type: MEDIA.vAppTemplate, name: t.name }),
        ),
    ),
    x(
      'AvailableNetworks',
      {},
      // The org networks are shared, so every VDC of the org can use them.
      state.networks.map((n) => reference('Network', hrefs.network(n.id), MEDIA.network, n.name)),
    ),
    x('Capabilities', {}, x('SupportedHardwareVersions', {}, xText('SupportedHardwareVersion', 'vmx-19'))),
    xText('NicQuota', 0),
    xText('NetworkQuota', 0),
    xText('UsedNetworkCount', primary ? state.networks.length : 0),
    xText('VmQuota', 0),
    xText('IsEnabled', true),
    xText('VCpuInMhz2', vdc.vCpuMhz),
  );
}

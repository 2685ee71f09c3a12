/** OrgList, Org and Vdc documents: the entry points a client can walk from its Session. */
import { urn } from '../hrefs';
import { MEDIA, STATUS } from '../media-types';
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
    link('down', hrefs.vdc(state.vdc.id), MEDIA.vdc, state.vdc.name),
    link('down', hrefs.catalog(state.catalog.id), MEDIA.catalog, state.catalog.name),
    state.networks.map((n) => link('down', hrefs.network(n.id), MEDIA.network, n.name)),
    xText('Description', ''),
    xText('FullName', state.org.name),
    xText('IsEnabled', true),
  );
}

/** The Vdc, with the `add` link clients use to find instantiateVAppTemplate (pyvcloud vdc.py). */
export function vdcDocument(ctx: RenderContext): XmlNodeOut {
  const { hrefs, state } = ctx;
  const vdcHref = hrefs.vdc(state.vdc.id);
  const vApps = state.vApps();
  const usedMb = vApps.flatMap((v) => v.vms).filter((vm) => vm.status === STATUS.poweredOn);
  return x(
    'Vdc',
    {
      ...VCLOUD_ROOT,
      status: 1,
      name: state.vdc.name,
      id: urn('vdc', state.vdc.id),
      href: vdcHref,
      type: MEDIA.vdc,
    },
    link('up', hrefs.org(state.org.id), MEDIA.org),
    link('add', `${vdcHref}/action/instantiateVAppTemplate`, MEDIA.instantiateVAppTemplateParams),
    xText('Description', ''),
    xText('AllocationModel', 'AllocationVApp'),
    x(
      'StorageCapacity',
      {},
      xText('Units', 'MB'),
      xText('Allocated', 0),
      xText('Limit', 0),
      xText(
        'Used',
        vApps.flatMap((v) => v.vms).reduce((sum, vm) => sum + vm.diskGb * 1024, 0),
      ),
      xText('Overhead', 0),
    ),
    x(
      'ComputeCapacity',
      {},
      x(
        'Cpu',
        {},
        xText('Units', 'MHz'),
        xText('Allocated', 0),
        xText('Limit', 0),
        xText(
          'Used',
          usedMb.reduce((s, vm) => s + vm.cpus * 2000, 0),
        ),
        xText('Overhead', 0),
      ),
      x(
        'Memory',
        {},
        xText('Units', 'MB'),
        xText('Allocated', 0),
        xText('Limit', 0),
        xText(
          'Used',
          usedMb.reduce((s, vm) => s + vm.memoryMb, 0),
        ),
        xText('Overhead', 0),
      ),
    ),
    x(
      'ResourceEntities',
      {},
      vApps.map((v) => x('ResourceEntity', { href: hrefs.vApp(v.id), type: MEDIA.vApp, name: v.name })),
      state.templates.map((t) =>
        x('ResourceEntity', { href: hrefs.vAppTemplate(t.id), type: MEDIA.vAppTemplate, name: t.name }),
      ),
    ),
    x(
      'AvailableNetworks',
      {},
      state.networks.map((n) => reference('Network', hrefs.network(n.id), MEDIA.network, n.name)),
    ),
    x('Capabilities', {}, x('SupportedHardwareVersions', {}, xText('SupportedHardwareVersion', 'vmx-19'))),
    xText('NicQuota', 0),
    xText('NetworkQuota', 0),
    xText('VmQuota', 0),
    xText('IsEnabled', true),
  );
}

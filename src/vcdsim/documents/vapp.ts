/**
 * The `VApp` document. Its Links advertise only the actions the vApp's current state allows, as VCD's do
 * (reference/vcd-api.md section 2): power:powerOn only when off, power:powerOff/shutdown/... only when on, undeploy
 * only when deployed, remove only when not, and no actions while a task runs.
 */
import { urn } from '../hrefs';
import { MEDIA, STATUS } from '../media-types';
import { type SimVApp } from '../model';
import { runtimeLeaseExpiry, storageLeaseExpiry } from '../sim-state';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { OVF_ROOT, dateTime, link, reference, type RenderContext } from './common';
import { taskElement } from './task';
import { vmElement } from './vm';

function vAppLinks(ctx: RenderContext, vApp: SimVApp, busy: boolean): XmlNodeOut[] {
  const { hrefs } = ctx;
  const href = hrefs.vApp(vApp.id);
  const settled = !busy && vApp.status !== STATUS.unresolved;
  const links: XmlNodeOut[] = [];
  if (settled && vApp.status !== STATUS.failedCreation) {
    const power = (action: string): XmlNodeOut => link(`power:${action}`, `${href}/power/action/${action}`);
    if (vApp.status === STATUS.poweredOff || vApp.status === STATUS.suspended) {
      links.push(power('powerOn'));
    }
    if (vApp.status === STATUS.poweredOn) {
      links.push(power('powerOff'), power('reboot'), power('reset'), power('shutdown'), power('suspend'));
    }
    if (!vApp.deployed) {
      links.push(link('deploy', `${href}/action/deploy`, MEDIA.deployVAppParams));
    }
    if (vApp.deployed) {
      links.push(link('undeploy', `${href}/action/undeploy`, MEDIA.undeployVAppParams));
    }
  }
  for (const network of vApp.networks) {
    links.push(link('down', hrefs.network(network.id), MEDIA.vAppNetwork, network.name));
  }
  links.push(link('up', hrefs.vdc(vApp.vdcId), MEDIA.vdc));
  if (settled) {
    links.push(link('edit', href, MEDIA.vApp));
  }
  if (settled && !vApp.deployed) {
    links.push(link('remove', href));
  }
  links.push(link('down', hrefs.metadata(href), MEDIA.metadata));
  return links;
}

/**
 * `LeaseSettingsSection`: DeploymentLeaseExpiration while deployed with a finite runtime lease, StorageLeaseExpiration
 * with a finite storage lease (fixture jclouds-vcloud-director/vapptemplate/leaseSettingsSection.xml).
 */
export function leaseSettingsSection(
  ctx: RenderContext,
  vApp: SimVApp,
  editable: boolean,
  root = false,
): XmlNodeOut {
  const href = `${ctx.hrefs.vApp(vApp.id)}/leaseSettingsSection/`;
  const runtimeExpiry = runtimeLeaseExpiry(vApp);
  const storageExpiry = storageLeaseExpiry(vApp);
  return x(
    'LeaseSettingsSection',
    { ...(root ? OVF_ROOT : {}), href, type: MEDIA.leaseSettingsSection, 'ovf:required': false },
    x('ovf:Info', {}, 'Lease settings section'),
    editable && link('edit', href, MEDIA.leaseSettingsSection),
    xText('DeploymentLeaseInSeconds', vApp.deploymentLeaseSeconds),
    xText('StorageLeaseInSeconds', vApp.storageLeaseSeconds),
    xText('DeploymentLeaseExpiration', runtimeExpiry === undefined ? undefined : dateTime(runtimeExpiry)),
    xText('StorageLeaseExpiration', storageExpiry === undefined ? undefined : dateTime(storageExpiry)),
  );
}

/** `NetworkConfigSection`: each vApp network with the IP scope it inherits from its org network. */
export function networkConfigSection(
  ctx: RenderContext,
  vApp: SimVApp,
  editable: boolean,
  root = false,
): XmlNodeOut {
  const href = `${ctx.hrefs.vApp(vApp.id)}/networkConfigSection/`;
  return x(
    'NetworkConfigSection',
    { ...(root ? OVF_ROOT : {}), href, type: MEDIA.networkConfigSection, 'ovf:required': false },
    x('ovf:Info', {}, 'The configuration parameters for logical networks'),
    editable && link('edit', href, MEDIA.networkConfigSection),
    vApp.networks.map((network) => {
      const parent =
        network.parentNetworkId === undefined ? undefined : ctx.state.network(network.parentNetworkId);
      return x(
        'NetworkConfig',
        { networkName: network.name },
        xText('Description', network.description),
        x(
          'Configuration',
          {},
          x(
            'IpScopes',
            {},
            parent === undefined
              ? x(
                  'IpScope',
                  {},
                  xText('IsInherited', false),
                  xText('Gateway', '192.168.254.1'),
                  xText('Netmask', '255.255.255.0'),
                  xText('IsEnabled', true),
                )
              : x(
                  'IpScope',
                  {},
                  xText('IsInherited', true),
                  xText('Gateway', parent.gateway),
                  xText('Netmask', parent.netmask),
                  xText('Dns1', parent.dns1),
                  xText('Dns2', parent.dns2),
                  xText('DnsSuffix', parent.dnsSuffix),
                  xText('IsEnabled', true),
                  x(
                    'IpRanges',
                    {},
                    x(
                      'IpRange',
                      {},
                      xText('StartAddress', parent.poolStart),
                      xText('EndAddress', parent.poolEnd),
                    ),
                  ),
                ),
          ),
          parent !== undefined &&
            reference('ParentNetwork', ctx.hrefs.network(parent.id), MEDIA.network, parent.name),
          xText('FenceMode', network.fenceMode),
          xText('RetainNetInfoAcrossDeployments', false),
        ),
        xText('IsDeployed', vApp.deployed),
      );
    }),
  );
}

/**
 * The VApp document as of `ctx.now`. While instantiation runs (status UNRESOLVED) it has no sections or children,
 * like the 201 answer in fixture libcloud/..._action_instantiateVAppTemplate.xml; tasks in flight are embedded.
 */
export function vAppDocument(ctx: RenderContext, vApp: SimVApp): XmlNodeOut {
  const { hrefs, state } = ctx;
  const active = state.activeTaskOf(vApp.id);
  const busy = active !== undefined;
  const resolved = vApp.status !== STATUS.unresolved;
  const editable = resolved && !busy;
  const href = hrefs.vApp(vApp.id);
  return x(
    'VApp',
    {
      ...OVF_ROOT,
      ovfDescriptorUploaded: true,
      deployed: vApp.deployed,
      status: vApp.status,
      name: vApp.name,
      id: urn('vapp', vApp.id),
      href,
      type: MEDIA.vApp,
    },
    vAppLinks(ctx, vApp, busy),
    xText('Description', vApp.description),
    active !== undefined && x('Tasks', {}, taskElement(ctx, active, false)),
    resolved && [
      leaseSettingsSection(ctx, vApp, editable),
      x(
        'ovf:StartupSection',
        { 'vcloud:href': `${href}/startupSection/`, 'vcloud:type': MEDIA.startupSection },
        x('ovf:Info', {}, 'VApp startup section'),
        vApp.vms.map((vm, order) =>
          x('ovf:Item', {
            'ovf:id': vm.name,
            'ovf:order': order,
            'ovf:startAction': 'powerOn',
            'ovf:startDelay': 0,
            'ovf:stopAction': 'powerOff',
            'ovf:stopDelay': 0,
          }),
        ),
        editable && link('edit', `${href}/startupSection/`, MEDIA.startupSection),
      ),
      x(
        'ovf:NetworkSection',
        { 'vcloud:href': `${href}/networkSection/`, 'vcloud:type': MEDIA.networkSection },
        x('ovf:Info', {}, 'The list of logical networks'),
        vApp.networks.map((n) =>
          x('ovf:Network', { 'ovf:name': n.name }, x('ovf:Description', {}, n.description)),
        ),
      ),
      networkConfigSection(ctx, vApp, editable),
    ],
    xText('DateCreated', dateTime(vApp.createdAt)),
    x(
      'Owner',
      { type: MEDIA.owner },
      reference('User', hrefs.user(vApp.owner.id), MEDIA.user, vApp.owner.name),
    ),
    xText('InMaintenanceMode', false),
    resolved &&
      x(
        'Children',
        {},
        vApp.vms.map((vm) => vmElement(ctx, vApp, vm, busy)),
      ),
  );
}

/**
 * The `VAppTemplate` document, with Children/Vm so a client can find the VM hrefs it names in `SourcedItem`.
 * Shape after fixture jclouds-vcloud-director/vapptemplate/vAppTemplate.xml and XSD vAppTemplate.xsd order
 * (Owner, Children, sections, DateCreated).
 */
import { urn } from '../hrefs';
import { MEDIA, STATUS } from '../media-types';
import { type SimTemplate } from '../model';
import { x, xText, type XmlNodeOut } from '../xml-writer';
import { OVF_ROOT, dateTime, link, reference, type RenderContext } from './common';
import { taskElement } from './task';
import { networkConnectionSection, operatingSystemSection, virtualHardwareSection, type VmView } from './vm';

/**
 * The template as of `ctx.now`. While a capture still writes it, it has status 0 and the capture task embedded, like
 * an instantiating vApp.
 */
export function vAppTemplateDocument(ctx: RenderContext, template: SimTemplate): XmlNodeOut {
  const { hrefs, state } = ctx;
  const href = hrefs.vAppTemplate(template.id);
  const created = dateTime(template.createdAt);
  const capture = state.activeTaskOf(template.id);
  return x(
    'VAppTemplate',
    {
      ...OVF_ROOT,
      goldMaster: false,
      ovfDescriptorUploaded: true,
      status: template.resolved ? STATUS.poweredOff : STATUS.unresolved,
      name: template.name,
      id: urn('vapptemplate', template.id),
      href,
      type: MEDIA.vAppTemplate,
    },
    link('up', hrefs.vdc(template.vdcId), MEDIA.vdc),
    link('up', hrefs.catalogItem(template.catalogItemId), MEDIA.catalogItem),
    link('down', hrefs.metadata(href), MEDIA.metadata),
    xText('Description', template.description),
    capture !== undefined && x('Tasks', {}, taskElement(ctx, capture, false)),
    x(
      'Owner',
      { type: MEDIA.owner },
      reference('User', hrefs.user(state.user.id), MEDIA.user, state.user.name),
    ),
    x(
      'Children',
      {},
      template.vms.map((templateVm) => {
        const view: VmView = {
          ...templateVm.spec,
          id: templateVm.id,
          href: hrefs.templateVm(templateVm.id),
          nics: templateVm.spec.nics.map((nic, index) => ({
            ...nic,
            index,
            connected: true,
            mac: templateVm.macs[index] ?? '',
          })),
          editable: false,
        };
        return x(
          'Vm',
          {
            goldMaster: false,
            status: STATUS.poweredOff,
            name: view.name,
            id: urn('vm', view.id),
            href: view.href,
            type: MEDIA.vm,
          },
          link('up', href, MEDIA.vAppTemplate),
          xText('Description', templateVm.spec.description),
          networkConnectionSection(view),
          virtualHardwareSection(view),
          operatingSystemSection(view),
          xText('VAppScopedLocalId', view.name),
          xText('DateCreated', created),
        );
      }),
    ),
    x(
      'LeaseSettingsSection',
      { href: `${href}/leaseSettingsSection/`, type: MEDIA.leaseSettingsSection, 'ovf:required': false },
      x('ovf:Info', {}, 'Lease settings section'),
      xText('StorageLeaseInSeconds', template.storageLeaseSeconds),
    ),
    x(
      'CustomizationSection',
      {
        goldMaster: false,
        href: `${href}/customizationSection/`,
        type: MEDIA.customizationSection,
        'ovf:required': false,
      },
      x('ovf:Info', {}, 'VApp template customization section'),
      xText('CustomizeOnInstantiate', false),
    ),
    x(
      'ovf:NetworkSection',
      { 'vcloud:href': `${href}/networkSection/`, 'vcloud:type': MEDIA.networkSection },
      x('ovf:Info', {}, 'The list of logical networks'),
      template.networkNames.map((name) =>
        x('ovf:Network', { 'ovf:name': name }, x('ovf:Description', {}, '')),
      ),
    ),
    x(
      'NetworkConfigSection',
      { href: `${href}/networkConfigSection/`, type: MEDIA.networkConfigSection, 'ovf:required': false },
      x('ovf:Info', {}, 'The configuration parameters for logical networks'),
      template.networkNames.map((name) => {
        const parent = state.networkByName(name);
        return x(
          'NetworkConfig',
          { networkName: name },
          xText('Description', ''),
          x(
            'Configuration',
            {},
            parent !== undefined &&
              reference('ParentNetwork', hrefs.network(parent.id), MEDIA.network, parent.name),
            xText('FenceMode', 'bridged'),
            xText('RetainNetInfoAcrossDeployments', false),
          ),
          xText('IsDeployed', false),
        );
      }),
    ),
    xText('DateCreated', created),
  );
}

import { leaseSeconds } from './lease';
import { OVF_NS, VCLOUD_NS } from './namespaces';
import { el, serializeXml, textEl } from './xml-builder';

/** How a vApp network connects to its org VDC network (XSD `NetworkConfigurationType/FenceMode`). */
export type FenceMode = 'bridged' | 'natRouted' | 'isolated';

/** A vApp network to create, named like the template's NICs expect, on top of an org VDC network. */
export interface VAppNetworkInput {
  /** vApp network name; the template's NICs connect by this name. */
  name: string;
  /** href of the org VDC network (the ParentNetwork). */
  parentHref: string;
  fenceMode?: FenceMode;
}

export interface InstantiateVAppTemplateInput {
  name: string;
  description?: string;
  /** VCD defaults both to true when absent, so they are always written. */
  deploy: boolean;
  powerOn: boolean;
  /** href of the vAppTemplate. */
  sourceHref: string;
  networks: VAppNetworkInput[];
  /** Runtime lease: VCD stops the vApp when it runs out, a backstop if the bot loses track. */
  deploymentLeaseSeconds?: number;
  /** Storage lease; absent keeps the org's default. */
  storageLeaseSeconds?: number;
  /** Default true: a template with an EULA otherwise fails with EULA_NOT_ACCEPTED. */
  acceptAllEulas?: boolean;
}

/**
 * Builds the body of `POST <vdc>/action/instantiateVAppTemplate`, in the order of
 * XSD `vcloud/vApp.xsd: InstantiateVAppTemplateParamsType` (Description, InstantiationParams, Source,
 * AllEULAsAccepted). Never throws; every value is escaped.
 */
export function buildInstantiateVAppTemplateParams(input: InstantiateVAppTemplateInput): string {
  const networkConfig =
    input.networks.length > 0 &&
    el('NetworkConfigSection', {}, [
      textEl('ovf:Info', 'Configuration parameters for logical networks'),
      ...input.networks.map((n) =>
        el('NetworkConfig', { networkName: n.name }, [
          // NetworkConfigurationType order: IpScopes?, ParentNetwork?, FenceMode, …
          el('Configuration', {}, [
            el('ParentNetwork', { href: n.parentHref, name: n.name }),
            textEl('FenceMode', n.fenceMode ?? 'bridged'),
          ]),
        ]),
      ),
    ]);
  const hasLease = input.deploymentLeaseSeconds !== undefined || input.storageLeaseSeconds !== undefined;
  const lease =
    hasLease &&
    el('LeaseSettingsSection', {}, [
      textEl('ovf:Info', 'Lease settings section'),
      input.deploymentLeaseSeconds !== undefined &&
        textEl('DeploymentLeaseInSeconds', leaseSeconds(input.deploymentLeaseSeconds)),
      input.storageLeaseSeconds !== undefined &&
        textEl('StorageLeaseInSeconds', leaseSeconds(input.storageLeaseSeconds)),
    ]);
  return serializeXml(
    el(
      'InstantiateVAppTemplateParams',
      {
        xmlns: VCLOUD_NS,
        'xmlns:ovf': OVF_NS,
        name: input.name,
        deploy: input.deploy,
        powerOn: input.powerOn,
      },
      [
        input.description !== undefined && textEl('Description', input.description),
        (networkConfig || lease) && el('InstantiationParams', {}, [networkConfig, lease]),
        el('Source', { href: input.sourceHref }),
        textEl('AllEULAsAccepted', input.acceptAllEulas ?? true),
      ],
    ),
  );
}

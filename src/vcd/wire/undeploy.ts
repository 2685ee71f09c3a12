import { VCLOUD_NS } from './namespaces';
import { el, serializeXml, textEl } from './xml-builder';

/** XSD `vcloud/vApp.xsd: UndeployVAppParamsType/UndeployPowerAction` (a plain string in the XSD, since 1.5). */
export type UndeployPowerAction = 'powerOff' | 'suspend' | 'shutdown' | 'force' | 'default';

/** Builds the body of `POST <vApp>/action/undeploy`. Never throws. */
export function buildUndeployVAppParams(action: UndeployPowerAction): string {
  return serializeXml(
    el('UndeployVAppParams', { xmlns: VCLOUD_NS }, [textEl('UndeployPowerAction', action)]),
  );
}

/** vApp lifecycle routes: instantiate, read, power, deploy/undeploy, delete, and the sections clients read. */
import { leaseSettingsSection, networkConfigSection, vAppDocument } from '../documents/vapp';
import { networkConnectionSection, vmElement, vmView } from '../documents/vm';
import { xmlResponse, type Route } from '../http/sim-http';
import { MEDIA, STATUS } from '../media-types';
import { parseInstantiateParams } from '../bodies/instantiate-params';
import { parseDeployParams, parseUndeployParams } from '../bodies/power-params';
import { instantiateVApp } from '../operations/instantiate-vapp';
import {
  deleteVApp,
  deployVApp,
  powerAction,
  undeployVApp,
  type PowerAction,
} from '../operations/power-operations';
import { requireVApp } from '../operations/vapp-guards';
import { acceptedTask, requireContentType, requireVm } from './route-helpers';

const VAPP = '/api/vApp/vapp-([^/]+)';

export const vAppRoutes: readonly Route[] = [
  {
    method: 'POST',
    pattern: /^\/api\/vdc\/([^/]+)\/action\/instantiateVAppTemplate$/,
    operation: 'vApp.instantiate',
    versioning: 'api',
    authenticated: true,
    handle: (req, [vdcId = '']) => {
      requireContentType(req, MEDIA.instantiateVAppTemplateParams);
      const { vApp } = instantiateVApp(req.ctx.state, vdcId, parseInstantiateParams(req.body));
      const href = req.ctx.hrefs.vApp(vApp.id);
      return xmlResponse(201, vAppDocument(req.ctx, vApp), MEDIA.vApp, { Location: href });
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${VAPP}$`),
    operation: 'vApp.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) =>
      xmlResponse(200, vAppDocument(req.ctx, requireVApp(req.ctx.state, id)), MEDIA.vApp),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^${VAPP}$`),
    operation: 'vApp.delete',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => acceptedTask(req, deleteVApp(req.ctx.state, id)),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${VAPP}/power/action/(powerOn|powerOff|shutdown|suspend|reboot|reset)$`),
    operation: ([, action = '']) => `vApp.power.${action}`,
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '', action = '']) =>
      acceptedTask(req, powerAction(req.ctx.state, id, action as PowerAction)),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${VAPP}/action/deploy$`),
    operation: 'vApp.deploy',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVApp(req.ctx.state, id);
      requireContentType(req, MEDIA.deployVAppParams);
      return acceptedTask(req, deployVApp(req.ctx.state, id, parseDeployParams(req.body)));
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${VAPP}/action/undeploy$`),
    operation: 'vApp.undeploy',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVApp(req.ctx.state, id);
      requireContentType(req, MEDIA.undeployVAppParams);
      return acceptedTask(req, undeployVApp(req.ctx.state, id, parseUndeployParams(req.body)));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${VAPP}/leaseSettingsSection$`),
    operation: 'vApp.leaseSettings.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const vApp = requireVApp(req.ctx.state, id);
      const editable = req.ctx.state.activeTaskOf(id) === undefined;
      return xmlResponse(
        200,
        leaseSettingsSection(req.ctx, vApp, editable, true),
        MEDIA.leaseSettingsSection,
      );
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${VAPP}/networkConfigSection$`),
    operation: 'vApp.networkConfig.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const vApp = requireVApp(req.ctx.state, id);
      const editable = req.ctx.state.activeTaskOf(id) === undefined;
      return xmlResponse(
        200,
        networkConfigSection(req.ctx, vApp, editable, true),
        MEDIA.networkConfigSection,
      );
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/vApp\/vm-([^/]+)$/,
    operation: 'vm.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const { vApp, vm } = requireVm(req, id);
      const busy = req.ctx.state.activeTaskOf(vm.id) !== undefined;
      return xmlResponse(200, vmElement(req.ctx, vApp, vm, busy, true), MEDIA.vm);
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/vApp\/vm-([^/]+)\/networkConnectionSection$/,
    operation: 'vm.networkConnection.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      const { vm } = requireVm(req, id);
      const resolved = vm.status !== STATUS.unresolved && vm.status !== STATUS.failedCreation;
      const editable = resolved && req.ctx.state.activeTaskOf(vm.id) === undefined;
      return xmlResponse(
        200,
        networkConnectionSection(vmView(req.ctx, vm, editable), true),
        MEDIA.networkConnectionSection,
      );
    },
  },
];

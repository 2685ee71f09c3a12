/**
 * Writes to vApp and VM sections, and VM metrics: PUT LeaseSettingsSection, PUT NetworkConnectionSection (each 202
 * with a Task), GET/POST metrics/current and metrics/historic.
 */
import {
  parseCurrentUsageSpec,
  parseHistoricUsageSpec,
  parseLeaseSettingsSection,
  parseNetworkConnectionSectionBody,
} from '../bodies/section-params';
import { currentUsageDocument, historicUsageDocument } from '../documents/metrics';
import { xmlResponse, type Route, type SimRequest, type SimResponse } from '../http/sim-http';
import { MEDIA } from '../media-types';
import { updateLeaseSettings } from '../operations/lease-operations';
import { requireVApp } from '../operations/vapp-guards';
import { updateNetworkConnections } from '../operations/vm-network-operations';
import {
  HISTORIC_INTERVAL_MS,
  HISTORIC_RETENTION_MS,
  currentMetrics,
  historicMetrics,
  matchesMetricPattern,
} from '../usage-model';
import { acceptedTask, requireContentType, requireVm } from './route-helpers';

const VAPP = '/api/vApp/vapp-([^/]+)';
const VM = '/api/vApp/vm-([^/]+)';

/** The VM's current metrics, all of them or those matching one of `patterns`. */
function metricsResponse(req: SimRequest, vmId: string, patterns: readonly string[]): SimResponse {
  const { vApp, vm } = requireVm(req, vmId);
  const vdc = req.ctx.state.vdcById(vApp.vdcId) ?? req.ctx.state.vdc;
  const metrics = currentMetrics(vm, req.ctx.now, {
    vCpuMhz: vdc.vCpuMhz,
    includeNetwork: req.ctx.state.reportNetworkMetrics,
  }).filter((m) => patterns.length === 0 || patterns.some((p) => matchesMetricPattern(m.name, p)));
  return xmlResponse(200, currentUsageDocument(req.ctx, vm.id, metrics), MEDIA.currentUsage);
}

/** The VM's 5-minute history over the window (default: the last 24 hours), all metrics or those matching `patterns`. */
function historicResponse(
  req: SimRequest,
  vmId: string,
  spec: { from?: number; to?: number; patterns: readonly string[] },
): SimResponse {
  const { vApp, vm } = requireVm(req, vmId);
  const vdc = req.ctx.state.vdcById(vApp.vdcId) ?? req.ctx.state.vdc;
  const now = req.ctx.now;
  const series = historicMetrics(
    vm,
    { from: spec.from ?? now - HISTORIC_RETENTION_MS, to: spec.to ?? now, now },
    { vCpuMhz: vdc.vCpuMhz, includeNetwork: req.ctx.state.reportNetworkMetrics },
  ).filter((m) => spec.patterns.length === 0 || spec.patterns.some((p) => matchesMetricPattern(m.name, p)));
  return xmlResponse(
    200,
    historicUsageDocument(req.ctx, vm.id, series, HISTORIC_INTERVAL_MS),
    MEDIA.historicUsage,
  );
}

export const sectionRoutes: readonly Route[] = [
  {
    method: 'PUT',
    pattern: new RegExp(`^${VAPP}/leaseSettingsSection$`),
    operation: 'vApp.leaseSettings.put',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVApp(req.ctx.state, id);
      requireContentType(req, MEDIA.leaseSettingsSection);
      return acceptedTask(req, updateLeaseSettings(req.ctx.state, id, parseLeaseSettingsSection(req.body)));
    },
  },
  {
    method: 'PUT',
    pattern: new RegExp(`^${VM}/networkConnectionSection$`),
    operation: 'vm.networkConnection.put',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVm(req, id);
      requireContentType(req, MEDIA.networkConnectionSection);
      const params = parseNetworkConnectionSectionBody(req.body);
      return acceptedTask(req, updateNetworkConnections(req.ctx.state, id, params));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${VM}/metrics/current$`),
    operation: 'vm.metrics.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => metricsResponse(req, id, []),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${VM}/metrics/current$`),
    operation: 'vm.metrics.post',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVm(req, id);
      requireContentType(req, MEDIA.currentUsageSpec);
      return metricsResponse(req, id, parseCurrentUsageSpec(req.body));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^${VM}/metrics/historic$`),
    operation: 'vm.metrics.historic.get',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => historicResponse(req, id, { patterns: [] }),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^${VM}/metrics/historic$`),
    operation: 'vm.metrics.historic.post',
    versioning: 'api',
    authenticated: true,
    handle: (req, [id = '']) => {
      requireVm(req, id);
      requireContentType(req, MEDIA.historicUsageSpec);
      return historicResponse(req, id, parseHistoricUsageSpec(req.body, req.ctx.now));
    },
  },
];

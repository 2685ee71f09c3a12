/** Metadata writes on vApps: each is a short task, and values appear only when it ends. */
import { type MetadataValueParams } from '../bodies/metadata-params';
import { type MetadataDomain, type SimMetadataEntry, type SimTask, type SimVApp } from '../model';
import { SimError } from '../sim-error';
import { TASK_DURATIONS_MS, type SimState } from '../sim-state';
import { assertIdle, requireVApp } from './vapp-guards';

function metadataKey(domain: MetadataDomain, key: string): string {
  return `${domain}:${key}`;
}

/**
 * Sets or merges metadata entries (PUT one key, POST several) → a `metadataUpdate` task; values appear when it ends.
 *
 * @throws SimError 403 for an unknown vApp; 400 BUSY_ENTITY while it has a task.
 */
export function updateMetadata(
  state: SimState,
  vAppId: string,
  entries: readonly (MetadataValueParams & { key: string })[],
): SimTask {
  const vApp = requireVApp(state, vAppId);
  assertIdle(state, vApp);
  return state.startTask({
    operationName: 'metadataUpdate',
    operation: `Updating metadata for Virtual Application ${vApp.name}(${vApp.id})`,
    owner: { kind: 'vapp', id: vApp.id, name: vApp.name },
    durationMs: TASK_DURATIONS_MS.metadata,
    queued: false,
    onSuccess: () => {
      for (const entry of entries) {
        vApp.metadata.set(metadataKey(entry.domain, entry.key), { ...entry });
      }
    },
  });
}

/**
 * Removes one metadata entry → a `metadataDelete` task.
 *
 * @throws SimError 403 for an unknown vApp; 404 RESOURCE_NOT_FOUND for an unknown key; 400 BUSY_ENTITY.
 */
export function removeMetadata(
  state: SimState,
  vAppId: string,
  domain: MetadataDomain,
  key: string,
): SimTask {
  const vApp = requireVApp(state, vAppId);
  findMetadata(vApp, domain, key);
  assertIdle(state, vApp);
  return state.startTask({
    operationName: 'metadataDelete',
    operation: `Deleting metadata for Virtual Application ${vApp.name}(${vApp.id})`,
    owner: { kind: 'vapp', id: vApp.id, name: vApp.name },
    durationMs: TASK_DURATIONS_MS.metadata,
    queued: false,
    onSuccess: () => vApp.metadata.delete(metadataKey(domain, key)),
  });
}

/**
 * One metadata entry of a vApp.
 *
 * @throws SimError 404 RESOURCE_NOT_FOUND when the vApp has no such key in that domain.
 */
export function findMetadata(vApp: SimVApp, domain: MetadataDomain, key: string): SimMetadataEntry {
  const entry = vApp.metadata.get(metadataKey(domain, key));
  if (entry === undefined) {
    throw new SimError(404, 'RESOURCE_NOT_FOUND', `The metadata key "${key}" does not exist.`);
  }
  return entry;
}

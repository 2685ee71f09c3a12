/**
 * The vApps labbot created, found by their metadata through the query service: what reconciliation and the
 * reaper compare with the store. A vApp without our `labbot.id` is never returned, so nothing else in the VDC
 * can be adopted, stopped or deleted by mistake.
 */
import { type PowerState } from '../labs/lab';
import { LABBOT_METADATA_KEYS } from '../labs/vapp-metadata';
import { type VcdQueryService } from './vcd-query';
import { metadataToRecord } from './wire/metadata';
import { type VcdQueryRecord } from './wire/query';
import { statusNameToPowerState } from './wire/vapp';

/** Regular fields requested with the metadata: with metadata fields VCD returns only what is listed. */
const RECORD_FIELDS = [
  'name',
  'vdc',
  'vdcName',
  'status',
  'isBusy',
  'isDeployed',
  'creationDate',
  'ownerName',
];

/** A vApp carrying our metadata, as the query service reports it. */
export interface VcdManagedVApp {
  href: string;
  name: string;
  powerState: PowerState;
  /** The query record's status name (POWERED_ON, MIXED, …), for logs and explanations. */
  status?: string;
  deployed?: boolean;
  /** A task is running on it: act later rather than collide (BUSY_ENTITY). */
  busy: boolean;
  vdcHref?: string;
  vdcName?: string;
  createdAt?: string;
  /** Our `labbot.*` values (GENERAL domain). */
  metadata: {
    labId: string;
    /** Absent on vApps created before installation ids. */
    installation?: string;
    owner?: string;
    kind?: string;
    ticket?: string;
    expiresAt?: string;
  };
}

/**
 * Every vApp in the VDC named `vdcName` that carries `labbot.id`, with our metadata, across all pages: those of every
 * labbot installation (each says which in `labbot.installation`), so that reconciliation can tell admins about
 * vApps it leaves alone.
 *
 * @throws VcdApiError, VcdUnavailableError.
 */
export async function listManagedVApps(queries: VcdQueryService, vdcName: string): Promise<VcdManagedVApp[]> {
  const records = await queries.records('vApp', [['vdcName', vdcName]], {
    fields: [...RECORD_FIELDS, ...Object.values(LABBOT_METADATA_KEYS).map((key) => `metadata:${key}`)],
  });
  return records
    .filter((r) => r.attributes.vdcName === undefined || r.attributes.vdcName === vdcName)
    .map(toManagedVApp)
    .filter((v): v is VcdManagedVApp => v !== undefined);
}

/** A record as a managed vApp; undefined when it has no href or no `labbot.id`. Never throws. */
export function toManagedVApp(record: VcdQueryRecord): VcdManagedVApp | undefined {
  const values = metadataToRecord(record.metadata);
  const labId = values[LABBOT_METADATA_KEYS.id]?.trim();
  const href = record.attributes.href;
  if (labId === undefined || labId === '' || href === undefined) {
    return undefined;
  }
  const a = record.attributes;
  const optional = (key: string): string | undefined => values[key] || undefined;
  return {
    href,
    name: a.name ?? '',
    powerState: statusNameToPowerState(a.status),
    status: a.status,
    deployed: a.isDeployed === undefined ? undefined : a.isDeployed === 'true',
    busy: a.isBusy === 'true',
    vdcHref: a.vdc,
    vdcName: a.vdcName,
    createdAt: a.creationDate,
    metadata: {
      labId,
      installation: optional(LABBOT_METADATA_KEYS.installation),
      owner: optional(LABBOT_METADATA_KEYS.owner),
      kind: optional(LABBOT_METADATA_KEYS.kind),
      ticket: optional(LABBOT_METADATA_KEYS.ticket),
      expiresAt: optional(LABBOT_METADATA_KEYS.expiresAt),
    },
  };
}

/** The query types the simulator serves, by the name used in `?type=`. */
import { catalog, catalogItem, edgeGateway, orgVdc, orgVdcNetwork } from './records/org-records';
import { vApp, vAppTemplate } from './records/vapp-records';
import { vm } from './records/vm-records';
import { type QueryType } from './query-row';

export { type QueryRow, type QueryType } from './query-row';

/** Query types by the name used in `?type=`. */
export const QUERY_TYPES: ReadonlyMap<string, QueryType> = new Map(
  [orgVdc, orgVdcNetwork, vAppTemplate, vApp, vm, catalog, catalogItem, edgeGateway].map((t) => [t.name, t]),
);

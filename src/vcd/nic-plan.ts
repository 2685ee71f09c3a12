/**
 * What to PUT to a VM's NetworkConnectionSection so that it has the NICs the lab needs (pure). NICs the lab does not
 * name are written back unchanged, so nothing the template set up is lost.
 */
import { nicMatches } from '../labs/lab-network';
import { type NicSpec } from '../labs/ports';
import {
  toNetworkConnectionInput,
  type NetworkConnectionInput,
  type NetworkConnectionSectionInput,
  type VcdNetworkConnectionSection,
} from './wire/network-connection';

/**
 * MANUAL means "the template's addresses": an existing NIC keeps its mode and address, and a NIC labbot adds gets
 * none (NONE), since labbot has no addresses to hand out on the org networks.
 */
function allocationOk(nic: NetworkConnectionInput, spec: NicSpec): boolean {
  return spec.allocationMode === 'MANUAL' || nic.allocationMode === spec.allocationMode;
}

function fixed(nic: NetworkConnectionInput, spec: NicSpec): NetworkConnectionInput {
  const keepAddress = spec.allocationMode === 'MANUAL';
  return {
    ...nic,
    network: spec.network,
    connected: true,
    adapterType: spec.adapterType ?? nic.adapterType,
    allocationMode: keepAddress ? nic.allocationMode : spec.allocationMode,
    ipAddress: keepAddress ? nic.ipAddress : undefined,
  };
}

/** The section to write, or undefined when the VM already has every NIC as specified. */
export function planNicChanges(
  section: VcdNetworkConnectionSection,
  specs: readonly NicSpec[],
): NetworkConnectionSectionInput | undefined {
  const input = toNetworkConnectionInput(section);
  let changed = false;
  const connections = [...input.connections];
  for (const spec of specs) {
    const at = connections.findIndex((c) => c.index === spec.index);
    const existing = at >= 0 ? connections[at] : undefined;
    if (existing !== undefined) {
      if (nicMatches(existing, spec) && allocationOk(existing, spec)) {
        continue;
      }
      connections[at] = fixed(existing, spec);
    } else {
      // No MAC: VCD generates one for a new NIC.
      connections.push({
        index: spec.index,
        network: spec.network,
        connected: true,
        allocationMode: spec.allocationMode === 'MANUAL' ? 'NONE' : spec.allocationMode,
        ...(spec.adapterType !== undefined ? { adapterType: spec.adapterType } : {}),
      });
    }
    changed = true;
  }
  if (!changed) {
    return undefined;
  }
  return {
    primaryIndex: input.primaryIndex ?? 0,
    connections: connections.sort((a, b) => a.index - b.index),
  };
}

/**
 * An installation's identity (issue 14): an id kept in its store and written into every vApp it creates, and the VCD
 * it manages. A process whose VCD differs from the store's refuses to start: without this, a process started on the
 * production store without `VCD_URL` (the embedded simulator) saw none of the labs' vApps and closed every lab.
 */
import { type ManagedVcd } from './ports';

/** How the embedded simulator is recorded: its URL has a random port on every start, so the URL cannot name it. */
export const EMBEDDED_SIMULATOR = 'embedded simulator';

/**
 * The VCD a process is configured for, as a store records it: the URL's origin (scheme, host and port, lower-cased
 * by the URL parser; a path or a trailing slash is not a different VCD), or EMBEDDED_SIMULATOR.
 * @throws TypeError for a URL that does not parse (config validation has refused it before).
 */
export function managedVcd(target: { url?: string; org: string; vdc: string }): ManagedVcd {
  return {
    endpoint: target.url === undefined ? EMBEDDED_SIMULATOR : new URL(target.url).origin,
    org: target.org,
    vdc: target.vdc,
  };
}

/** The fields in which two VCDs differ (endpoint, org, vdc); empty when they are the same. */
export function vcdDifferences(recorded: ManagedVcd, current: ManagedVcd): (keyof ManagedVcd)[] {
  return (['endpoint', 'org', 'vdc'] as const).filter((key) => recorded[key] !== current[key]);
}

/** A VCD in words: `https://vcd.example.com, org lab, VDC lab-vdc`. */
export function describeVcd(vcd: ManagedVcd): string {
  const where = vcd.endpoint === EMBEDDED_SIMULATOR ? 'the embedded simulator (no VCD_URL)' : vcd.endpoint;
  return `${where}, org ${vcd.org}, VDC ${vcd.vdc}`;
}

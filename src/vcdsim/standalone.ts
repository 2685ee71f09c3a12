/**
 * `labbot vcdsim`: the simulator on its own, for trying labbot or other VCD clients against it. The CLI parses flags
 * and calls `runVcdSim`; tests call it directly with their own output and stop signal.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { NEWEST_VERSION } from './http/negotiation';
import { type EdgeOptions } from './cloudapi/nsxt-model';
import { DEFAULT_EDGE, startVcdSim, type VcdSim, type VcdSimOptions } from './vcd-sim';

/** Where the banner is written. */
export interface TextOut {
  write(text: string): unknown;
}

/**
 * How to point a client at a running simulator: curl lines for versions, login and the API token, the environment
 * for labbot, and the admin endpoint. `caFile` is the certificate's path when serving HTTPS.
 */
export function vcdSimBanner(sim: VcdSim, caFile?: string): string {
  const { config } = sim.state;
  const url = sim.url;
  const cacert = caFile === undefined ? '' : ` --cacert ${caFile}`;
  const nodeCa = caFile === undefined ? '' : `NODE_EXTRA_CA_CERTS=${caFile} `;
  return (
    `VCD simulator listening on ${url}\n` +
    `  versions:  curl${cacert} ${url}/api/versions\n` +
    `  login:     curl${cacert} -i -X POST -u ${config.userName}@${config.orgName}:${config.password} -H 'Accept: application/json;version=${NEWEST_VERSION}' ${url}/cloudapi/1.0.0/sessions\n` +
    `  API token: ${config.apiToken} (POST ${url}/oauth/tenant/${config.orgName}/token)\n` +
    `  labbot:    ${nodeCa}VCD_URL=${url} VCD_ORG=${config.orgName} VCD_VDC=${sim.state.vdc.name} VCD_API_TOKEN=${config.apiToken} npm start\n` +
    `  edge:      ${sim.state.edge.name}, ${sim.state.nsxt.kind === 'nsxt' ? `NSX-T (CloudAPI ${url}/cloudapi/1.0.0/edgeGateways)` : 'NSX-V (configureServices)'}\n` +
    `  admin:     curl${cacert} ${url}/_sim/state   (faults, usage curves: src/vcdsim/README.md)\n` +
    (caFile === undefined ? '' : `  TLS:       self-signed certificate in ${caFile}\n`)
  );
}

/**
 * Serves the simulator until `until` resolves, printing the banner first; with TLS, the certificate is written to a
 * temporary file for clients to trust, and removed at the end.
 *
 * @returns the exit code (0).
 * @throws Error (rejects) when the simulator cannot start (port taken, openssl missing for TLS).
 */
export async function runVcdSim(
  options: VcdSimOptions,
  io: { stdout: TextOut; until: Promise<void> },
): Promise<number> {
  const sim = await startVcdSim(options);
  let caFile: string | undefined;
  try {
    if (sim.certificate !== undefined) {
      caFile = path.join(tmpdir(), `vcdsim-${new URL(sim.url).port}.pem`);
      writeFileSync(caFile, sim.certificate, { mode: 0o644 });
    }
    io.stdout.write(vcdSimBanner(sim, caFile));
    await io.until;
  } finally {
    await sim.close();
    if (caFile !== undefined) {
      rmSync(caFile, { force: true });
    }
  }
  return 0;
}

/**
 * The edge flags of `labbot vcdsim`: `--edge nsxt|nsxv`, `--vdc-group NAME`, `--ip-space`, `--distributed-only`.
 *
 * @returns the options, or a message saying which flag is wrong and how to fix it.
 */
export function edgeOptionsFromFlags(args: readonly string[]): EdgeOptions | string {
  const valueOf = (flag: string): string | undefined => {
    const i = args.indexOf(flag);
    return i === -1 ? undefined : (args[i + 1] ?? '');
  };
  const kind = valueOf('--edge') ?? DEFAULT_EDGE.kind ?? 'nsxt';
  if (kind !== 'nsxt' && kind !== 'nsxv') {
    return `--edge "${kind}" is not nsxt or nsxv`;
  }
  const vdcGroup = valueOf('--vdc-group');
  if (vdcGroup !== undefined && (vdcGroup === '' || vdcGroup.startsWith('--'))) {
    return '--vdc-group needs a name, e.g. --vdc-group lab-group';
  }
  const nsxtOnly =
    vdcGroup !== undefined || args.includes('--ip-space') || args.includes('--distributed-only');
  if (nsxtOnly && kind !== 'nsxt') {
    return '--vdc-group, --ip-space and --distributed-only need --edge nsxt';
  }
  return {
    kind,
    vdcGroup,
    ipSpace: args.includes('--ip-space') || undefined,
    deploymentMode: args.includes('--distributed-only') ? 'DISTRIBUTED_ONLY' : undefined,
  };
}

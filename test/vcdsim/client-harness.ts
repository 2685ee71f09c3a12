/**
 * labbot's real VCD client (src/vcd) pointed at a simulator, sharing one fake clock: the client's sleeps advance the
 * simulator's clock, so task polling and retry backoff take no wall-clock time.
 */
import { type Clock } from '../../src/labs/ports';
import { type RecordingLogger, recordingLogger } from '../helpers/logger';
import { VcdCloud, type VcdCloudOptions } from '../../src/vcd/vcd-cloud';
import { type VcdSim } from '../../src/vcdsim/vcd-sim';
import { type FakeClock } from './sim-harness';

export interface SimClient {
  readonly cloud: VcdCloud;
  readonly logger: RecordingLogger;
  /** Every sleep the client asked for, in ms. */
  readonly sleeps: number[];
}

/** A VcdCloud for the simulator's default org, logging in with the API token. */
export function simClient(
  sim: VcdSim,
  clock: FakeClock,
  overrides: Partial<VcdCloudOptions> = {},
): SimClient {
  const logger = recordingLogger();
  const sleeps: number[] = [];
  const fakeClock: Clock = { now: () => new Date(clock.now()) };
  const cloud = new VcdCloud({
    url: sim.url,
    org: 'lab',
    vdc: 'lab-vdc',
    catalog: 'labs',
    auth: { kind: 'token', apiToken: 'simulated-api-token' },
    simulated: true,
    logger,
    clock: fakeClock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    ...overrides,
  });
  return { cloud, logger, sleeps };
}

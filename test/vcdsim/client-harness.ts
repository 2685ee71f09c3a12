/**
 * labbot's real VCD client (src/vcd) pointed at a simulator, sharing one fake clock: the client's sleeps advance the
 * simulator's clock, so task polling and retry backoff take no wall-clock time.
 */
import { type Clock, type Logger } from '../../src/labs/ports';
import { VcdCloud, type VcdCloudOptions } from '../../src/vcd/vcd-cloud';
import { type VcdSim } from '../../src/vcdsim/vcd-sim';
import { type FakeClock } from './sim-harness';

/** A logger that keeps every line (tests look for retries and re-logins). */
export function memoryLogger(): Logger & { lines: { level: string; message: string; fields: object }[] } {
  const lines: { level: string; message: string; fields: object }[] = [];
  const make = (bindings: object): Logger => {
    const log =
      (level: string) =>
      (fields: object, message: string): void => {
        lines.push({ level, message, fields: { ...bindings, ...fields } });
      };
    return {
      trace: log('trace'),
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (more) => make({ ...bindings, ...more }),
    };
  };
  return Object.assign(make({}), { lines });
}

export interface SimClient {
  readonly cloud: VcdCloud;
  readonly logger: ReturnType<typeof memoryLogger>;
  /** Every sleep the client asked for, in ms. */
  readonly sleeps: number[];
}

/** A VcdCloud for the simulator's default org, logging in with the API token. */
export function simClient(
  sim: VcdSim,
  clock: FakeClock,
  overrides: Partial<VcdCloudOptions> = {},
): SimClient {
  const logger = memoryLogger();
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

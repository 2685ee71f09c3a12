import { VcdCloud } from '../../src/vcd/vcd-cloud';
import { startVcdSim } from '../../src/vcdsim/vcd-sim';
import { FakeCloud } from '../helpers/fake-cloud';
import { recordingLogger } from '../helpers/logger';
import { describeCloudContract } from './cloud-contract';

describeCloudContract({
  name: 'FakeCloud (the fake)',
  open: () =>
    Promise.resolve({ cloud: new FakeCloud(), template: 'esxi8-single', dispose: () => Promise.resolve() }),
});

describeCloudContract({
  name: 'VcdCloud on the simulator (NSX-T edge)',
  open: async () => {
    // One fake clock for both: the client's sleeps move the simulator's time, so no test waits on the wall clock.
    let now = Date.parse('2026-11-24T09:00:00Z');
    const sim = await startVcdSim({ port: 0, now: () => now, speedFactor: 10 });
    const cloud = new VcdCloud({
      url: sim.url,
      org: 'lab',
      vdc: 'lab-vdc',
      catalog: 'labs',
      auth: { kind: 'token', apiToken: 'simulated-api-token' },
      simulated: true,
      logger: recordingLogger(),
      clock: { now: () => new Date(now) },
      sleep: (ms) => {
        now += ms;
        return Promise.resolve();
      },
    });
    return {
      cloud,
      template: 'esxi8-single',
      dispose: async () => {
        cloud.close();
        await sim.close();
      },
    };
  },
});

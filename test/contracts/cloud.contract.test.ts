import { startVcdSim } from '../../src/vcdsim/vcd-sim';
import { FakeCloud } from '../helpers/fake-cloud';
import { simClient } from '../vcdsim/client-harness';
import { FakeClock } from '../vcdsim/sim-harness';
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
    const clock = new FakeClock();
    const sim = await startVcdSim({ port: 0, now: clock.now, speedFactor: 10 });
    const { cloud } = simClient(sim, clock);
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

import { limitRefusal } from '../../src/labs/limits';
import { minimalLab } from '../helpers/labs';

/** The exact words of the spend refusal, for the asker and for a hand-off's receiver (issue 16). */

const rates = { vcpuHour: 0.025, memoryGbHour: 0.0045, storageGbMonth: 0.08 };
// 4 vCPU, 16 GB, 100 GB: 0.18296/h.
const lab = minimalLab({ spec: { vcpus: 4, memoryGb: 16, storageGb: 100 } });
const limits = { maxLabsPerUser: 5, maxHourlySpendPerUser: 0.3 };

describe('limitRefusal (mutants)', () => {
  it('tells the asker what to do about their spend', () => {
    expect(limitRefusal([lab], 0.2, limits, rates, 'you')).toEqual({
      detail: 'hourly spend limit 0.3',
      message:
        'That would bring your labs to $0.38/h, over the $0.30/h limit per person. Suspend or tear down a lab first.',
    });
  });

  it('tells the giver what the receiver must do', () => {
    expect(limitRefusal([lab], 0.2, limits, rates, 'receiver')).toEqual({
      detail: 'hourly spend limit 0.3',
      message:
        'That would bring their labs to $0.38/h, over the $0.30/h limit per person. They must suspend or tear down a lab first.',
    });
  });
});

/**
 * `nextStep` for scheduled labs (controller/next-step.ts), which next-step.test.ts's table leaves out: a scheduled
 * lab is deployed once its deploy time has come (to the millisecond), waits before it, deploys at once without a
 * recorded time, and never starts without a clock.
 */
import { nextStep } from '../../src/controller/next-step';
import { labIn } from '../helpers/labs';

const deployAt = new Date('2026-01-05T07:30:00.000Z');
const scheduled = labIn('scheduled', { vappHref: undefined, deployAt });

describe('nextStep of a scheduled lab', () => {
  it('instantiates at its deploy time and after it', () => {
    expect(nextStep(scheduled, deployAt)).toEqual({ kind: 'instantiate' });
    expect(nextStep(scheduled, new Date(deployAt.getTime() + 60_000))).toEqual({ kind: 'instantiate' });
  });

  it('waits until then, to the millisecond', () => {
    expect(nextStep(scheduled, new Date(deployAt.getTime() - 1))).toEqual({ kind: 'none' });
  });

  it('instantiates at once when no deploy time is recorded', () => {
    const { deployAt: _none, ...unscheduled } = scheduled;
    expect(nextStep(unscheduled, deployAt)).toEqual({ kind: 'instantiate' });
  });

  it('waits without a clock, even when due', () => {
    expect(nextStep(scheduled)).toEqual({ kind: 'none' });
    const { deployAt: _none, ...unscheduled } = scheduled;
    expect(nextStep(unscheduled)).toEqual({ kind: 'none' });
  });

  it('is torn down like any lab once deletion is asked, due or not', () => {
    expect(nextStep({ ...scheduled, desired: 'deleted' }, new Date(deployAt.getTime() - 1))).toEqual({
      kind: 'close-without-vapp',
    });
  });
});

import { DEFAULT_SCHEDULE_POLICY } from '../../src/labs/policy';
import { expectedDeployMinutes, lateNotice, planDeploy } from '../../src/labs/schedule';
import { minimalLab } from '../helpers/labs';

/** The edges of src/labs/schedule.ts that its table test left open (issue 16, StrykerJS survivors). */

const MINUTE = 60_000;
const READY_BY = new Date('2026-12-02T13:00:00Z');
const scheduled = minimalLab({
  phase: 'scheduled',
  createdAt: new Date('2026-12-02T09:00:00Z'),
  readyBy: READY_BY,
  deployAt: new Date('2026-12-02T12:39:00Z'),
});

describe('expectedDeployMinutes (mutants)', () => {
  it('counts deploys of zero minutes and takes the p90 of the sorted durations', () => {
    expect(expectedDeployMinutes([0, 0, 0, 0, 50], 20)).toEqual({
      minutes: 50,
      source: 'p90 of 5 recent deploys',
    });
    expect(expectedDeployMinutes([50, 1, 2, 3, 4, 5, 6, 7, 8, 9], 20)).toEqual({
      minutes: 9,
      source: 'p90 of 10 recent deploys',
    });
  });
});

describe('planDeploy (mutants)', () => {
  it('starts now, and calls it tight, when the planned start is exactly now', () => {
    const now = new Date(READY_BY.getTime() - 21 * MINUTE);

    expect(planDeploy(READY_BY, now, { minutes: 20, source: 'default' })).toEqual({
      deployAt: now,
      tight: true,
    });
    expect(planDeploy(READY_BY, new Date(now.getTime() - 1), { minutes: 20, source: 'default' })).toEqual({
      deployAt: now,
      tight: false,
    });
  });
});

describe('lateNotice (mutants)', () => {
  it('says nothing of a lab whose ready-by time was not after its creation', () => {
    const lab = { ...scheduled, readyBy: scheduled.createdAt };

    expect(lateNotice(lab, new Date('2026-12-02T10:00:00Z'), DEFAULT_SCHEDULE_POLICY)).toBeUndefined();
  });

  it('says nothing of a scheduled lab with no deploy time yet while its ready-by time is far', () => {
    const lab = { ...scheduled };
    delete lab.deployAt;

    expect(lateNotice(lab, new Date('2026-12-02T12:00:00Z'), DEFAULT_SCHEDULE_POLICY)).toBeUndefined();
  });

  it('waits five whole minutes past the deploy time before calling the deploy not started', () => {
    const fiveAfter = new Date(scheduled.deployAt!.getTime() + 5 * MINUTE);

    expect(
      lateNotice(scheduled, fiveAfter, { ...DEFAULT_SCHEDULE_POLICY, lateWarningMinutes: 1 }),
    ).toBeUndefined();
    expect(
      lateNotice(scheduled, new Date(fiveAfter.getTime() + 1), {
        ...DEFAULT_SCHEDULE_POLICY,
        lateWarningMinutes: 1,
      }),
    ).toMatch(
      /^Lab demo-4kq is running late: it should be ready in 16m but its deploy has not started yet\./,
    );
  });

  it('says a lab due exactly now is due 0m ago, and one past due how long ago', () => {
    const deploying = { ...scheduled, phase: 'deploying' as const };

    expect(lateNotice(deploying, READY_BY, DEFAULT_SCHEDULE_POLICY)).toBe(
      'Lab demo-4kq is running late: it should be ready 0m ago but it is still deploying. labbot keeps going and tells you when it is ready; if the meeting cannot wait, deploy another lab or tell the attendees.',
    );
    expect(
      lateNotice(deploying, new Date(READY_BY.getTime() + 75 * MINUTE), DEFAULT_SCHEDULE_POLICY),
    ).toMatch(/^Lab demo-4kq is running late: it should be ready 1h 15m ago but it is still deploying\./);
  });
});

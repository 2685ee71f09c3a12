import { type Lab } from '../../src/labs/lab';
import { DEFAULT_SCHEDULE_POLICY } from '../../src/labs/policy';
import { expectedDeployMinutes, lateNotice, planDeploy } from '../../src/labs/schedule';
import { nextStep } from '../../src/controller/next-step';

const READY_BY = new Date('2026-12-02T13:00:00Z');

function scheduled(fields: Partial<Lab> = {}): Lab {
  return {
    id: 'demo-4kq',
    kind: 'demo',
    owner: 'U1',
    template: 'esxi8',
    vappName: 'lab-demo-4kq',
    desired: 'running',
    phase: 'scheduled',
    createdAt: new Date('2026-12-02T09:00:00Z'),
    expiresAt: new Date('2026-12-02T17:00:00Z'),
    readyBy: READY_BY,
    deployAt: new Date('2026-12-02T12:39:00Z'),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    ...fields,
  };
}

describe('expectedDeployMinutes', () => {
  it('uses the default with fewer than five deploys', () => {
    expect(expectedDeployMinutes([3, 4, 5, 6], 20)).toEqual({
      minutes: 20,
      source: 'default (4 recent deploys)',
    });
  });

  it('takes the p90 (nearest rank), rounded up to a minute', () => {
    // 10 samples: rank ceil(9) = 9th smallest.
    const durations = [5, 6, 7, 8, 9, 10, 11, 12, 13.2, 40];
    expect(expectedDeployMinutes(durations, 20)).toEqual({ minutes: 14, source: 'p90 of 10 recent deploys' });
    // 20 samples: the 18th smallest; one slow outlier out of 20 does not move it.
    const twenty = [...Array(19).keys()].map((i) => 10 + i * 0.1).concat([90]);
    expect(expectedDeployMinutes(twenty, 20).minutes).toBe(12);
  });

  it('ignores durations that are not numbers of minutes', () => {
    expect(expectedDeployMinutes([Number.NaN, -1, 4, 4, 4, 4, 4], 20)).toEqual({
      minutes: 4,
      source: 'p90 of 5 recent deploys',
    });
  });
});

describe('planDeploy', () => {
  it('starts the expected deploy time and one pass before the ready time', () => {
    expect(
      planDeploy(READY_BY, new Date('2026-12-02T09:00:00Z'), { minutes: 20, source: 'default' }),
    ).toEqual({
      deployAt: new Date('2026-12-02T12:39:00Z'),
      tight: false,
    });
  });

  it('starts now, and says so, when there is not enough time left', () => {
    const now = new Date('2026-12-02T12:50:00Z');
    expect(planDeploy(READY_BY, now, { minutes: 20, source: 'default' })).toEqual({
      deployAt: now,
      tight: true,
    });
  });
});

describe('nextStep of a scheduled lab', () => {
  it('waits until its deploy time, then instantiates', () => {
    expect(nextStep(scheduled(), new Date('2026-12-02T12:38:59Z'))).toEqual({ kind: 'none' });
    expect(nextStep(scheduled(), new Date('2026-12-02T12:39:00Z'))).toEqual({ kind: 'instantiate' });
  });

  it('waits when the caller gives no clock', () => {
    expect(nextStep(scheduled())).toEqual({ kind: 'none' });
  });

  it('closes a cancelled one without any cloud call', () => {
    expect(nextStep(scheduled({ desired: 'deleted' }), new Date('2026-12-02T10:00:00Z'))).toEqual({
      kind: 'close-without-vapp',
    });
    // Even once due: cancelled is cancelled.
    expect(nextStep(scheduled({ desired: 'deleted' }), new Date('2026-12-02T12:45:00Z'))).toEqual({
      kind: 'close-without-vapp',
    });
  });
});

describe('lateNotice', () => {
  const policy = DEFAULT_SCHEDULE_POLICY;

  it('says nothing while there is time', () => {
    expect(
      lateNotice(scheduled({ phase: 'deploying' }), new Date('2026-12-02T12:49:59Z'), policy),
    ).toBeUndefined();
  });

  it('warns a lab still deploying ten minutes before its ready time', () => {
    expect(lateNotice(scheduled({ phase: 'deploying' }), new Date('2026-12-02T12:50:00Z'), policy)).toMatch(
      /^Lab demo-4kq is running late: it should be ready in 10m but it is still deploying/,
    );
  });

  it('warns at once when no replica started the deploy', () => {
    expect(lateNotice(scheduled(), new Date('2026-12-02T12:44:01Z'), policy)).toMatch(
      /its deploy has not started yet/,
    );
    expect(lateNotice(scheduled(), new Date('2026-12-02T12:43:59Z'), policy)).toBeUndefined();
  });

  it.each<[string, Partial<Lab>]>([
    ['ready', { phase: 'ready', readyAt: new Date('2026-12-02T12:58:00Z') }],
    ['already warned', { phase: 'deploying', lateWarnedAt: new Date('2026-12-02T12:50:00Z') }],
    ['cancelled', { desired: 'deleted' }],
    ['failed (its failure notice says so)', { phase: 'failed' }],
    ['not scheduled', { phase: 'deploying', readyBy: undefined }],
  ])('says nothing for a lab %s', (_name, fields) => {
    expect(lateNotice(scheduled(fields), new Date('2026-12-02T12:55:00Z'), policy)).toBeUndefined();
  });
});

/**
 * The controller's small parts on their own: the in-process public IP pool and sightings (used when no store-backed
 * ones are wired), stopBilling and userMessage.
 */
import { stopBilling } from '../../src/controller/billing';
import { InProcessPublicIps } from '../../src/controller/in-process-public-ips';
import { InProcessSightings } from '../../src/controller/in-process-sightings';
import { userMessage } from '../../src/controller/user-message';
import { CloudError, LabNetworkError, PublicIpsExhaustedError, UserError } from '../../src/labs/errors';
import { labIn } from '../helpers/labs';

const RANGE = { start: '203.0.113.10', end: '203.0.113.12' };

describe('InProcessPublicIps', () => {
  it('gives each lab the first free address, the same one again on a repeat, and lists them', async () => {
    const pool = new InProcessPublicIps();

    expect(await pool.allocate('a', RANGE)).toBe('203.0.113.10');
    expect(await pool.allocate('b', RANGE)).toBe('203.0.113.11');
    expect(await pool.allocate('a', RANGE)).toBe('203.0.113.10');
    expect(await pool.list()).toEqual([
      { labId: 'a', ip: '203.0.113.10' },
      { labId: 'b', ip: '203.0.113.11' },
    ]);
  });

  it('skips addresses the edge already uses', async () => {
    const pool = new InProcessPublicIps();

    expect(await pool.allocate('a', RANGE, [{ start: '203.0.113.10', end: '203.0.113.11' }])).toBe(
      '203.0.113.12',
    );
  });

  it('ignores addresses held outside the range being allocated from', async () => {
    const pool = new InProcessPublicIps();
    await pool.allocate('a', { start: '198.51.100.1', end: '198.51.100.1' });

    expect(await pool.allocate('b', { start: '198.51.100.1', end: '198.51.100.2' })).toBe('198.51.100.2');
    expect(await pool.allocate('c', RANGE)).toBe('203.0.113.10');
  });

  it('refuses with words when the range is used up, and a released address is given again', async () => {
    const pool = new InProcessPublicIps();
    for (const lab of ['a', 'b', 'c']) {
      await pool.allocate(lab, RANGE);
    }

    const refused = pool.allocate('d', RANGE);
    await expect(refused).rejects.toBeInstanceOf(PublicIpsExhaustedError);
    await expect(refused).rejects.toThrow(
      'no public IP is free in 203.0.113.10-203.0.113.12; tear down a lab or widen edge.publicIps',
    );

    await pool.release('b');
    expect(await pool.list()).toEqual([
      { labId: 'a', ip: '203.0.113.10' },
      { labId: 'c', ip: '203.0.113.12' },
    ]);
    expect(await pool.allocate('d', RANGE)).toBe('203.0.113.11');
  });
});

describe('InProcessSightings', () => {
  it('remembers the first sighting of each kind and subject until cleared', async () => {
    const sightings = new InProcessSightings();
    const t1 = new Date('2026-12-02T10:00:00Z');
    const t2 = new Date('2026-12-02T10:05:00Z');

    expect(await sightings.sight('vanished', 'a', t1)).toEqual({ at: t1, isNew: true });
    expect(await sightings.sight('vanished', 'a', t2)).toEqual({ at: t1, isNew: false });
    // Another kind of the same subject is its own sighting.
    expect(await sightings.sight('ended-exists', 'a', t2)).toEqual({ at: t2, isNew: true });
    expect(await sightings.sight('vanished', 'b', t2)).toEqual({ at: t2, isNew: true });

    expect(await sightings.list('vanished')).toEqual(['a', 'b']);
    expect(await sightings.list('ended-exists')).toEqual(['a']);
    expect(await sightings.list('unclaimed')).toEqual([]);

    await sightings.clear('vanished', 'a');
    expect(await sightings.list('vanished')).toEqual(['b']);
    expect(await sightings.list('ended-exists')).toEqual(['a']);
    expect(await sightings.sight('vanished', 'a', t2)).toEqual({ at: t2, isNew: true });
  });

  it('keeps subjects that contain the separator of other kinds apart', async () => {
    const sightings = new InProcessSightings();
    const t = new Date('2026-12-02T10:00:00Z');
    await sightings.sight('unclaimed', 'edge:gw:lab-1', t);

    expect(await sightings.list('unclaimed')).toEqual(['edge:gw:lab-1']);
    expect(await sightings.list('vanished')).toEqual([]);
  });
});

describe('stopBilling', () => {
  const now = new Date('2026-12-02T12:00:00Z');

  it('folds the powered-on interval into the total and forgets when it started', () => {
    const lab = labIn('ready', { poweredOnMs: 1000, poweredOnSince: new Date('2026-12-02T11:00:00Z') });

    const stopped = stopBilling(lab, now);

    expect(stopped.poweredOnMs).toBe(1000 + 3_600_000);
    expect('poweredOnSince' in stopped).toBe(false);
  });

  it('adds nothing for a start in the future (a clock step back)', () => {
    const lab = labIn('ready', { poweredOnMs: 1000, poweredOnSince: new Date('2026-12-02T12:30:00Z') });

    expect(stopBilling(lab, now).poweredOnMs).toBe(1000);
  });

  it('leaves a lab that is not billing as it is', () => {
    const lab = labIn('suspended', { poweredOnMs: 5000 });

    expect(stopBilling(lab, now)).toBe(lab);
  });
});

describe('userMessage', () => {
  it('says what VCD said, without the closing full stop and spaces', () => {
    expect(userMessage(new CloudError('api', 'The VDC is out of storage. '))).toBe(
      'The VDC is out of storage',
    );
    expect(userMessage(new CloudError('api', 'Quota...\n'))).toBe('Quota');
    expect(userMessage(new CloudError('api', 'v1.2 is old'))).toBe('v1.2 is old');
  });

  it('passes network errors on, and keeps anything else internal', () => {
    expect(userMessage(new LabNetworkError('no edge gateway is configured.'))).toBe(
      'no edge gateway is configured',
    );
    expect(userMessage(new Error('secret stack'))).toBe('internal error');
    expect(userMessage(new UserError('invalid_state', 'not yours'))).toBe('internal error');
    expect(userMessage('a string')).toBe('internal error');
  });
});

/**
 * Reconciliation (controller/reconcile.ts) in the exact words admins and the audit log get, and the lab an adoption
 * records, field by field; the guards' durations in words; a failed retag retried on the next pass.
 */
import { type LabControllerDeps } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import { wireCore } from '../helpers/core';
import { messagesAt, recordingLogger } from '../helpers/logger';

function setup(controller: Partial<LabControllerDeps> = {}) {
  const logger = recordingLogger();
  const core = wireCore({ controller: { logger, ...controller } });
  return { ...core, logger };
}

type Setup = ReturnType<typeof setup>;

async function deployed(core: Setup, user = 'U1'): Promise<Lab> {
  const { lab } = await core.service.deploy({ user, kind: 'demo', template: 'esxi8' });
  await core.controller.idle();
  const ready = await core.store.get(lab.id);
  if (!ready) {
    throw new Error('lab not stored');
  }
  return ready;
}

/** What a handoff or an extension records (request fields, which the controller's `update` leaves alone). */
function handOff(core: Setup, labId: string, changes: Partial<Lab>): void {
  const stored = core.store.labs.get(labId);
  if (stored) {
    Object.assign(stored, changes);
  }
}

const OURS = { 'labbot.installation': 'install-test' };

describe('reconcile: adoption', () => {
  it('records a running vApp of this installation as a ready lab, from its metadata', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-repro-lost', {
      ...OURS,
      'labbot.id': 'repro-lost',
      'labbot.owner': 'U9',
      'labbot.kind': 'repro',
      'labbot.ticket': 'ABC-1',
      'labbot.expiresAt': '2026-11-30T12:00:00.000Z',
    });
    const now = core.clock.now();

    expect((await core.controller.reconcile()).adopted).toEqual(['repro-lost']);
    await core.controller.idle();

    expect(await core.store.get('repro-lost')).toEqual({
      id: 'repro-lost',
      kind: 'repro',
      owner: 'U9',
      ticket: 'ABC-1',
      template: 'adopted',
      vappName: 'lab-repro-lost',
      vappHref: vapp.href,
      desired: 'running',
      phase: 'ready',
      createdAt: now,
      readyAt: now,
      expiresAt: new Date('2026-11-30T12:00:00.000Z'),
      vms: [],
      spec: { vcpus: 0, memoryGb: 0, storageGb: 0 },
      extensions: 0,
      poweredOnMs: 0,
      poweredOnSince: now,
    });
    expect(core.notifier.adminMessages).toEqual([
      'Adopted lab repro-lost (owner U9): vApp lab-repro-lost carries labbot metadata but labbot had no record of it. It runs and bills from now on.',
    ]);
    expect(core.audit.entries.find((e) => e.action === 'adopt')?.detail).toBe(
      "vApp lab-repro-lost (powered_on) carries this installation's metadata but had no record; kept ready",
    );
  });

  it('sizes the lab from its VMs', async () => {
    const core = setup();
    const vapp = core.cloud.plant('lab-demo-vms', { ...OURS, 'labbot.id': 'demo-vms' });
    const planted = core.cloud.vapps.get(vapp.href);
    if (planted) {
      planted.vms = [
        { name: 'a', href: `${vapp.href}/vm-1`, powerState: 'powered_on', cpus: 4, memoryMb: 2048, nics: [] },
        { name: 'b', href: `${vapp.href}/vm-2`, powerState: 'powered_on', cpus: 2, memoryMb: 1024, nics: [] },
      ];
    }

    await core.controller.reconcile();

    const lab = await core.store.get('demo-vms');
    expect(lab?.spec).toEqual({ vcpus: 6, memoryGb: 3, storageGb: 0 });
    expect(lab?.vms.map((v) => v.name)).toEqual(['a', 'b']);
  });

  it('keeps a vApp that is not on as suspended, with defaults for what its metadata lacks, and asks admins', async () => {
    const core = setup();
    core.cloud.plant(
      'lab-x',
      { ...OURS, 'labbot.id': 'x-1', 'labbot.kind': 'gone', 'labbot.expiresAt': 'soon' },
      'powered_off',
    );
    const now = core.clock.now();

    await core.controller.reconcile();
    await core.controller.idle();

    const lab = await core.store.get('x-1');
    expect(lab).toMatchObject({
      kind: 'demo',
      owner: 'unknown',
      desired: 'suspended',
      phase: 'suspended',
      expiresAt: new Date(now.getTime() + 4 * 3_600_000),
    });
    expect(lab?.poweredOnSince).toBeUndefined();
    expect(lab?.ticket).toBeUndefined();
    expect(core.notifier.adminMessages).toEqual([
      'Adopted lab x-1 (owner unknown): vApp lab-x carries labbot metadata but labbot had no record of it. It is powered off, so labbot keeps it as suspended (its storage bills): tear it down with /lab teardown x-1 if nobody needs it, or resume it with /lab resume x-1.',
    ]);
  });
});

describe('reconcile: a vApp deleted outside labbot', () => {
  it('says when it was first missed, closes on confirmation, and tells admins when', async () => {
    const core = setup({ guards: { confirmAfterMs: 60_000 } });
    const lab = await deployed(core);
    core.cloud.vapps.delete(lab.vappHref ?? '');
    const first = core.clock.now();

    expect((await core.controller.reconcile()).vanishing).toEqual([lab.id]);
    expect(core.audit.entries.at(-1)).toMatchObject({
      action: 'vanish-sighted',
      detail: `vApp ${lab.vappName} not found in VCD; the lab is closed if it is still not found 1 minute from now`,
    });
    core.clock.advance(59_999);
    expect((await core.controller.reconcile()).closedVanished).toEqual([]);
    core.clock.advance(1);
    expect((await core.controller.reconcile()).closedVanished).toEqual([lab.id]);

    const now = core.clock.now();
    const closed = await core.store.get(lab.id);
    expect(closed).toMatchObject({ phase: 'deleted', endedAt: now });
    expect(closed?.poweredOnSince).toBeUndefined();
    expect(core.audit.entries.find((e) => e.action === 'close-vanished')?.detail).toBe(
      `vApp ${lab.vappName} not found in VCD on passes at ${first.toISOString()} and ${now.toISOString()}`,
    );
    expect(core.notifier.adminMessages).toEqual([
      `Lab ${lab.id} (owner U1) was closed: its vApp ${lab.vappName} was deleted outside labbot (not found in VCD since ${first.toISOString()}).`,
      // Its rules and address are left on the edge: removed on the same pass.
      `Removed leftover edge rules or public IPs of labs that no longer run: ${lab.id}.`,
    ]);
  });

  it('too many at once: nothing closed, admins told once with the counts and the labs', async () => {
    const core = setup({ guards: { confirmAfterMs: 0, maxActsPerPass: 1 } });
    const a = await deployed(core, 'U1');
    const b = await deployed(core, 'U2');
    core.cloud.vapps.clear();

    const report = await core.controller.reconcile();
    await core.controller.reconcile();

    expect(report.held).toEqual([a.id, b.id]);
    const detail =
      '2 vanished lab(s) to close and 0 ended lab(s) to delete exceed the cap of 1 per pass; nothing done';
    expect(core.notifier.adminMessages).toEqual([
      `Reconciliation did nothing this pass: ${detail}. So many at once usually means labbot is looking at the wrong VCD, org or VDC, or lost rights (a role change), rather than that the labs really went. Check VCD_URL, VCD_ORG, VCD_VDC and the account's role. Labs: ${a.id}, ${b.id}.`,
    ]);
    expect(
      core.audit.entries.filter((e) => e.action === 'reconcile-held').map((e) => [e.labId, e.detail]),
    ).toEqual([
      [a.id, detail],
      [b.id, detail],
    ]);
    expect(messagesAt(core.logger, 'warn')).toContain('reconciliation held back: too many acts for one pass');
  });
});

describe('reconcile: an ended lab whose vApp still exists', () => {
  it('warns once with the grace in words, then deletes it again after the grace', async () => {
    const core = setup({ guards: { endedGraceMs: 2 * 60_000 } });
    const lab = await deployed(core);
    const vapp = core.cloud.vapps.get(lab.vappHref ?? '');
    await core.store.update({ ...lab, phase: 'deleted', endedAt: core.clock.now() });
    const first = core.clock.now();

    expect((await core.controller.reconcile()).ending).toEqual([lab.id]);
    expect(core.notifier.adminMessages).toEqual([
      `Lab ${lab.id} (owner U1) has ended but its vApp ${vapp?.name} still exists and bills. labbot deletes it in 2 minutes. To keep it, remove its labbot.id metadata in VCD before then: labbot then never touches it again.`,
    ]);
    expect(core.audit.entries.find((e) => e.action === 'reopen-warned')?.detail).toBe(
      `lab ended (deleted) but vApp ${vapp?.name} still exists; deleted after a grace of 2 minutes`,
    );
    core.clock.advance(2 * 60_000);
    expect((await core.controller.reconcile()).reopened).toEqual([lab.id]);
    await core.controller.idle();

    expect(core.notifier.adminMessages[1]).toBe(
      `Lab ${lab.id} had ended but its vApp ${vapp?.name} still existed after the grace of 2 minutes; labbot is deleting it.`,
    );
    expect(core.audit.entries.find((e) => e.action === 'reopen')?.detail).toBe(
      `vApp ${vapp?.name} still existed after the lab ended (first seen ${first.toISOString()}; grace of 2 minutes over)`,
    );
    expect(core.cloud.vapps.size).toBe(0);
    expect((await core.store.get(lab.id))?.phase).toBe('deleted');
  });
});

describe('reconcile: metadata', () => {
  it('retags owner and expiry after a handoff and an extension, writing only what changed', async () => {
    const core = setup();
    const lab = await deployed(core);
    handOff(core, lab.id, { owner: 'U2' });

    expect((await core.controller.reconcile()).retagged).toEqual([lab.id]);
    expect(core.audit.entries.at(-1)).toMatchObject({ action: 'retag', detail: 'labbot.owner' });
    expect(core.cloud.metadata.get(lab.vappHref ?? '')?.['labbot.owner']).toBe('U2');
    expect((await core.controller.reconcile()).retagged).toEqual([]);

    const later = new Date(lab.expiresAt.getTime() + 3_600_000);
    handOff(core, lab.id, { owner: 'U3', expiresAt: later });
    expect((await core.controller.reconcile()).retagged).toEqual([lab.id]);
    expect(core.audit.entries.at(-1)?.detail).toBe('labbot.owner, labbot.expiresAt');
    expect(core.cloud.metadata.get(lab.vappHref ?? '')?.['labbot.expiresAt']).toBe(later.toISOString());
  });

  it('a failed retag is logged and tried again on the next pass', async () => {
    const core = setup();
    const lab = await deployed(core);
    handOff(core, lab.id, { owner: 'U2' });
    core.cloud.failNext('setMetadata');

    expect((await core.controller.reconcile()).retagged).toEqual([]);
    expect(messagesAt(core.logger, 'warn')).toEqual(['could not update vApp metadata']);
    expect((await core.controller.reconcile()).retagged).toEqual([lab.id]);
  });

  it('leaves a lab with a task in flight, or not settled, to its own steps', async () => {
    const core = setup();
    const lab = await deployed(core);
    handOff(core, lab.id, { owner: 'U2', phase: 'suspending' });

    expect((await core.controller.reconcile()).retagged).toEqual([]);
  });
});

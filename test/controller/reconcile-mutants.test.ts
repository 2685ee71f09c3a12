/**
 * Reconciliation (controller/reconcile.ts) in the exact words admins and the audit log get, and the lab an adoption
 * records, field by field; the guards' durations in words; a failed retag retried on the next pass.
 */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { InProcessPublicIps } from '../../src/controller/in-process-public-ips';
import { DEFAULT_RECONCILE_GUARDS, type LabControllerDeps } from '../../src/controller/lab-controller';
import { type Lab } from '../../src/labs/lab';
import { wireCore } from '../helpers/core';
import { labIn } from '../helpers/labs';
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

describe('reconcile: measured survivors', () => {
  const FIVE_MINUTES = 5 * 60_000;
  const HOUR = 60 * 60_000;

  /** Removes a deployed lab's vApp from VCD; returns how to bring it back (restored from a backup). */
  function deleteVApp(core: Setup, href: string): () => void {
    const vapp = core.cloud.vapps.get(href);
    const metadata = core.cloud.metadata.get(href);
    core.cloud.vapps.delete(href);
    core.cloud.metadata.delete(href);
    return () => {
      if (vapp && metadata) {
        core.cloud.vapps.set(href, vapp);
        core.cloud.metadata.set(href, metadata);
      }
    };
  }

  const goneChecks = (core: Setup): string[] => core.cloud.calls.filter((c) => c.startsWith('isVAppGone'));

  it('asks VCD about no vApp its listing already showed', async () => {
    const core = setup();
    await deployed(core);

    await core.controller.reconcile();

    expect(goneChecks(core)).toEqual([]);
  });

  it('never checks nor closes a lab with a task in flight, one not settled, or one without a vApp href', async () => {
    const core = setup();
    const busy = await deployed(core, 'U1');
    const starting = await deployed(core, 'U2');
    const hrefless = await deployed(core, 'U3');
    deleteVApp(core, busy.vappHref ?? '');
    deleteVApp(core, starting.vappHref ?? '');
    deleteVApp(core, hrefless.vappHref ?? '');
    handOff(core, busy.id, { taskHref: 'https://vcd/api/task/elsewhere' });
    handOff(core, starting.id, { phase: 'starting' });
    handOff(core, hrefless.id, { vappHref: undefined });

    const first = await core.controller.reconcile();
    core.clock.advance(FIVE_MINUTES);
    const second = await core.controller.reconcile();

    expect(goneChecks(core)).toEqual([]);
    expect([first.vanishing, second.closedVanished]).toEqual([[], []]);
  });

  it('closes a suspended lab whose vApp vanished once confirmed, telling the owner it is deleted', async () => {
    const core = setup();
    const lab = await deployed(core);
    await core.service.suspend('U1', lab.id);
    await core.controller.idle();
    deleteVApp(core, lab.vappHref ?? '');

    await core.controller.reconcile();
    core.clock.advance(FIVE_MINUTES);
    const report = await core.controller.reconcile();

    expect(report.closedVanished).toEqual([lab.id]);
    expect(core.notifier.events.at(-1)).toEqual({ labId: lab.id, event: { type: 'deleted' } });
  });

  it('never closes a lab whose vApp still exists but lost its labbot metadata (an admin keeping it)', async () => {
    const core = setup();
    const lab = await deployed(core);
    core.cloud.metadata.delete(lab.vappHref ?? '');

    const first = await core.controller.reconcile();
    core.clock.advance(FIVE_MINUTES);
    const second = await core.controller.reconcile();

    expect(goneChecks(core)).toEqual([`isVAppGone ${lab.vappHref}`, `isVAppGone ${lab.vappHref}`]);
    expect([first.vanishing, second.closedVanished]).toEqual([[], []]);
    expect(core.audit.entries.filter((e) => e.action === 'vanish-sighted')).toEqual([]);
  });

  it('logs a vApp it could not check, with the lab and the causes', async () => {
    const core = setup();
    const lab = await deployed(core);
    deleteVApp(core, lab.vappHref ?? '');
    core.cloud.failNext('isVAppGone');

    expect((await core.controller.reconcile()).unchecked).toEqual([lab.id]);

    const line = core.logger.lines.find((l) => l.level === 'warn');
    expect(line?.message).toBe('could not check whether a vApp still exists; nothing done');
    expect(line?.fields).toMatchObject({ labId: lab.id, causes: ['Error: isVAppGone refused'] });
  });

  it('records the first sighting of a vanished vApp once, not on every pass', async () => {
    const core = setup();
    const lab = await deployed(core);
    deleteVApp(core, lab.vappHref ?? '');

    for (let pass = 0; pass < 3; pass++) {
      await core.controller.reconcile();
      core.clock.advance(60_000);
    }

    expect(core.audit.entries.filter((e) => e.action === 'vanish-sighted')).toHaveLength(1);
  });

  it('retags neither a busy vApp nor one whose tags are current; a stale one once it is free', async () => {
    const core = setup();
    const lab = await deployed(core);
    const current = await deployed(core, 'U2');
    handOff(core, lab.id, { owner: 'U3' });
    const vapp = core.cloud.vapps.get(lab.vappHref ?? '');
    if (vapp) {
      vapp.pendingTask = { href: 'https://vcd/api/task/someone-else' };
    }

    expect((await core.controller.reconcile()).retagged).toEqual([]);
    if (vapp) {
      delete vapp.pendingTask;
    }
    expect((await core.controller.reconcile()).retagged).toEqual([lab.id]);
    expect(core.cloud.calls.filter((c) => c === `setMetadata ${current.vappHref}`)).toHaveLength(1);
  });

  it('retags a suspended lab after a handoff; not a lab with a task recorded, nor a copy of its vApp', async () => {
    const core = setup();
    const suspended = await deployed(core, 'U1');
    await core.service.suspend('U1', suspended.id);
    await core.controller.idle();
    handOff(core, suspended.id, { owner: 'U7' });
    const tasked = await deployed(core, 'U2');
    handOff(core, tasked.id, { owner: 'U8', taskHref: 'https://vcd/api/task/recorded' });
    const copy = core.cloud.plant('lab-copy', { ...core.cloud.metadata.get(suspended.vappHref ?? '') });

    expect((await core.controller.reconcile()).retagged).toEqual([suspended.id]);
    expect(core.cloud.metadata.get(copy.href)?.['labbot.owner']).toBe('U1');
  });

  it('writes metadata VCD applies without a task, and counts it retagged', async () => {
    const core = setup();
    const lab = await deployed(core);
    handOff(core, lab.id, { owner: 'U2' });
    const setMetadata = core.cloud.setMetadata.bind(core.cloud);
    core.cloud.setMetadata = async (href, entries) => {
      const task = await setMetadata(href, entries);
      if (task) {
        await core.cloud.waitForTask(task);
      }
      return undefined;
    };

    expect((await core.controller.reconcile()).retagged).toEqual([lab.id]);
    expect(core.cloud.metadata.get(lab.vappHref ?? '')?.['labbot.owner']).toBe('U2');
  });

  it('logs a failed retag with the lab and the causes', async () => {
    const core = setup();
    const lab = await deployed(core);
    handOff(core, lab.id, { owner: 'U2' });
    core.cloud.failNext('setMetadata');

    await core.controller.reconcile();

    expect(core.logger.lines.find((l) => l.level === 'warn')?.fields).toMatchObject({
      labId: lab.id,
      causes: ['Error: setMetadata refused'],
    });
  });

  it('starts the grace of an ended lab again when its vApp was busy on a pass in between', async () => {
    const core = setup();
    const lab = await deployed(core);
    handOff(core, lab.id, { phase: 'deleted', endedAt: core.clock.now() });
    const vapp = core.cloud.vapps.get(lab.vappHref ?? '');

    expect((await core.controller.reconcile()).ending).toEqual([lab.id]);
    core.clock.advance(HOUR / 2);
    if (vapp) {
      vapp.pendingTask = { href: 'https://vcd/api/task/someone-else' };
    }
    await core.controller.reconcile();
    if (vapp) {
      delete vapp.pendingTask;
    }
    core.clock.advance(HOUR);
    const third = await core.controller.reconcile();

    expect(third).toMatchObject({ ending: [lab.id], reopened: [] });
    expect(core.audit.entries.filter((e) => e.action === 'reopen-warned')).toHaveLength(2);
  });

  it('counts vanished and ended labs together against the cap, and names them all', async () => {
    const core = setup({ guards: { maxActsPerPass: 1 } });
    const vanished = await deployed(core, 'U1');
    const ended = await deployed(core, 'U2');
    deleteVApp(core, vanished.vappHref ?? '');
    handOff(core, ended.id, { phase: 'deleted', endedAt: core.clock.now() });

    await core.controller.reconcile();
    core.clock.advance(HOUR);
    const report = await core.controller.reconcile();

    expect(report.held).toEqual([vanished.id, ended.id]);
    expect(report.closedVanished).toEqual([]);
    expect(report.reopened).toEqual([]);
    const logged = core.logger.lines.find(
      (l) => l.message === 'reconciliation held back: too many acts for one pass',
    );
    expect(logged?.fields).toEqual({ labs: [vanished.id, ended.id], cap: 1 });
  });

  it('announces a held-back pass again when the held labs change, even to as many others', async () => {
    const core = setup({ guards: { maxActsPerPass: 1 } });
    const [x, y, z] = [await deployed(core, 'U1'), await deployed(core, 'U2'), await deployed(core, 'U3')];
    deleteVApp(core, x.vappHref ?? '');
    const restoreY = deleteVApp(core, y.vappHref ?? '');
    deleteVApp(core, z.vappHref ?? '');
    await core.controller.reconcile();
    core.clock.advance(FIVE_MINUTES);
    // x cannot be checked on this pass: y and z are held.
    core.cloud.failNext('isVAppGone');
    expect((await core.controller.reconcile()).held).toEqual([y.id, z.id]);
    // y is back, x checked again: x and z are held, as many labs as before but not the same.
    restoreY();
    expect((await core.controller.reconcile()).held).toEqual([x.id, z.id]);

    expect(core.notifier.adminMessages).toHaveLength(2);
    expect(core.notifier.adminMessages[1]).toMatch(new RegExp(`Labs: ${x.id}, ${z.id}\\.$`));
  });

  it('tells held-back sets apart by their lab ids, not by the ids run together', async () => {
    const core = setup({ guards: { maxActsPerPass: 1 } });
    const grace = DEFAULT_RECONCILE_GUARDS.endedGraceMs;
    const endedWithVApp = async (id: string): Promise<string> => {
      const vapp = core.cloud.plant(`lab-${id}`, { ...OURS, 'labbot.id': id }, 'powered_off');
      await core.store.insert(labIn('deleted', { id, vappName: `lab-${id}`, vappHref: vapp.href }));
      return vapp.href;
    };
    const first = [await endedWithVApp('ab'), await endedWithVApp('c')];
    await core.controller.reconcile();
    core.clock.advance(grace);
    await endedWithVApp('a');
    await endedWithVApp('bc');
    // ab and c are past their grace and held; a and bc start theirs.
    expect((await core.controller.reconcile()).held).toEqual(['ab', 'c']);
    for (const href of first) {
      core.cloud.vapps.delete(href);
    }
    core.clock.advance(grace);
    expect((await core.controller.reconcile()).held).toEqual(['a', 'bc']);

    const held = core.notifier.adminMessages.filter((m) => m.startsWith('Reconciliation did nothing'));
    expect(held.map((m) => m.replace(/.*Labs: /, ''))).toEqual(['ab, c.', 'a, bc.']);
  });

  it('does not announce the same held-back labs again when VCD lists them in another order', async () => {
    const core = setup({ guards: { maxActsPerPass: 1 } });
    const hrefs: string[] = [];
    for (const id of ['end-1', 'end-2']) {
      const vapp = core.cloud.plant(`lab-${id}`, { ...OURS, 'labbot.id': id }, 'powered_off');
      await core.store.insert(labIn('deleted', { id, vappName: `lab-${id}`, vappHref: vapp.href }));
      hrefs.push(vapp.href);
    }
    await core.controller.reconcile();
    core.clock.advance(DEFAULT_RECONCILE_GUARDS.endedGraceMs);
    expect((await core.controller.reconcile()).held).toEqual(['end-1', 'end-2']);
    // VCD lists end-2 first now.
    const first = core.cloud.vapps.get(hrefs[0] ?? '');
    if (first) {
      core.cloud.vapps.delete(first.href);
      core.cloud.vapps.set(first.href, first);
    }
    expect((await core.controller.reconcile()).held).toEqual(['end-2', 'end-1']);

    expect(
      core.notifier.adminMessages.filter((m) => m.startsWith('Reconciliation did nothing')),
    ).toHaveLength(1);
  });

  it('tells admins of an unclaimed vApp on the first pass only, and records it', async () => {
    const core = setup();
    core.cloud.plant('lab-old', { 'labbot.id': 'old-1' });

    await core.controller.reconcile();
    expect(core.notifier.adminMessages).toHaveLength(1);
    await core.controller.reconcile();
    expect(core.notifier.adminMessages).toHaveLength(1);
    expect(core.audit.entries.filter((e) => e.action === 'unclaimed')).toEqual([
      expect.objectContaining({
        labId: 'old-1',
        detail:
          'vApp lab-old carries labbot metadata without an installation id and this store has no lab old-1; left alone',
      }),
    ]);
  });

  it('tells admins once about the rules of each unknown lab on the edge, and records each', async () => {
    const core = setup();
    const rules = {
      nat: [],
      firewall: [
        {
          name: 'ssh',
          sourceIp: 'Any',
          destinationIp: '203.0.113.9',
          destinationPort: '22',
          protocol: 'tcp' as const,
        },
      ],
    };
    await core.cloud.setLabEdgeRules('edge-01', 'stranger-1', rules);
    await core.cloud.setLabEdgeRules('edge-01', 'stranger-2', rules);

    await core.controller.reconcile();
    await core.controller.reconcile();

    expect(core.notifier.adminMessages).toEqual([
      "Edge edge-01 has rules tagged with lab stranger-1, which this installation has no record of: they may be another labbot installation's, so labbot leaves them alone. Remove them on the edge if nobody uses them.",
      "Edge edge-01 has rules tagged with lab stranger-2, which this installation has no record of: they may be another labbot installation's, so labbot leaves them alone. Remove them on the edge if nobody uses them.",
    ]);
    expect(core.audit.entries.filter((e) => e.action === 'foreign-rules').map((e) => e.detail)).toEqual([
      'edge rules of lab stranger-1 on edge-01: no such lab here; left alone',
      'edge rules of lab stranger-2 on edge-01: no such lab here; left alone',
    ]);
  });

  it('reconciles without an edge configured, looking at no edge', async () => {
    const { edge: _edge, ...noEdge } = DEFAULT_POLICY;
    const core = wireCore({ policy: noEdge });

    await expect(core.controller.reconcile()).resolves.toMatchObject({ edgeRulesRemoved: [] });
    expect(core.cloud.calls.filter((c) => c.startsWith('listEdgeRuleLabs'))).toEqual([]);
  });

  it('removes the rules and frees the addresses of ended labs, in the audit and to admins, naming each', async () => {
    const publicIps = new InProcessPublicIps();
    const core = setup({ publicIps });
    const rules = {
      nat: [],
      firewall: [
        {
          name: 'ssh',
          sourceIp: 'Any',
          destinationIp: '203.0.113.9',
          destinationPort: '22',
          protocol: 'tcp' as const,
        },
      ],
    };
    for (const id of ['end-1', 'end-2']) {
      await core.store.insert(labIn('deleted', { id, vappName: `lab-${id}` }));
      await core.cloud.setLabEdgeRules('edge-01', id, rules);
      await publicIps.allocate(id, DEFAULT_POLICY.edge!.publicIps);
    }

    const report = await core.controller.reconcile();

    expect(report).toMatchObject({
      edgeRulesRemoved: ['end-1', 'end-2'],
      publicIpsFreed: ['end-1', 'end-2'],
    });
    expect(core.audit.entries.map((e) => `${e.action} ${e.labId}: ${e.detail}`)).toEqual([
      'remove-orphan-rules end-1: lab end-1 ended (deleted); its edge rules on edge-01 removed',
      'remove-orphan-rules end-2: lab end-2 ended (deleted); its edge rules on edge-01 removed',
      'free-orphan-ip end-1: public IP 203.0.113.10 returned to the pool',
      'free-orphan-ip end-2: public IP 203.0.113.11 returned to the pool',
    ]);
    expect(core.notifier.adminMessages).toEqual([
      'Removed leftover edge rules or public IPs of labs that no longer run: end-1, end-2.',
    ]);
  });

  it('adopts a vApp gone between the listing and its lookup, with no VMs', async () => {
    const core = setup();
    core.cloud.plant('lab-x', { ...OURS, 'labbot.id': 'x-1', 'labbot.kind': 'demo' });
    core.cloud.getVApp = () => Promise.resolve(undefined);

    await core.controller.reconcile();

    expect(await core.store.get('x-1')).toMatchObject({
      vms: [],
      spec: { vcpus: 0, memoryGb: 0, storageGb: 0 },
    });
  });

  it('adopts with the kind’s own default lifetime when the vApp names no expiry, and as a demo with no kinds', async () => {
    const core = setup();
    core.cloud.plant('lab-r', { ...OURS, 'labbot.id': 'r-1', 'labbot.kind': 'repro' });
    await core.controller.reconcile();
    expect((await core.store.get('r-1'))?.expiresAt).toEqual(
      new Date(core.clock.now().getTime() + 72 * HOUR),
    );

    const bare = wireCore({ policy: { ...DEFAULT_POLICY, kinds: [] } });
    bare.cloud.plant('lab-b', { ...OURS, 'labbot.id': 'b-1' });
    await bare.controller.reconcile();
    expect(await bare.store.get('b-1')).toMatchObject({
      kind: 'demo',
      expiresAt: new Date(bare.clock.now().getTime() + 4 * HOUR),
    });
  });

  it('deletes again a vApp restored after its lab closed as vanished: desired deleted, the owner not told of a teardown', async () => {
    const core = setup();
    const lab = await deployed(core);
    const restore = deleteVApp(core, lab.vappHref ?? '');
    await core.controller.reconcile();
    core.clock.advance(FIVE_MINUTES);
    await core.controller.reconcile();
    restore();
    const before = core.notifier.messages(lab.id).length;

    await core.controller.reconcile();
    core.clock.advance(HOUR);
    expect((await core.controller.reconcile()).reopened).toEqual([lab.id]);
    await core.controller.idle();

    expect(await core.store.get(lab.id)).toMatchObject({ phase: 'deleted', desired: 'deleted' });
    expect(core.notifier.messages(lab.id).slice(before)).toEqual(['deleted']);
  });

  describe('a vApp without an installation id', () => {
    it('is ours when its href is a lab’s here, even renamed in VCD', async () => {
      const core = setup();
      const lab = await deployed(core);
      const vapp = core.cloud.vapps.get(lab.vappHref ?? '');
      if (vapp) {
        vapp.name = 'renamed-by-hand';
      }
      const { 'labbot.installation': _none, ...legacy } = core.cloud.metadata.get(lab.vappHref ?? '') ?? {};
      core.cloud.metadata.set(lab.vappHref ?? '', legacy);

      const report = await core.controller.reconcile();

      expect(report).toMatchObject({ unclaimed: [], retagged: [lab.id] });
    });

    it('is ours when its name is a lab’s here whose href was not recorded', async () => {
      const core = setup();
      await core.store.insert(
        labIn('deploying', { id: 'dep-1', vappName: 'lab-dep-1', vappHref: undefined }),
      );
      core.cloud.plant('lab-dep-1', { 'labbot.id': 'dep-1' });

      expect((await core.controller.reconcile()).unclaimed).toEqual([]);
      expect(core.notifier.adminMessages).toEqual([]);
    });

    it('is unclaimed when a lab here has its id but neither its href nor its name', async () => {
      const core = setup();
      const lab = await deployed(core);
      const other = core.cloud.plant('lab-elsewhere', { 'labbot.id': lab.id });

      expect((await core.controller.reconcile()).unclaimed).toEqual([other.href]);
    });
  });
});

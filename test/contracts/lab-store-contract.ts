/**
 * What every LabStore must do, as cases any implementation runs: the in-memory fake the domain's tests use and the
 * Kysely store on SQLite and PostgreSQL. A fake that drifts from the real store makes every test built on it lie;
 * running the same cases against both is what keeps it honest.
 */
import { DuplicateLabError, LiveTicketConflictError } from '../../src/labs/errors';
import { isTerminal, type Lab, LAB_PHASES, TERMINAL_PHASES } from '../../src/labs/lab';
import { type LimitRefusal } from '../../src/labs/limits';
import { type LabStore } from '../../src/labs/ports';
import { fullLab, labIn, minimalLab } from '../helpers/labs';

export interface LabStoreSubject {
  name: string;
  /** A new, empty store, and how to throw it away. */
  open(): Promise<{ store: LabStore; dispose(): Promise<void> }>;
}

const REFUSED: LimitRefusal = { detail: 'lab count limit 0', message: 'You have too many labs.' };

function minute(n: number): Date {
  return new Date(Date.UTC(2025, 2, 4, 8, n, 0, 0));
}

export function describeLabStoreContract(subject: LabStoreSubject): void {
  describe(`LabStore contract: ${subject.name}`, () => {
    let store: LabStore;
    let dispose: () => Promise<void>;

    beforeEach(async () => {
      ({ store, dispose } = await subject.open());
    });

    afterEach(async () => {
      await store.close();
      await dispose();
    });

    it('gives back what was inserted, field for field, as a copy', async () => {
      const lab = fullLab();
      await store.insert(lab);

      const read = await store.get(lab.id);
      expect(read).toEqual(lab);
      read!.vms.length = 0;
      expect((await store.get(lab.id))?.vms).toEqual(lab.vms);
      expect(await store.get('no-such-lab')).toBeUndefined();
    });

    it('refuses a second lab with the same id, and a second live lab for a ticket in any case', async () => {
      await store.insert(minimalLab({ id: 'demo-1' }));
      await expect(store.insert(minimalLab({ id: 'demo-1' }))).rejects.toBeInstanceOf(DuplicateLabError);

      await store.insert(minimalLab({ id: 'repro-a', kind: 'repro', ticket: 'TICKET-9' }));
      await expect(
        store.insert(minimalLab({ id: 'repro-b', kind: 'repro', ticket: 'ticket-9' })),
      ).rejects.toBeInstanceOf(LiveTicketConflictError);
    });

    it('lets a ticket have a new lab once its old one has ended', async () => {
      await store.insert(labIn('deleted', { id: 'repro-old', kind: 'repro', ticket: 'TICKET-9' }));
      await store.insert(minimalLab({ id: 'repro-new', kind: 'repro', ticket: 'Ticket-9' }));

      expect((await store.findLiveByTicket('ticket-9'))?.id).toBe('repro-new');
      expect(await store.findLiveByTicket('TICKET-10')).toBeUndefined();
    });

    it("writes the controller's fields on update and leaves a request's and the message's alone", async () => {
      await store.insert(minimalLab({ id: 'demo-1' }));
      await store.applyRequest('demo-1', { desired: 'deleted', extensions: 2 });
      await store.setMessageRef('demo-1', 'C1', '1700000000.000100');

      // A controller holding a copy read before the request and the message ref.
      await store.update(
        minimalLab({
          id: 'demo-1',
          phase: 'deploying',
          taskHref: 'https://vcd/api/task/1',
          owner: 'U_STALE',
        }),
      );

      const read = await store.get('demo-1');
      expect(read).toMatchObject({
        phase: 'deploying',
        taskHref: 'https://vcd/api/task/1',
        desired: 'deleted',
        extensions: 2,
        owner: 'U_ALICE',
        channel: 'C1',
        messageTs: '1700000000.000100',
      });
    });

    it('clears a field the controller no longer sets, and ignores an update of a lab it does not have', async () => {
      await store.insert(
        minimalLab({ id: 'demo-1', phase: 'deploying', taskHref: 'https://vcd/api/task/1' }),
      );
      await store.update(minimalLab({ id: 'demo-1', phase: 'configuring' }));
      await store.update(minimalLab({ id: 'demo-ghost', phase: 'ready' }));

      expect((await store.get('demo-1'))?.taskHref).toBeUndefined();
      expect(await store.get('demo-ghost')).toBeUndefined();
    });

    it('lists labs oldest first, by owner, without ended ones unless asked', async () => {
      await store.insert(minimalLab({ id: 'demo-c', owner: 'U1', createdAt: minute(3) }));
      await store.insert(minimalLab({ id: 'demo-a', owner: 'U1', createdAt: minute(1) }));
      await store.insert(labIn('failed', { id: 'demo-b', owner: 'U1', createdAt: minute(2) }));
      await store.insert(minimalLab({ id: 'demo-d', owner: 'U2', createdAt: minute(0) }));

      expect((await store.list({ owner: 'U1' })).map((l) => l.id)).toEqual(['demo-a', 'demo-c']);
      expect((await store.list({ owner: 'U1', includeEnded: true })).map((l) => l.id)).toEqual([
        'demo-a',
        'demo-b',
        'demo-c',
      ]);
      expect((await store.list({})).map((l) => l.id)).toEqual(['demo-d', 'demo-a', 'demo-c']);
    });

    it('hands the controller every lab in a phase that is not terminal, whatever the phase', async () => {
      // From the domain's own list: a phase added later is covered here, and a store filter that forgets one
      // (so its labs are never resumed after a restart) fails.
      for (const [i, phase] of LAB_PHASES.entries()) {
        await store.insert(labIn(phase, { id: `lab-${phase}`, createdAt: minute(i) }));
      }

      const active = (await store.listActive()).map((l) => l.phase);
      expect(active).toEqual(LAB_PHASES.filter((phase) => !TERMINAL_PHASES.includes(phase)));
    });

    it('judges limits on the owner’s live labs and writes nothing when they refuse', async () => {
      await store.insert(minimalLab({ id: 'demo-1', owner: 'U1' }));
      await store.insert(labIn('deleted', { id: 'demo-0', owner: 'U1' }));
      await store.insert(minimalLab({ id: 'demo-x', owner: 'U2' }));
      let seen: string[] = [];

      const refusal = await store.insertWithinLimits(minimalLab({ id: 'demo-2', owner: 'U1' }), (labs) => {
        seen = labs.map((l) => l.id);
        return REFUSED;
      });

      expect(refusal).toEqual(REFUSED);
      expect(seen).toEqual(['demo-1']);
      expect(await store.get('demo-2')).toBeUndefined();
      expect(
        await store.insertWithinLimits(minimalLab({ id: 'demo-2', owner: 'U1' }), () => undefined),
      ).toBeUndefined();
      expect((await store.get('demo-2'))?.owner).toBe('U1');
    });

    it('moves a live lab to a receiver within limits, and only from its owner', async () => {
      await store.insert(minimalLab({ id: 'demo-1', owner: 'U1' }));
      await store.insert(labIn('deleted', { id: 'demo-ended', owner: 'U1' }));

      expect(await store.transferWithinLimits('demo-1', 'U1', { owner: 'U2' }, () => REFUSED)).toEqual({
        status: 'refused',
        refusal: REFUSED,
      });
      expect((await store.get('demo-1'))?.owner).toBe('U1');
      expect(await store.transferWithinLimits('demo-1', 'U9', { owner: 'U2' }, () => undefined)).toEqual({
        status: 'stale',
      });
      expect(await store.transferWithinLimits('demo-ended', 'U1', { owner: 'U2' }, () => undefined)).toEqual({
        status: 'stale',
      });
      expect(await store.transferWithinLimits('demo-1', 'U1', { owner: 'U2' }, () => undefined)).toEqual({
        status: 'moved',
      });
      expect((await store.list({ owner: 'U2' })).map((l) => l.id)).toEqual(['demo-1']);
    });

    it('keeps ended labs terminal in every listing but the one that asks for them', async () => {
      for (const phase of TERMINAL_PHASES) {
        await store.insert(labIn(phase, { id: `lab-${phase}` }));
      }
      expect(await store.listActive()).toEqual([]);
      expect(await store.list({})).toEqual([]);
      expect((await store.list({ includeEnded: true })).every((lab: Lab) => isTerminal(lab))).toBe(true);
    });
  });
}

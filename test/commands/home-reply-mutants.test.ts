/**
 * A person's Home tab (commands/home-reply.ts): the live labs newest first with their state, cost, expiry and
 * buttons, the Deploy button only for who may deploy, the notice of a refused press, and the footer.
 */
import { DEPLOY_FORM_ACTION, homeReply } from '../../src/commands/home-reply';
import { type LabViewContext } from '../../src/commands/lab-reply';
import { type Section } from '../../src/commands/reply';
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { labIn } from '../helpers/labs';

const NOW = new Date('2025-03-04T06:06:07.089Z');
const context: LabViewContext = { now: NOW, rates: DEFAULT_POLICY.rates, simulated: false };
const FOOTER =
  'Billed per minute: CPU and RAM while powered on, storage while the lab exists. `/lab help` lists every command.';

/** 8 vCPU, 32 GB and 730 GB at the default rates: $0.42/h running, $0.08/h suspended; $0.77 after an hour here. */
function lab(id: string, phase: Lab['phase'], createdAt: string, overrides: Partial<Lab> = {}): Lab {
  return labIn(phase, {
    id,
    spec: { vcpus: 8, memoryGb: 32, storageGb: 730 },
    poweredOnMs: 2 * 3600_000,
    createdAt: new Date(createdAt),
    expiresAt: new Date('2025-03-04T09:06:07.089Z'),
    ...overrides,
  });
}

const texts = (sections: Section[]): unknown[] =>
  sections.filter((s) => s.type === 'text').map((s) => (s.type === 'text' ? s.text : undefined));

describe('commands/home-reply', () => {
  it('shows the live labs newest first, each with its state, fields and buttons, and counts them in the title', () => {
    const older = lab('demo-old', 'ready', '2025-03-04T05:06:07.089Z', { ticket: 'SUP-12' });
    const newer = lab('demo-new', 'suspended', '2025-03-04T05:06:07.089Z', {
      desired: 'suspended',
      createdAt: new Date('2025-03-04T05:06:07.090Z'),
    });
    const gone = lab('demo-gone', 'deleted', '2025-03-04T05:30:00Z');
    const failed = lab('demo-failed', 'failed', '2025-03-04T05:40:00Z');

    const reply = homeReply([older, gone, newer, failed], context, { mayDeploy: false });

    expect(reply.visibility).toBe('ephemeral');
    expect(reply.tone).toBe('info');
    expect(reply.title).toBe('Your labs (2)');
    expect(reply.sections).toEqual([
      { type: 'text', text: [{ bold: 'demo-new' }, '  suspended'] },
      {
        type: 'fields',
        fields: [
          { label: 'Template', value: ['esxi8-basic'] },
          { label: 'Cost', value: ['$0.77 so far, $0.08/h'] },
          { label: 'Expires', value: ['in 3h'] },
        ],
      },
      {
        type: 'actions',
        actions: [
          { id: 'lab_extend', label: 'Extend', value: 'demo-new' },
          expect.objectContaining({ id: 'lab_resume', label: 'Resume', value: 'demo-new' }),
          expect.objectContaining({ id: 'lab_teardown', label: 'Tear down', value: 'demo-new' }),
        ],
      },
      { type: 'text', text: [{ bold: 'demo-old' }, '  ready', '  ·  ticket SUP-12'] },
      {
        type: 'fields',
        fields: [
          { label: 'Template', value: ['esxi8-basic'] },
          { label: 'Cost', value: ['$0.77 so far, $0.42/h'] },
          { label: 'Expires', value: ['in 3h'] },
        ],
      },
      expect.objectContaining({ type: 'actions' }),
      { type: 'context', text: [FOOTER] },
    ]);
  });

  it('leaves out the buttons of a lab being torn down', () => {
    const reply = homeReply(
      [lab('demo-1', 'ready', '2025-03-04T05:06:07.089Z', { desired: 'deleted' })],
      context,
      { mayDeploy: false },
    );
    expect(reply.sections.map((s) => s.type)).toEqual(['text', 'fields', 'context']);
    expect(texts(reply.sections)).toEqual([[{ bold: 'demo-1' }, '  tearing down…']]);
  });

  it('offers the deploy form first to who may deploy, and says there is nothing yet', () => {
    const reply = homeReply([], context, { mayDeploy: true });
    expect(reply.title).toBe('Your labs');
    expect(reply.sections).toEqual([
      {
        type: 'actions',
        actions: [{ id: DEPLOY_FORM_ACTION, label: 'Deploy a lab', value: 'new', style: 'primary' }],
      },
      { type: 'text', text: ['You have no live labs.'] },
      { type: 'context', text: [FOOTER] },
    ]);
    expect(DEPLOY_FORM_ACTION).toBe('lab_new');
  });

  it('tells who may not deploy why there is no button', () => {
    expect(homeReply([], context, { mayDeploy: false }).sections).toEqual([
      {
        type: 'text',
        text: ['You have no live labs, and deploying is not open to you; ask a labbot admin.'],
      },
      { type: 'context', text: [FOOTER] },
    ]);
  });

  it('puts the notice of a refused button press on top, and says when the cloud is simulated', () => {
    const reply = homeReply(
      [],
      { ...context, simulated: true },
      {
        mayDeploy: true,
        notice: {
          visibility: 'ephemeral',
          tone: 'error',
          title: 'Lab demo-1 belongs to someone else.',
          sections: [],
        },
      },
    );
    expect(reply.sections[0]).toEqual({
      type: 'text',
      text: [':warning: ', 'Lab demo-1 belongs to someone else.'],
    });
    expect(reply.sections[reply.sections.length - 1]).toEqual({
      type: 'context',
      text: [
        'Billed per minute: CPU and RAM while powered on, storage while the lab exists. Simulated VCD: nothing real is deployed. `/lab help` lists every command.',
      ],
    });
  });

  it('lists the classes the viewer trains under their labs, with how to see each roster', () => {
    const classroom = {
      name: 'vsphere-101',
      trainer: 'U0TRAINER',
      template: 'esxi8',
      startsAt: new Date('2026-11-24T09:00:00Z'),
      endsAt: new Date('2026-11-24T12:00:00Z'),
      createdAt: new Date('2026-11-24T09:00:00Z'),
    };
    const reply = homeReply([], context, {
      mayDeploy: true,
      classes: [classroom, { ...classroom, name: 'nsx-201' }],
    });
    expect(reply.sections.slice(2, 4)).toEqual([
      { type: 'text', text: [{ bold: 'Classes you train (2)' }] },
      {
        type: 'list',
        items: [
          [{ code: 'vsphere-101' }, '  esxi8  until 2026-11-24 12:00 UTC  ·  `/lab class show vsphere-101`'],
          [{ code: 'nsx-201' }, '  esxi8  until 2026-11-24 12:00 UTC  ·  `/lab class show nsx-201`'],
        ],
      },
    ]);
  });
});

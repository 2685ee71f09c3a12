import { type Lab, type LabNetwork } from '../../src/labs/lab';
import { nextStep, type Step } from '../../src/controller/next-step';
import { STEPS } from '../../src/controller/step-table';

/** A lab with only what nextStep reads set; each row below changes the fields its branch depends on. */
function lab(fields: Partial<Lab>): Lab {
  return {
    id: 'demo-4kq',
    kind: 'demo',
    owner: 'U1',
    template: 'esxi8',
    vappName: 'lab-demo-4kq',
    desired: 'running',
    phase: 'requested',
    createdAt: new Date('2026-01-01T08:00:00Z'),
    expiresAt: new Date('2026-01-01T12:00:00Z'),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    ...fields,
  };
}

function network(fields: Partial<LabNetwork>): LabNetwork {
  return {
    edge: 'edge-1',
    esxiVms: ['esxi-1'],
    nicsConfigured: false,
    rulesApplied: false,
    access: [],
    released: false,
    ...fields,
  };
}

const VAPP = 'https://vcd.example.com/api/vApp/vapp-1';
const TASK = 'https://vcd.example.com/api/task/t-1';
const NETWORK_DONE = network({ nicsConfigured: true, publicIp: '203.0.113.7', rulesApplied: true });

/** One row per branch of nextStep, in the order the function tests them. */
const CASES: readonly [string, Partial<Lab>, Step][] = [
  // Terminal phases: nothing more, whatever is desired.
  ['a deleted lab', { phase: 'deleted', desired: 'deleted', vappHref: VAPP }, { kind: 'none' }],
  ['a failed lab', { phase: 'failed', taskHref: TASK }, { kind: 'none' }],
  // A task in flight comes before anything else.
  ['a task in flight', { phase: 'deploying', taskHref: TASK }, { kind: 'await-task', taskHref: TASK }],
  [
    'a task in flight during teardown',
    { phase: 'deleting', desired: 'deleted', vappHref: VAPP, taskHref: TASK },
    { kind: 'await-task', taskHref: TASK },
  ],
  [
    'a capture task in flight',
    { phase: 'capturing', captureName: 'lab-x', vappHref: VAPP, taskHref: TASK },
    { kind: 'await-capture', taskHref: TASK },
  ],
  [
    'a capture that may have been sent, its task not recorded',
    { phase: 'capturing', captureName: 'lab-x', vappHref: VAPP },
    { kind: 'find-capture' },
  ],
  [
    'a capture that may have been sent, even when teardown was asked meanwhile',
    { phase: 'capturing', captureName: 'lab-x', vappHref: VAPP, desired: 'deleted' },
    { kind: 'find-capture' },
  ],
  // Teardown.
  [
    'teardown of a lab whose edge rules and IP are still held',
    { phase: 'ready', desired: 'deleted', vappHref: VAPP, network: NETWORK_DONE },
    { kind: 'release-network' },
  ],
  [
    'teardown once the network is released',
    { phase: 'ready', desired: 'deleted', vappHref: VAPP, network: { ...NETWORK_DONE, released: true } },
    { kind: 'dismantle' },
  ],
  [
    'teardown of a lab without networking',
    { phase: 'suspended', desired: 'deleted', vappHref: VAPP },
    { kind: 'dismantle' },
  ],
  [
    'teardown while deploying with no vApp recorded: instantiate may have been sent, so look the vApp up',
    { phase: 'deploying', desired: 'deleted' },
    { kind: 'find-vapp' },
  ],
  [
    'teardown of a lab that never asked for a vApp',
    { phase: 'requested', desired: 'deleted' },
    { kind: 'close-without-vapp' },
  ],
  // Deploying, towards running or suspended.
  ['a requested lab', { phase: 'requested' }, { kind: 'instantiate' }],
  ['deploying with no vApp recorded', { phase: 'deploying' }, { kind: 'find-vapp' }],
  ['deploying with the vApp recorded', { phase: 'deploying', vappHref: VAPP }, { kind: 'set-metadata' }],
  ['configuring', { phase: 'configuring', vappHref: VAPP }, { kind: 'set-metadata' }],
  ['networking, not started', { phase: 'networking', vappHref: VAPP }, { kind: 'configure-nics' }],
  [
    'networking, NICs not configured',
    { phase: 'networking', vappHref: VAPP, network: network({}) },
    { kind: 'configure-nics' },
  ],
  [
    'networking, NICs done, no public IP',
    { phase: 'networking', vappHref: VAPP, network: network({ nicsConfigured: true }) },
    { kind: 'allocate-ip' },
  ],
  [
    'networking, public IP held, rules not applied',
    {
      phase: 'networking',
      vappHref: VAPP,
      network: network({ nicsConfigured: true, publicIp: '203.0.113.7' }),
    },
    { kind: 'apply-edge-rules' },
  ],
  ['networking done', { phase: 'networking', vappHref: VAPP, network: NETWORK_DONE }, { kind: 'power-on' }],
  ['starting', { phase: 'starting', vappHref: VAPP }, { kind: 'power-on' }],
  ['resuming', { phase: 'resuming', vappHref: VAPP }, { kind: 'power-on' }],
  // Ready.
  [
    'ready after a capture, owner not yet told',
    { phase: 'ready', vappHref: VAPP, captureName: 'lab-x', desired: 'suspended' },
    { kind: 'capture-done' },
  ],
  ['ready, suspend asked', { phase: 'ready', vappHref: VAPP, desired: 'suspended' }, { kind: 'suspend' }],
  ['ready, capture asked', { phase: 'ready', vappHref: VAPP, captureAs: 'mine' }, { kind: 'capture' }],
  ['ready and nothing asked', { phase: 'ready', vappHref: VAPP }, { kind: 'none' }],
  ['suspending', { phase: 'suspending', vappHref: VAPP, desired: 'suspended' }, { kind: 'suspend' }],
  // Suspended.
  [
    'suspended after a capture, owner not yet told',
    { phase: 'suspended', vappHref: VAPP, desired: 'running', captureName: 'lab-x' },
    { kind: 'capture-done' },
  ],
  [
    'suspended, resume asked',
    { phase: 'suspended', vappHref: VAPP, desired: 'running' },
    { kind: 'power-on' },
  ],
  [
    'suspended, capture asked',
    { phase: 'suspended', vappHref: VAPP, desired: 'suspended', captureAs: 'mine' },
    { kind: 'capture' },
  ],
  [
    'suspended and nothing asked',
    { phase: 'suspended', vappHref: VAPP, desired: 'suspended' },
    { kind: 'none' },
  ],
  // Capturing with no capture name yet: power off or send the capture.
  [
    'capturing, nothing sent yet',
    { phase: 'capturing', vappHref: VAPP, captureAs: 'mine' },
    { kind: 'capture' },
  ],
  // A lab being dismantled stays on that path even if the desired state changes.
  ['deleting, desired running again', { phase: 'deleting', vappHref: VAPP }, { kind: 'dismantle' }],
];

describe('nextStep', () => {
  it.each(CASES)('%s', (_name, fields, expected) => {
    expect(nextStep(lab(fields))).toEqual(expected);
  });
});

describe('the step table', () => {
  it('has a handler for exactly the steps nextStep returns in the table above', () => {
    // The compiler already refuses a Step without a handler; this catches a step no row of the table reaches.
    const returned = [...new Set(CASES.map(([, , step]) => step.kind))].sort();
    expect(returned).toEqual(Object.keys(STEPS).sort());
  });
});

import { type Lab } from '../../src/labs/lab';

/** A lab with no optional field set. */
export function minimalLab(overrides: Partial<Lab> = {}): Lab {
  return {
    id: 'demo-4kq',
    kind: 'demo',
    owner: 'U_ALICE',
    template: 'esxi8-basic',
    vappName: 'lab-demo-4kq',
    desired: 'running',
    phase: 'requested',
    createdAt: new Date('2025-03-04T05:06:07.089Z'),
    expiresAt: new Date('2025-03-04T09:06:07.089Z'),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    ...overrides,
  };
}

/** A lab with every optional field set, down to the NICs, with values that test the edges of the mapping. */
export function fullLab(overrides: Partial<Lab> = {}): Lab {
  return {
    id: 'repro-ticket-123',
    kind: 'repro',
    owner: 'U_BOB',
    ticket: 'TICKET-123',
    template: 'esxi8-vcsa',
    vappName: 'lab-repro-ticket-123',
    vappHref: 'https://vcd.example.com/api/vApp/vapp-0b5a5b5e-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
    desired: 'suspended',
    phase: 'suspending',
    taskHref: 'https://vcd.example.com/api/task/7f3e2a10-0000-4000-8000-000000000001',
    channel: 'C0123456',
    messageTs: '1741064767.000200',
    createdAt: new Date('2025-03-04T05:06:07.001Z'),
    readyAt: new Date('2025-03-04T05:19:59.999Z'),
    expiresAt: new Date('2025-03-11T05:06:07.001Z'),
    endedAt: new Date('2025-03-05T00:00:00.000Z'),
    vms: [
      {
        name: 'esxi-01',
        href: 'https://vcd.example.com/api/vApp/vm-11',
        powerState: 'powered_on',
        cpus: 4,
        memoryMb: 16384,
        nics: [
          {
            index: 0,
            network: 'Management',
            mac: '00:50:56:01:02:03',
            ipAddress: '10.0.0.11',
            adapterType: 'VMXNET3',
            connected: true,
          },
          {
            index: 1,
            network: 'VM Network',
            mac: '00:50:56:01:02:04',
            adapterType: 'E1000',
            connected: false,
          },
          { index: 2, network: 'VM Network', mac: '00:50:56:01:02:05', connected: true },
        ],
      },
      {
        name: 'jump',
        href: 'https://vcd.example.com/api/vApp/vm-12',
        powerState: 'suspended',
        cpus: 1,
        memoryMb: 2048,
        nics: [],
      },
    ],
    // Quotes, a newline and non-ASCII survive the JSON and text columns.
    failureReason:
      'deploy of "esxi8-vcsa" failed: quota exceeded\ncleaned up the vApp — nothing left billing',
    spec: { vcpus: 5, memoryGb: 18.5, storageGb: 0.25 },
    extensions: 3,
    // 40 days and a millisecond: past 2^31 ms, so a 32-bit column would overflow.
    poweredOnMs: 40 * 24 * 3600 * 1000 + 1,
    poweredOnSince: new Date('2025-03-04T05:20:00.500Z'),
    lastActivityAt: new Date('2025-03-04T23:59:59.999Z'),
    reapWarnedAt: new Date('2025-03-04T12:00:00.250Z'),
    // Past the lab's expiry: a snooze is stored as given, whatever the policy thinks of it.
    snoozedUntil: new Date('2025-03-12T09:00:00.000Z'),
    keepaliveToken: 'kA-9_zQ7xW2pL0vR5tY8uB3nM6cD1eF4',
    ...overrides,
  };
}

/** A lab at `phase` (and so with what that phase implies recorded: a vApp once deployed, a ready time once ready). */
export function labIn(phase: Lab['phase'], overrides: Partial<Lab> = {}): Lab {
  const deployed = phase !== 'requested';
  return minimalLab({
    phase,
    ...(deployed ? { vappHref: 'https://vcd.example.com/api/vApp/vapp-7' } : {}),
    ...(phase === 'ready' || phase === 'suspended' ? { readyAt: new Date('2025-03-04T05:20:00.000Z') } : {}),
    ...(phase === 'deleted' || phase === 'failed' ? { endedAt: new Date('2025-03-04T06:00:00.000Z') } : {}),
    ...overrides,
  });
}

/** The lab and signals plan-reap's table tests decide on, at one fixed `NOW`. */
import { DEFAULT_POLICY } from '../../src/config/default-policy';
import { type Lab } from '../../src/labs/lab';
import { type LabPolicy } from '../../src/labs/policy';
import { type LabSignal } from '../../src/labs/ports';

export const NOW = new Date('2026-11-24T12:00:00Z');
export const minutesAgo = (m: number): Date => new Date(NOW.getTime() - m * 60_000);

/** The policy without a restore window: the reaper deletes what it would delete at once, as before issue 19. */
export const noWindow: LabPolicy = {
  ...DEFAULT_POLICY,
  reaper: { ...DEFAULT_POLICY.reaper, restoreWindowHours: 0 },
};

/** A ready demo lab, created 200 min before NOW, last used 118 min before it, expiring 2 h after it. */
export function lab(overrides: Partial<Lab> = {}): Lab {
  return {
    id: 'demo-abc',
    kind: 'demo',
    owner: 'U1',
    template: 'esxi8',
    vappName: 'lab-demo-abc',
    vappHref: 'https://vcd/api/vApp/vapp-1',
    desired: 'running',
    phase: 'ready',
    createdAt: minutesAgo(200),
    readyAt: minutesAgo(190),
    expiresAt: new Date(NOW.getTime() + 120 * 60_000),
    vms: [],
    spec: { vcpus: 4, memoryGb: 16, storageGb: 100 },
    extensions: 0,
    poweredOnMs: 0,
    poweredOnSince: minutesAgo(190),
    lastActivityAt: minutesAgo(118),
    ...overrides,
  };
}

/** CPU samples every 5 minutes for the last `minutes`, at `percent`. */
export function cpu(percent: number, minutes = 90, labId = 'demo-abc'): LabSignal[] {
  return Array.from({ length: minutes / 5 }, (_, i) => ({
    labId,
    at: minutesAgo(i * 5),
    kind: 'cpu' as const,
    value: percent,
  }));
}

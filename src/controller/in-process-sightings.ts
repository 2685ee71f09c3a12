import { type ReconcileSightings, type Sighting, type SightingKind } from '../labs/ports';

/**
 * Reconciliation's first sightings kept in this process only: for a controller built without the store's (tests,
 * tools). A restart forgets them, which only delays acts; main wires the store's so replicas share them.
 */
export class InProcessSightings implements ReconcileSightings {
  private readonly seen = new Map<string, Date>();

  sight(kind: SightingKind, subject: string, now: Date): Promise<Sighting> {
    const key = `${kind}\u0000${subject}`;
    const first = this.seen.get(key);
    if (first !== undefined) {
      return Promise.resolve({ at: first, isNew: false });
    }
    this.seen.set(key, now);
    return Promise.resolve({ at: now, isNew: true });
  }

  clear(kind: SightingKind, subject: string): Promise<void> {
    this.seen.delete(`${kind}\u0000${subject}`);
    return Promise.resolve();
  }

  list(kind: SightingKind): Promise<string[]> {
    const prefix = `${kind}\u0000`;
    return Promise.resolve(
      [...this.seen.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length)),
    );
  }
}

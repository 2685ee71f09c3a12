/** Deterministic randomness: everything random in the simulator draws from one injectable source. */

/**
 * mulberry32: a small, fast PRNG with a 32-bit state. Not for cryptography; good enough to pick which call a
 * fault hits, and reproducible from its seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A stable value in [0, 1) for a key, e.g. `${vmId}:cpu:${bucket}`: FNV-1a, then avalanched. Metrics use it instead
 * of the random stream so that reading metrics never changes which call a fault hits.
 */
export function hashUnit(key: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i += 1) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return (h >>> 0) / 4294967296;
}

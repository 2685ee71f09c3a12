import { type Reply } from '../commands/reply';
import { type WorkRhythm } from './work-rhythm';

/** Delivers the reaper's notices: one DM per owner per cycle, and the plan or digest to an ops channel. */
export interface ReaperMessenger {
  /** Never throws; failures are logged by the implementation. */
  dm(user: string, reply: Reply): Promise<void>;
  post(channel: string, reply: Reply): Promise<void>;
}

/**
 * The reaper's persisted working-day profiles (work-rhythm.ts), one per owner and per lab, keyed by `rhythmKey`: a
 * fixed-size record each, replaced every cycle, not a growing history.
 */
export interface WorkRhythmStore {
  /** The stored rhythms of these keys; a key never stored, or stored unreadably, is absent (it starts afresh). */
  load(keys: readonly string[]): Promise<Map<string, WorkRhythm>>;
  /** Stores each rhythm under its key, replacing what was there; `at` is when (for `prune`). */
  save(rhythms: ReadonlyMap<string, WorkRhythm>, at: Date): Promise<void>;
  /** Deletes the rhythms last saved before `before` (owners gone, labs deleted long ago); returns how many. */
  prune(before: Date): Promise<number>;
}

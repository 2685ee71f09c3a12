import { type Reply } from '../commands/reply';

/** Delivers the reaper's notices: one DM per owner per cycle, and the plan or digest to an ops channel. */
export interface ReaperMessenger {
  /** Never throws; failures are logged by the implementation. */
  dm(user: string, reply: Reply): Promise<void>;
  post(channel: string, reply: Reply): Promise<void>;
}

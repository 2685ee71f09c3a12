import { type Reply } from '../commands/reply';
import { type ReaperMessenger } from '../reaper/reaper-ports';
import { renderReplyText } from './render-text';

/** The reaper's notices in the terminal: each DM and channel post printed with its addressee. */
export class ShellMessenger implements ReaperMessenger {
  constructor(private readonly write: (text: string) => void) {}

  dm(user: string, reply: Reply): Promise<void> {
    this.write(`[DM to ${user}]\n${renderReplyText(reply)}`);
    return Promise.resolve();
  }

  post(channel: string, reply: Reply): Promise<void> {
    this.write(`[#${channel}]\n${renderReplyText(reply)}`);
    return Promise.resolve();
  }
}

import { type LabViewContext, labReply } from '../commands/lab-reply';
import { type Lab } from '../labs/lab';
import { type LabEvent, type LabNotifier } from '../labs/ports';
import { renderReplyText } from './render-text';

/** Prints lab progress to the terminal: one line per step, the full lab when it is ready or has ended. */
export class ShellNotifier implements LabNotifier {
  constructor(
    private readonly write: (text: string) => void,
    private readonly view: () => LabViewContext,
  ) {}

  labChanged(lab: Lab, event: LabEvent): Promise<void> {
    switch (event.type) {
      case 'progress':
        this.write(`[${lab.id}] ${event.message}`);
        break;
      case 'ready':
      case 'deleted':
      case 'failed':
      case 'captured':
      case 'capture-failed':
        this.write(renderReplyText(labReply(lab, this.view(), event)));
        break;
    }
    return Promise.resolve();
  }

  tellOwner(lab: Lab, message: string): Promise<void> {
    this.write(`[${lab.id}] to ${lab.owner}: ${message}`);
    return Promise.resolve();
  }

  tellAdmins(message: string): Promise<void> {
    this.write(`[admin] ${message}`);
    return Promise.resolve();
  }
}

import { type Reply } from '../commands/reply';
import { isTerminal, type Lab } from '../labs/lab';
import { type LabEvent, type LabNotifier, type Logger } from '../labs/ports';
import { renderReplyBlocks, type SlackMessage } from './render/render-reply';
import { SLACK_USER_ID } from './render/escape-mrkdwn';
import { NO_METRICS, tracked, type SlackMetrics } from './slack-metrics';
import { slackErrorCode, type SlackWebClient } from './slack-web-client';

/** Runs `callback` once after `delayMs`; returns a function that cancels it. Injected so tests drive time. */
export type Schedule = (callback: () => void, delayMs: number) => () => void;

export interface SlackNotifierOptions {
  client: SlackWebClient;
  logger: Logger;
  /** The lab's message for this event (title, access info, cost…); the notifier only renders and delivers it. */
  describe: (lab: Lab, event: LabEvent) => Reply;
  /** Remembers where the lab's message lives so that updates survive a restart. */
  saveMessageRef: (labId: string, channel: string, ts: string) => Promise<void>;
  /** At most one `chat.update` per lab per interval (Slack suggests ≤ 1 per 3 s). Default 3000. */
  minUpdateIntervalMs?: number;
  /** Milliseconds since the epoch. Default Date.now. */
  clock?: () => number;
  /** Timer for the trailing update of coalesced events. Default: an unref'd setTimeout. */
  schedule?: Schedule;
  /** Slack user ids who get admin notices (adopted or vanished labs) as DMs. */
  admins?: readonly string[];
  /** Reads a lab fresh from the store, for {@link SlackNotifier.refresh}; without it refresh does nothing. */
  loadLab?: (labId: string) => Promise<Lab | undefined>;
  /** Counts Web API calls that failed for good. */
  metrics?: SlackMetrics;
}

/** Events after which the message must show the outcome at once, whatever the throttle says. */
const TERMINAL_EVENTS: ReadonlySet<LabEvent['type']> = new Set([
  'ready',
  'deleted',
  'failed',
  'captured',
  'capture-failed',
]);

/** After these nothing more happens to the lab, so its state here can be dropped. */
const FINAL_EVENTS: ReadonlySet<LabEvent['type']> = new Set(['deleted', 'failed']);

/** chat.postMessage errors meaning "the bot cannot post there", for which the owner gets a DM instead. */
const UNREACHABLE_CHANNEL = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

/** chat.update errors meaning the message is gone or not ours to edit: post a fresh one instead. */
const MESSAGE_GONE = new Set([
  'message_not_found',
  'cant_update_message',
  'channel_not_found',
  'is_archived',
]);

interface MessageRef {
  channel: string;
  ts: string;
}

/** Per-lab delivery state. */
interface LabThread {
  ref?: MessageRef;
  /** When the last post/update was started; undefined until the first one. */
  lastSentAt?: number;
  /** The newest event held back by the throttle; only the newest matters since each message is a full render. */
  pending?: { lab: Lab; event: LabEvent };
  cancelTimer?: () => void;
  /** Deliveries for one lab run one at a time, so an update can never overtake the post that created its ts. */
  queue: Promise<void>;
}

const defaultSchedule: Schedule = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

/**
 * Keeps one Slack message per lab current as the lab moves. The first event posts to the lab's channel (or, when
 * the bot is not in it, DMs the owner) and saves the message ref; later events `chat.update` that message,
 * throttled to one update per interval per lab with intermediate events coalesced into a trailing update, while
 * terminal events (ready, deleted, failed) are delivered at once. Labs without a channel (local shell) are skipped.
 * Rate limits are the Web API client's job (it waits out 429 Retry-After within a bounded retry policy).
 *
 * The lab message is seen by everyone in the conversation, so it never carries credentials or owner-only
 * secrets (passwords, the keep-alive token): those go only in a DM to the owner, or in an ephemeral answer only
 * the owner sees. `describe` must keep to that; this class posts what it is given where the lab lives.
 * Never throws: failures are logged.
 */
export class SlackNotifier implements LabNotifier {
  private readonly threads = new Map<string, LabThread>();
  private readonly interval: number;
  private readonly clock: () => number;
  private readonly schedule: Schedule;
  private readonly logger: Logger;
  private readonly metrics: SlackMetrics;

  constructor(private readonly options: SlackNotifierOptions) {
    this.interval = options.minUpdateIntervalMs ?? 3000;
    this.metrics = options.metrics ?? NO_METRICS;
    this.clock = options.clock ?? Date.now;
    this.schedule = options.schedule ?? defaultSchedule;
    this.logger = options.logger;
  }

  /** Resolves once this event is delivered, or at once when it was coalesced into a later update. Never rejects. */
  labChanged(lab: Lab, event: LabEvent): Promise<void> {
    try {
      if (lab.channel === undefined || lab.channel.length === 0) {
        this.logger.debug({ labId: lab.id, event: event.type }, 'Lab has no Slack channel; not notifying');
        return Promise.resolve();
      }
      const thread = this.thread(lab.id);

      if (TERMINAL_EVENTS.has(event.type)) {
        this.cancelTrailing(thread);
        return this.enqueue(lab.id, thread, lab, event);
      }
      const now = this.clock();
      const due = thread.lastSentAt === undefined ? now : thread.lastSentAt + this.interval;
      if (now >= due && thread.cancelTimer === undefined) {
        return this.enqueue(lab.id, thread, lab, event);
      }
      thread.pending = { lab, event };
      thread.cancelTimer ??= this.schedule(() => this.flushTrailing(lab.id, thread), Math.max(0, due - now));
      return Promise.resolve();
    } catch (error) {
      this.logger.error({ labId: lab.id, err: error }, 'Lab notification failed');
      return Promise.resolve();
    }
  }

  /**
   * Re-renders the lab's message from the store at once, for changes no controller event shows (a new expiry
   * after Extend) and so that a button press shows its effect without waiting for the throttle: people press
   * buttons rarely and expect to see what they did. The refresh queues behind deliveries under way and reads the
   * lab when its turn comes, so it never shows an older state than the message already has. A pending coalesced
   * update is dropped: this one is newer. Resolves once delivered; never rejects.
   */
  refresh(labId: string): Promise<void> {
    const load = this.options.loadLab;
    if (!load) {
      return Promise.resolve();
    }
    const thread = this.thread(labId);
    this.cancelTrailing(thread);
    thread.lastSentAt = this.clock();
    let ended = false;
    const delivery = thread.queue.then(async () => {
      const lab = await load(labId);
      if (!lab || lab.channel === undefined || lab.channel.length === 0) {
        return;
      }
      ended = isTerminal(lab);
      await this.deliver(thread, lab, { type: 'progress', message: 'refreshed' });
    });
    thread.queue = delivery.catch(() => undefined);
    return delivery
      .catch((error: unknown) => this.logger.error({ labId, err: error }, 'Lab message refresh failed'))
      .finally(() => {
        if (ended && this.threads.get(labId) === thread && thread.pending === undefined) {
          this.threads.delete(labId);
        }
      });
  }

  /**
   * DMs every admin (posting to a user id opens the app's DM). Without admins configured the notice is only
   * logged, at warn level, so it is not lost. Never rejects.
   */
  async tellAdmins(message: string): Promise<void> {
    const admins = this.options.admins ?? [];
    if (admins.length === 0) {
      this.logger.warn({ notice: message }, 'Admin notice with no admins configured');
      return;
    }
    const { text, blocks } = renderReplyBlocks({
      visibility: 'ephemeral',
      tone: 'info',
      title: 'labbot admin notice',
      sections: [{ type: 'text', text: [message] }],
    });
    await Promise.all(
      admins.map(async (admin) => {
        try {
          await tracked(this.metrics, 'chat.postMessage', () =>
            this.options.client.chat.postMessage({ channel: admin, text, blocks }),
          );
        } catch (error) {
          this.logger.error({ admin, err: error, code: slackErrorCode(error) }, 'Admin notice failed');
        }
      }),
    );
  }

  /**
   * DMs the lab's owner (posting to a user id opens the app's DM): a scheduled lab running late. Never rejects; an
   * owner without a Slack id (the local shell's) is only logged.
   */
  async tellOwner(lab: Lab, message: string): Promise<void> {
    if (!SLACK_USER_ID.test(lab.owner)) {
      this.logger.warn({ labId: lab.id, notice: message }, 'Owner notice for an owner with no Slack DM');
      return;
    }
    const { text, blocks } = renderReplyBlocks({
      visibility: 'ephemeral',
      tone: 'error',
      title: `Lab ${lab.id} is running late`,
      sections: [{ type: 'text', text: [message] }],
    });
    try {
      await tracked(this.metrics, 'chat.postMessage', () =>
        this.options.client.chat.postMessage({ channel: lab.owner, text, blocks }),
      );
    } catch (error) {
      this.logger.error({ labId: lab.id, err: error, code: slackErrorCode(error) }, 'Owner notice failed');
    }
  }

  /** Cancels pending trailing updates (shutdown). Deliveries already started finish. Never throws. */
  close(): void {
    for (const thread of this.threads.values()) {
      this.cancelTrailing(thread);
    }
  }

  private thread(labId: string): LabThread {
    let thread = this.threads.get(labId);
    if (!thread) {
      thread = { queue: Promise.resolve() };
      this.threads.set(labId, thread);
    }
    return thread;
  }

  private cancelTrailing(thread: LabThread): void {
    thread.cancelTimer?.();
    thread.cancelTimer = undefined;
    thread.pending = undefined;
  }

  private flushTrailing(labId: string, thread: LabThread): void {
    const pending = thread.pending;
    thread.cancelTimer = undefined;
    thread.pending = undefined;
    if (pending) {
      void this.enqueue(labId, thread, pending.lab, pending.event);
    }
  }

  private enqueue(labId: string, thread: LabThread, lab: Lab, event: LabEvent): Promise<void> {
    thread.lastSentAt = this.clock();
    const delivery = thread.queue.then(() => this.deliver(thread, lab, event));
    thread.queue = delivery.catch(() => undefined);
    return delivery
      .catch((error: unknown) =>
        this.logger.error({ labId, event: event.type, err: error }, 'Lab notification failed'),
      )
      .finally(() => {
        if (
          FINAL_EVENTS.has(event.type) &&
          this.threads.get(labId) === thread &&
          thread.pending === undefined
        ) {
          this.threads.delete(labId);
        }
      });
  }

  private async deliver(thread: LabThread, lab: Lab, event: LabEvent): Promise<void> {
    const message = renderReplyBlocks(this.options.describe(lab, event));
    const ref =
      thread.ref ??
      (lab.messageTs !== undefined && lab.channel !== undefined
        ? { channel: lab.channel, ts: lab.messageTs }
        : undefined);
    if (ref) {
      if (await this.update(lab, ref, message)) {
        thread.ref = ref;
        return;
      }
    }
    const posted = await this.post(lab, message);
    if (posted) {
      thread.ref = posted;
    }
  }

  /** True when the message was updated; false when it is gone and a fresh one should be posted. */
  private async update(lab: Lab, ref: MessageRef, message: SlackMessage): Promise<boolean> {
    try {
      await tracked(this.metrics, 'chat.update', () =>
        this.options.client.chat.update({ channel: ref.channel, ts: ref.ts, ...message }),
      );
      return true;
    } catch (error) {
      const code = slackErrorCode(error);
      if (code !== undefined && MESSAGE_GONE.has(code)) {
        this.logger.warn(
          { labId: lab.id, channel: ref.channel, code },
          'Lab message cannot be updated; posting anew',
        );
        return false;
      }
      this.logger.error(
        { labId: lab.id, channel: ref.channel, code, err: error },
        'Could not update lab message',
      );
      return true; // the message still exists; the next event will try again
    }
  }

  private async post(lab: Lab, message: SlackMessage): Promise<MessageRef | undefined> {
    const channel = lab.channel ?? '';
    let ref: MessageRef | undefined;
    try {
      ref = await this.postTo(channel, message);
    } catch (error) {
      const code = slackErrorCode(error);
      if (code === undefined || !UNREACHABLE_CHANNEL.has(code)) {
        this.logger.error({ labId: lab.id, channel, code, err: error }, 'Could not post lab message');
        return undefined;
      }
      if (!SLACK_USER_ID.test(lab.owner)) {
        this.logger.warn(
          { labId: lab.id, channel, code },
          'Bot cannot post in the lab channel and owner has no DM',
        );
        return undefined;
      }
      this.logger.info(
        { labId: lab.id, channel, code },
        'Bot cannot post in the lab channel; messaging the owner',
      );
      try {
        // Posting to a user id lands in the app's DM with that user; Slack answers with the DM channel id.
        ref = await this.postTo(lab.owner, message);
      } catch (dmError) {
        this.logger.error(
          { labId: lab.id, code: slackErrorCode(dmError), err: dmError },
          'Could not DM lab owner',
        );
        return undefined;
      }
    }
    if (!ref) {
      return undefined;
    }
    try {
      await this.options.saveMessageRef(lab.id, ref.channel, ref.ts);
    } catch (error) {
      // The in-memory ref still lets this process update the message; only a restart would post a new one.
      this.logger.error({ labId: lab.id, err: error }, 'Could not save lab message ref');
    }
    return ref;
  }

  private async postTo(channel: string, message: SlackMessage): Promise<MessageRef | undefined> {
    const result = await tracked(this.metrics, 'chat.postMessage', () =>
      this.options.client.chat.postMessage({ channel, ...message, unfurl_links: false }),
    );
    if (result.ts === undefined) {
      this.logger.warn({ channel }, 'chat.postMessage answered without a ts; the message cannot be updated');
      return undefined;
    }
    return { channel: result.channel ?? channel, ts: result.ts };
  }
}

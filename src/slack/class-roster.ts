/**
 * The class roster in Slack: one message per class in the channel it was created from, posted once and then
 * updated with `chat.update` as its labs move (like SlackNotifier's lab message), throttled per class to one update
 * per interval with changes in between coalesced into a trailing update that re-reads the class. Never throws.
 */
import { type Reply } from '../commands/reply';
import { type ClassSeat, type Classroom } from '../labs/class';
import { type Lab } from '../labs/lab';
import { type Logger } from '../labs/ports';
import { renderReplyBlocks, type SlackMessage } from './render/render-reply';
import { type Schedule } from './slack-notifier';
import { slackErrorCode, type SlackWebClient } from './slack-web-client';

export interface ClassRosterOptions {
  client: Pick<SlackWebClient, 'chat'>;
  logger: Logger;
  /** The class as the store has it now. */
  load: (name: string) => Promise<{ classroom: Classroom; seats: ClassSeat[]; labs: Lab[] } | undefined>;
  describe: (classroom: Classroom, seats: readonly ClassSeat[], labs: readonly Lab[]) => Reply;
  /**
   * Remembers the roster message, so that every replica and a restart update it rather than post another: only if
   * the class has none (or still has `replacing`, the one found gone). False when another replica's came first.
   */
  saveRef: (name: string, channel: string, ts: string, replacing?: string) => Promise<boolean>;
  /** Default 3000 (Slack suggests at most one update per 3 s per message). */
  minUpdateIntervalMs?: number;
  clock?: () => number;
  schedule?: Schedule;
}

/** chat.update errors meaning the roster is gone: post a fresh one. */
const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message']);

interface RosterState {
  lastSentAt?: number;
  cancelTimer?: () => void;
  queue: Promise<void>;
}

const defaultSchedule: Schedule = (callback, delayMs) => {
  const timer = setTimeout(callback, delayMs);
  timer.unref();
  return () => clearTimeout(timer);
};

export class SlackClassRoster {
  private readonly states = new Map<string, RosterState>();
  private readonly interval: number;
  private readonly clock: () => number;
  private readonly schedule: Schedule;

  constructor(private readonly options: ClassRosterOptions) {
    this.interval = options.minUpdateIntervalMs ?? 3000;
    this.clock = options.clock ?? Date.now;
    this.schedule = options.schedule ?? defaultSchedule;
  }

  /** Brings the class's roster up to date, now or in a trailing update. Resolves once sent or scheduled. */
  rosterChanged(name: string): Promise<void> {
    let state = this.states.get(name);
    if (!state) {
      state = { queue: Promise.resolve() };
      this.states.set(name, state);
    }
    if (state.cancelTimer !== undefined) {
      // A trailing update is due; it reads the class then, so it shows this change too.
      return Promise.resolve();
    }
    const now = this.clock();
    const due = state.lastSentAt === undefined ? now : state.lastSentAt + this.interval;
    if (now >= due) {
      return this.enqueue(name, state);
    }
    const current = state;
    current.cancelTimer = this.schedule(() => {
      current.cancelTimer = undefined;
      void this.enqueue(name, current);
    }, due - now);
    return Promise.resolve();
  }

  /** Cancels trailing updates (at shutdown). */
  close(): void {
    for (const state of this.states.values()) {
      state.cancelTimer?.();
      state.cancelTimer = undefined;
    }
  }

  private enqueue(name: string, state: RosterState): Promise<void> {
    state.lastSentAt = this.clock();
    state.queue = state.queue
      .then(() => this.deliver(name))
      .catch((error: unknown) => {
        this.options.logger.error({ className: name, err: error }, 'Class roster update failed');
      });
    return state.queue;
  }

  private async deliver(name: string): Promise<void> {
    const loaded = await this.options.load(name);
    const channel = loaded?.classroom.channel;
    if (!loaded || channel === undefined) {
      return;
    }
    const message = renderReplyBlocks(this.options.describe(loaded.classroom, loaded.seats, loaded.labs));
    const ts = loaded.classroom.rosterTs;
    if (ts !== undefined && (await this.update(channel, ts, message))) {
      return;
    }
    const posted = await this.options.client.chat.postMessage({ channel, ...message, unfurl_links: false });
    if (posted.ts === undefined) {
      return;
    }
    const postedIn = posted.channel ?? channel;
    let recorded: boolean;
    try {
      recorded = await this.options.saveRef(name, postedIn, posted.ts, ts);
    } catch (error) {
      // Not recorded, so no replica would ever update it: take it back rather than leave a stale second roster.
      await this.options.client.chat.delete?.({ channel: postedIn, ts: posted.ts }).catch(() => undefined);
      throw error;
    }
    if (recorded) {
      return;
    }
    // Another replica posted the class's roster at the same moment and recorded it first: keep one message in the
    // channel (theirs), and bring it up to date with what this replica saw.
    await this.options.client.chat.delete?.({ channel: postedIn, ts: posted.ts });
    const winner = (await this.options.load(name))?.classroom;
    if (winner?.rosterTs !== undefined && winner.channel !== undefined) {
      await this.update(winner.channel, winner.rosterTs, message);
    }
  }

  /** False when the message is gone and a new one must be posted. */
  private async update(channel: string, ts: string, message: SlackMessage): Promise<boolean> {
    try {
      await this.options.client.chat.update({ channel, ts, ...message });
      return true;
    } catch (error) {
      if (MESSAGE_GONE.has(slackErrorCode(error) ?? '')) {
        return false;
      }
      throw error;
    }
  }
}

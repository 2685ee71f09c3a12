import { PassThrough } from 'node:stream';

/**
 * Collects what the bot writes and resolves waits when a pattern appears, driven by the stream's own data
 * events rather than by timers.
 */
export class OutputWatcher {
  readonly stream = new PassThrough();
  text = '';
  private waiters: { pattern: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor() {
    this.stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      this.waiters = this.waiters.filter((w) => !this.settle(w));
    });
  }

  /** Resolves with the first match of `pattern` in output written after position `from`. */
  waitFor(pattern: RegExp, from = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve) => {
      const waiter = { pattern, from, resolve };
      if (!this.settle(waiter)) {
        this.waiters.push(waiter);
      }
    });
  }

  private settle(waiter: { pattern: RegExp; from: number; resolve: (m: RegExpMatchArray) => void }): boolean {
    const match = this.text.slice(waiter.from).match(waiter.pattern);
    if (match) {
      waiter.resolve(match);
    }
    return match !== null;
  }
}

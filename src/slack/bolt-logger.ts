import { LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { type Logger } from '../labs/ports';

const SEVERITY: Record<LogLevel, number> = {
  [LogLevel.DEBUG]: 10,
  [LogLevel.INFO]: 20,
  [LogLevel.WARN]: 30,
  [LogLevel.ERROR]: 40,
};

/**
 * Adapts our structured Logger to the interface Bolt and web-api log through (`debug(...msg: any[])`). Their
 * messages are free text built at run time; our convention is a static message with fields, so the SDK's text
 * goes into `detail` and any Error into `err` (which pino serialises with its stack and cause).
 * Bolt calls `setLevel` with its `logLevel` option (INFO by default); levels below it are dropped here, which
 * also keeps web-api's DEBUG request-body logging out of our logs.
 */
export class BoltLoggerAdapter implements BoltLogger {
  private level: LogLevel = LogLevel.INFO;
  private name: string | undefined;

  constructor(private readonly logger: Logger) {}

  debug(...msg: unknown[]): void {
    this.write(LogLevel.DEBUG, msg);
  }

  info(...msg: unknown[]): void {
    this.write(LogLevel.INFO, msg);
  }

  warn(...msg: unknown[]): void {
    this.write(LogLevel.WARN, msg);
  }

  error(...msg: unknown[]): void {
    this.write(LogLevel.ERROR, msg);
  }

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  getLevel(): LogLevel {
    return this.level;
  }

  setName(name: string): void {
    this.name = name;
  }

  private write(level: LogLevel, msg: unknown[]): void {
    if (SEVERITY[level] < SEVERITY[this.level]) {
      return;
    }
    const err = msg.find((m): m is Error => m instanceof Error);
    const detail = msg
      .filter((m) => !(m instanceof Error))
      .map((m) => (typeof m === 'string' ? m : safeJson(m)))
      .join(' ');
    const fields = {
      sdk: this.name ?? 'bolt',
      ...(detail.length > 0 ? { detail } : {}),
      ...(err ? { err } : {}),
    };
    this.logger[level](fields, 'Slack SDK log');
  }
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    // Circular structures (requests, sockets) are not worth failing a log line over.
    return String(value);
  }
}

/**
 * The one Logger tests use: every line kept, with the bindings of the child loggers it came through, so a test can
 * assert on what was logged (a retry, a re-login, a ref) and on what never was (a token, a secret).
 * For a logger that says nothing, use `createSilentLogger` from src/observability/logger.ts.
 */
import { type Logger } from '../../src/labs/ports';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

export interface LogLine {
  level: LogLevel;
  message: string;
  /** The line's own fields over the bindings of every `child` it was logged through. */
  fields: Record<string, unknown>;
}

export type RecordingLogger = Logger & { readonly lines: LogLine[] };

export function recordingLogger(
  lines: LogLine[] = [],
  bindings: Record<string, unknown> = {},
): RecordingLogger {
  const write =
    (level: LogLevel) =>
    (fields: object, message: string): void => {
      lines.push({ level, message, fields: { ...bindings, ...(fields as Record<string, unknown>) } });
    };
  return {
    lines,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(lines, { ...bindings, ...more }),
  };
}

/** The messages logged at `level`, in order: the common assertion. */
export function messagesAt(logger: RecordingLogger, level: LogLevel): string[] {
  return logger.lines.filter((line) => line.level === level).map((line) => line.message);
}

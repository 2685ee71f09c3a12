import { type Logger } from '../../src/labs/ports';

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown>;
}

/** A Logger that keeps every entry (with the bindings of its children) for assertions. */
export function recordingLogger(
  entries: LogEntry[] = [],
  bindings: Record<string, unknown> = {},
): Logger & { entries: LogEntry[] } {
  const write =
    (level: LogEntry['level']) =>
    (fields: object, message: string): void => {
      entries.push({ level, message, fields: { ...bindings, ...(fields as Record<string, unknown>) } });
    };
  return {
    entries,
    trace: write('trace'),
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (more) => recordingLogger(entries, { ...bindings, ...more }),
  };
}

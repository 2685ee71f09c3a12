import { type Logger } from '../../src/labs/ports';

export interface LoggedLine {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  fields: object;
  message: string;
}

/** A Logger that keeps what it is told, for asserting on it. */
export function recordingLogger(lines: LoggedLine[] = []): Logger & { lines: LoggedLine[] } {
  const at =
    (level: LoggedLine['level']) =>
    (fields: object, message: string): void => {
      lines.push({ level, fields, message });
    };
  const logger = {
    lines,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    child: () => logger,
  };
  return logger;
}

import { pino, type DestinationStream } from 'pino';
import { type Logger } from '../labs/ports';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

/** Field names whose values never reach a log line. */
const REDACTED_PATHS = [
  'password',
  'token',
  'apiToken',
  'botToken',
  'appToken',
  'signingSecret',
  'authorization',
  '*.password',
  '*.token',
  '*.authorization',
  'headers.authorization',
  'headers["x-vcloud-authorization"]',
  'headers["x-vmware-vcloud-access-token"]',
];

/**
 * Creates the root logger. JSON lines on the given stream (stderr by default, so that the local shell's
 * stdout stays readable). Each component takes `root.child({ component })`.
 */
export function createRootLogger(level: LogLevel, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { app: 'labbot' },
      redact: { paths: REDACTED_PATHS, censor: '*** REDACTED ***' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination ?? pino.destination(2),
  );
}

/** A logger that drops everything, for tests and tools that print their own output. */
export function createSilentLogger(): Logger {
  return pino({ level: 'silent' });
}

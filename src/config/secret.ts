import { type Secret } from './config';

const REDACTED = '*** REDACTED ***';

/** Wraps a secret so that logging, JSON or string conversion of a config never reveals it. */
export function secret(value: string): Secret {
  return Object.freeze({
    reveal: () => value,
    toString: () => REDACTED,
    toJSON: () => REDACTED,
    [Symbol.for('nodejs.util.inspect.custom')]: () => REDACTED,
  });
}

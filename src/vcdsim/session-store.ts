/** Login sessions: legacy `x-vcloud-authorization` tokens and JWT-like bearer tokens, with an idle timeout. */
import { randomBytes, randomUUID } from 'node:crypto';

/** Real VCD's default `SessionTimeoutMinutes` (reference/vcd-api.md section 1.5). */
export const SESSION_IDLE_TIMEOUT_MS = 30 * 60 * 1000;

export type SessionKind = 'legacy' | 'jwt';

export interface SimSession {
  readonly id: string;
  readonly token: string;
  readonly kind: SessionKind;
  readonly userName: string;
  readonly orgName: string;
  lastUsedAt: number;
}

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** Sessions by token. Time comes from the injected clock, so expiry is testable without sleeping. */
export class SessionStore {
  private readonly sessions = new Map<string, SimSession>();
  private openedCount = 0;

  constructor(
    private readonly now: () => number,
    /** Idle time after which a session is gone. */
    readonly idleTimeoutMs = SESSION_IDLE_TIMEOUT_MS,
  ) {}

  /** Opens a session. JWTs are long (govcd tells them from legacy tokens by length > 32). */
  open(kind: SessionKind, userName: string, orgName: string): SimSession {
    const id = randomUUID();
    const token =
      kind === 'legacy'
        ? randomBytes(16).toString('hex')
        : [
            base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' })),
            base64url(
              JSON.stringify({
                sub: userName,
                iss: `${orgName}@vcdsim`,
                sid: id,
                iat: Math.floor(this.now() / 1000),
              }),
            ),
            base64url(randomBytes(32)),
          ].join('.');
    const session: SimSession = { id, token, kind, userName, orgName, lastUsedAt: this.now() };
    this.sessions.set(token, session);
    this.openedCount += 1;
    return session;
  }

  /** The live session for a token, its idle clock restarted; undefined when unknown or idle too long. */
  touch(token: string): SimSession | undefined {
    const session = this.sessions.get(token);
    if (session === undefined) {
      return undefined;
    }
    const now = this.now();
    if (now - session.lastUsedAt > this.idleTimeoutMs) {
      this.sessions.delete(token);
      return undefined;
    }
    session.lastUsedAt = now;
    return session;
  }

  close(token: string): void {
    this.sessions.delete(token);
  }

  /** Ends every session at once, as a cell restart would (for tests of re-login). */
  closeAll(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Logins since start (tests of re-login count them). */
  get opened(): number {
    return this.openedCount;
  }
}

/**
 * A VCD service account (10.4+, API 37.0): its refresh token is single-use. Each exchange at
 * `/oauth/tenant/{org}/token` spends the presented token and answers the next one; a spent token is refused with
 * 400 `invalid_grant` "Invalid refresh token", as VCD does (terraform-provider-vcd#905).
 */
import { randomBytes } from 'node:crypto';

export class ServiceAccountTokens {
  private current: string;
  private readonly spent = new Set<string>();
  private exchangesCount = 0;

  constructor(
    /** The service account's name (VCD names its sessions after it). */
    readonly name: string,
    initialToken: string,
  ) {
    this.current = initialToken;
  }

  /** True when `token` is this account's (current or already spent). */
  owns(token: string): boolean {
    return token === this.current || this.spent.has(token);
  }

  /** Spends the current token and returns the next; undefined when `token` is not the current one (reused or unknown). */
  exchange(token: string): string | undefined {
    if (token !== this.current) {
      return undefined;
    }
    this.spent.add(token);
    this.current = randomBytes(24).toString('base64url');
    this.exchangesCount += 1;
    return this.current;
  }

  /** Exchanges so far (tests count them). */
  get exchanges(): number {
    return this.exchangesCount;
  }

  /** The token that works now (tests play an operator who copies it). */
  get currentToken(): string {
    return this.current;
  }
}

/** Options of a `PingStrikes` policy; see `KeepaliveOptions` for the config keys. */
export interface PingStrikesOptions {
  /** Shortest interval between two client PINGs without data in between that is not a strike, in ms. */
  permitTimeMs: number;
  /** Judge PINGs on a connection with no call in progress by `permitTimeMs` too (else by two hours). */
  permitWithoutCalls: boolean;
  /** Strikes allowed; one more and the client is over the limit. 0 = PINGs are never judged. */
  maxStrikes: number;
}

/**
 * How long a PING must follow the previous one on a connection with no call in progress, when the policy does not
 * permit keepalive without calls: grpc-go's and gRPC C-core's two hours (a client has no reason to keep alive a
 * connection it does not use).
 */
export const pingIntervalWithoutCallsMs = 2 * 60 * 60 * 1000;

/**
 * The ping enforcement of one HTTP/2 connection, as gRPC servers enforce it (grpc-go's `EnforcementPolicy`, C-core's
 * `max_ping_strikes`, grpc-java's `permitKeepAliveTime`): a PING that comes sooner than `permitTimeMs` after the
 * previous one — or sooner than two hours when no call is in progress and `permitWithoutCalls` is false — is a strike,
 * unless the server has sent data since; past `maxStrikes` strikes the client is over the limit and gets GOAWAY
 * ENHANCE_YOUR_CALM "too_many_pings". Pure: the caller says what time it is and what happened.
 */
export class PingStrikes {
  readonly #options: PingStrikesOptions;
  // Invariant: #lastPingAt is undefined until the first PING, and again after each reset (the next PING is free).
  #lastPingAt: number | undefined;
  #strikes = 0;

  constructor(options: PingStrikesOptions) {
    this.#options = options;
  }

  /** The server sent data or headers: strikes so far are forgiven and the next PING is not judged. */
  reset(): void {
    this.#lastPingAt = undefined;
    this.#strikes = 0;
  }

  /** Judges a PING received at `now` (ms) with `activeCalls` streams open; true when the client is over the limit. */
  onPing(now: number, activeCalls: number): boolean {
    const { permitTimeMs, permitWithoutCalls, maxStrikes } = this.#options;
    const minInterval = activeCalls > 0 || permitWithoutCalls ? permitTimeMs : pingIntervalWithoutCallsMs;
    if (this.#lastPingAt !== undefined && now - this.#lastPingAt < minInterval) this.#strikes++;
    this.#lastPingAt = now;
    return maxStrikes > 0 && this.#strikes > maxStrikes;
  }

  /** Strikes counted since the last reset. */
  get strikes(): number {
    return this.#strikes;
  }
}

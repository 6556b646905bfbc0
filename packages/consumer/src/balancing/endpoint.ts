import type { EndpointConnection } from "../endpoint-connection.js";
import type { BalancedEndpoint } from "./picker.js";

/**
 * An endpoint's health as the consumer knows it:
 * - "connecting": not known yet — its health Watch has not answered (first connection, or after its connection was
 *   lost); calls wait for it rather than fail while no endpoint is serving;
 * - "serving": in rotation (health SERVING, or a provider without a health service, or health checking off);
 * - "not_serving": its health service says NOT_SERVING (offline, shutting down);
 * - "service_unknown": its health service does not know the service;
 * - "unreachable": no connection could be made (or the health Watch failed with an error).
 * Only "serving" endpoints that are not ejected are in rotation.
 */
export type EndpointHealth = "connecting" | "serving" | "not_serving" | "service_unknown" | "unreachable";

/** A snapshot of one endpoint, for `Consumer.endpoints()`: where it is, its state and its calls. */
export interface EndpointStats {
  /** The address dialled: `ip:port` for a resolved name, else `host:port`. */
  address: string;
  /** The `:authority` of its calls (the name the consumer was given, with its port). */
  authority: string;
  health: EndpointHealth;
  /** Ejected by outlier detection (after consecutive UNAVAILABLE failures) until `ejectedUntil` (epoch ms). */
  ejected: boolean;
  ejectedUntil?: number;
  /** Whether new calls can be sent to it: serving and not ejected. */
  inRotation: boolean;
  /** Unary calls on it now. */
  inFlight: number;
  /** Attempts sent to it (unary attempts and streams), since the consumer first resolved it. */
  calls: number;
  /** Attempts that failed with UNAVAILABLE (a refused or lost connection, or the provider's status). */
  failures: number;
  /** UNAVAILABLE failures since its last successful call. */
  consecutiveFailures: number;
  /** How many times it was ejected. */
  ejections: number;
  /** Why it last left the "serving" state, if it did: the health status or the connection error. */
  lastError?: string;
}

/**
 * One endpoint of a target: an address, the connection to it, its health and its counters. The cluster of the target
 * owns it and is the only writer of `health` and `ejectedUntil`; the picking transport updates the counters.
 *
 * Invariants: `ejectedUntil === undefined` iff not ejected; `inFlight >= 0`;
 * `consecutiveFailures` counts UNAVAILABLE attempts since the last attempt that got an answer from the provider.
 */
export class Endpoint implements BalancedEndpoint {
  health: EndpointHealth;
  ejectedUntil: number | undefined;
  inFlight = 0;
  calls = 0;
  failures = 0;
  consecutiveFailures = 0;
  /** Ejections since the last successful call: the exponent of the next ejection's backoff. */
  ejectionsInARow = 0;
  ejections = 0;
  /** Failed connection attempts since the last successful call: the exponent of a hold-down (no health checking). */
  connectFailuresInARow = 0;
  lastError: string | undefined;

  constructor(
    readonly address: string,
    readonly authority: string,
    readonly connection: EndpointConnection,
    initial: EndpointHealth,
  ) {
    this.health = initial;
  }

  get inRotation(): boolean {
    return this.health === "serving" && this.ejectedUntil === undefined;
  }

  stats(): EndpointStats {
    return {
      address: this.address,
      authority: this.authority,
      health: this.health,
      ejected: this.ejectedUntil !== undefined,
      ...(this.ejectedUntil !== undefined ? { ejectedUntil: this.ejectedUntil } : {}),
      inRotation: this.inRotation,
      inFlight: this.inFlight,
      calls: this.calls,
      failures: this.failures,
      consecutiveFailures: this.consecutiveFailures,
      ejections: this.ejections,
      ...(this.lastError !== undefined ? { lastError: this.lastError } : {}),
    };
  }
}

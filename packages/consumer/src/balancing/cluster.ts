import { Code, ConnectError } from "@connectrpc/connect";
import { type Attempt, type Call, timeLeftMs } from "../call.js";
import { classifyFailure, connectionFailureOf } from "../classify-failure.js";
import type { ClientTls } from "../client-tls.js";
import type { ConnectionPool } from "../connection-pool.js";
import { Endpoint, type EndpointHealth, type EndpointStats } from "./endpoint.js";
import { type HealthWatch, startHealthWatch } from "./health-watcher.js";
import { NoEndpointError } from "./no-endpoint-error.js";
import { type OutlierDetectionOptions, OutlierDetector } from "./outlier-detection.js";
import type { Balancer, Picker } from "./picker.js";
import { addressKey, type NameResolver, type ResolvedAddress, type ResolverListener } from "./resolver.js";

/** A change of one endpoint of a target, for `ConsumerOptions.onEndpointChange`. */
export interface EndpointChange {
  /** The target, `host:port`. */
  target: string;
  /** "added"/"removed": the resolver found it / no longer finds it; "changed": its health or ejection changed. */
  kind: "added" | "removed" | "changed";
  endpoint: EndpointStats;
}

/** Options of a `Cluster`. */
export interface ClusterOptions {
  /** The target's name in messages, `host:port`. */
  name: string;
  /** Starts the target's resolver, which reports to the cluster (possibly during this call). */
  resolve(listener: ResolverListener): NameResolver;
  balancer: Balancer;
  pool: ConnectionPool;
  /** The service name whose health is watched on every endpoint; undefined = no health checking. */
  healthServiceName: string | undefined;
  /** Eject endpoints after consecutive UNAVAILABLE failures; undefined = never. */
  outlierDetection: OutlierDetectionOptions | undefined;
  /**
   * Without health checking: take an endpoint out of rotation for a while (1 s doubling up to 30 s) when connecting to
   * it fails. Off for mesh mode's single address, whose calls should keep trying the one name.
   */
  holdDownOnConnectFailure: boolean;
  /** Connect to every endpoint with TLS, verified against the address's host name. Default cleartext. */
  tls?: ClientTls;
  onEndpointChange?: (change: EndpointChange) => void;
}

/** What a call gets from the current pick state: an endpoint, or "wait", or a failure. */
type PickState =
  | { kind: "ready"; ready: readonly Endpoint[]; picker: Picker<Endpoint> }
  | { kind: "queue" }
  | { kind: "fail"; error: ConnectError };

const healthLabel: Record<EndpointHealth, string> = {
  connecting: "connecting",
  serving: "serving",
  not_serving: "NOT_SERVING",
  service_unknown: "SERVICE_UNKNOWN",
  unreachable: "unreachable",
};

/**
 * The endpoints of one target and the picker over them (grpc-js's resolving and load-balancing channel state in one
 * place): the resolver's addresses become endpoints, each with a connection and a health Watch; every change of the
 * set, of a health or of an ejection publishes a new immutable pick state — a Picker over the endpoints in rotation,
 * or "queue" while nothing is known yet, or a fail-fast UNAVAILABLE when everything known is down. Calls report their
 * outcome back (`callSucceeded`/`callFailed`) for outlier detection and connection-failure handling.
 *
 * Invariants: `#endpoints` holds exactly the last resolved addresses (the previous ones while resolution fails);
 * each endpoint in it has one pool connection held, and a health watch iff `healthServiceName` is set; `#state` is
 * rebuilt (`#publish`) after every change of the set, a health or an ejection, and only then.
 */
export class Cluster implements ResolverListener {
  readonly name: string;
  readonly #options: ClusterOptions;
  readonly #endpoints = new Map<string, Endpoint>();
  readonly #watches = new Map<Endpoint, HealthWatch>();
  readonly #timers = new Map<Endpoint, Set<NodeJS.Timeout>>();
  readonly #waiters = new Set<() => void>();
  readonly #resolver: NameResolver;
  readonly #outliers: OutlierDetector<Endpoint> | undefined;
  #state: PickState = { kind: "queue" };
  /** Whether the resolver has reported at all (addresses or an error). */
  #resolved = false;
  #resolutionError: Error | undefined;
  #closed = false;

  constructor(options: ClusterOptions) {
    this.name = options.name;
    this.#options = options;
    this.#outliers = options.outlierDetection
      ? new OutlierDetector(options.outlierDetection, {
          endpoints: () => this.#endpoints.values(),
          changed: (endpoint) => {
            this.#publish();
            this.#emit("changed", endpoint);
          },
        })
      : undefined;
    this.#resolver = options.resolve(this);
  }

  /**
   * The endpoint for a call now, or what to do instead: wait for a change ("queue") or fail. With `avoid` (the
   * endpoints earlier attempts of the call went to, `Attempt.tried`) an endpoint outside it is preferred while one is
   * in rotation, as Envoy's `previous_hosts` retry predicate does: the picker is asked again, up to once per endpoint
   * in rotation, then the first one not avoided is taken; when every endpoint is avoided, the picker's choice stands.
   */
  pick(avoid?: readonly string[]): Endpoint | { kind: "queue" } | { kind: "fail"; error: ConnectError } {
    const state = this.#state;
    if (state.kind !== "ready") return state;
    const first = state.picker.pick();
    if (avoid === undefined || !avoid.includes(first.address)) return first;
    for (let i = 1; i < state.ready.length; i++) {
      const again = state.picker.pick();
      if (!avoid.includes(again.address)) return again;
    }
    return state.ready.find((e) => !avoid.includes(e.address)) ?? first;
  }

  /**
   * Waits until a pick (avoiding `avoid`, as `pick`) succeeds or fails: the pick state changes, the call's signal
   * aborts (CANCELED), or its deadline passes (DEADLINE_EXCEEDED naming the target and the endpoints' states).
   */
  waitForEndpoint(call: Pick<Call, "signal" | "deadline" | "timeoutMs">, avoid?: readonly string[]): Promise<Endpoint> {
    const { signal } = call;
    return new Promise<Endpoint>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = (error: unknown, endpoint?: Endpoint) => {
        this.#waiters.delete(check);
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (endpoint) resolve(endpoint);
        else reject(error);
      };
      const check = () => {
        const picked = this.pick(avoid);
        if (picked instanceof Endpoint) finish(undefined, picked);
        else if (picked.kind === "fail") finish(picked.error);
      };
      const onAbort = () => finish(ConnectError.from(signal?.reason, Code.Canceled));
      if (signal?.aborted) return onAbort();
      this.#waiters.add(check);
      signal?.addEventListener("abort", onAbort, { once: true });
      const left = timeLeftMs(call);
      if (left !== undefined) {
        timer = setTimeout(() => {
          const message = `deadline of ${call.timeoutMs} ms exceeded waiting for an endpoint of ${this.name} (${this.#describe()})`;
          finish(new ConnectError(message, Code.DeadlineExceeded));
        }, left);
      }
      check();
    });
  }

  /** A snapshot of every endpoint. */
  stats(): EndpointStats[] {
    return [...this.#endpoints.values()].map((e) => e.stats());
  }

  /** A call on `endpoint` got a response (any status but UNAVAILABLE counts as the provider answering). */
  callSucceeded(endpoint: Endpoint): void {
    endpoint.consecutiveFailures = 0;
    endpoint.connectFailuresInARow = 0;
    this.#outliers?.succeeded(endpoint);
  }

  /**
   * An attempt on `endpoint` failed: count it for outlier detection, and act on a failed connection. `attempt` is
   * the attempt's report (how far it got).
   */
  callFailed(endpoint: Endpoint, reason: unknown, attempt: Attempt): void {
    const connection = connectionFailureOf(reason, attempt);
    if (connection !== undefined) {
      this.#resolver.requestResolution();
      if (connection === "connect") this.#connectFailed(endpoint, reason);
    }
    const code = classifyFailure(reason, attempt).error.code;
    if (code === Code.Unavailable) {
      endpoint.failures++;
      endpoint.consecutiveFailures++;
      this.#outliers?.failed(endpoint);
    } else if (code !== Code.DeadlineExceeded && code !== Code.Canceled) {
      this.callSucceeded(endpoint); // a status from the provider: it is there and answering
    }
  }

  /** Stops the resolver, the health watches and the timers, and lets go of the connections. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#resolver.close();
    this.#outliers?.close();
    for (const endpoint of [...this.#endpoints.values()]) this.#remove(endpoint);
    this.#state = { kind: "fail", error: new ConnectError(`consumer closed (target ${this.name})`, Code.Canceled) };
    for (const wake of [...this.#waiters]) wake();
  }

  onAddresses(addresses: ResolvedAddress[]): void {
    if (this.#closed) return;
    this.#resolved = true;
    this.#resolutionError = undefined;
    const keys = new Set<string>();
    for (const address of addresses) {
      const key = addressKey(address);
      keys.add(key);
      if (!this.#endpoints.has(key)) this.#add(key, address);
    }
    for (const [key, endpoint] of this.#endpoints) if (!keys.has(key)) this.#remove(endpoint);
    this.#publish();
  }

  onError(error: Error): void {
    if (this.#closed) return;
    this.#resolved = true;
    this.#resolutionError = error;
    this.#publish();
  }

  #add(key: string, address: ResolvedAddress): void {
    const connection = this.#options.pool.acquire(address.url, address.ip, this.#options.tls);
    const watched = this.#options.healthServiceName;
    const endpoint = new Endpoint(key, address.url.host, connection, watched === undefined ? "serving" : "connecting");
    this.#endpoints.set(key, endpoint);
    if (watched !== undefined) {
      const watch = startHealthWatch({
        connection,
        serviceName: watched,
        report: (health, reason) => this.#setHealth(endpoint, health, reason),
        onConnectFailure: () => this.#resolver.requestResolution(),
      });
      this.#watches.set(endpoint, watch);
    }
    this.#emit("added", endpoint);
  }

  #remove(endpoint: Endpoint): void {
    this.#endpoints.delete(endpoint.address);
    this.#watches.get(endpoint)?.close();
    this.#watches.delete(endpoint);
    for (const timer of this.#timers.get(endpoint) ?? []) clearTimeout(timer);
    this.#timers.delete(endpoint);
    this.#outliers?.forget(endpoint);
    this.#options.pool.release(endpoint.connection);
    if (!this.#closed) this.#emit("removed", endpoint);
  }

  #setHealth(endpoint: Endpoint, health: EndpointHealth, reason?: string): void {
    if (this.#closed || this.#endpoints.get(endpoint.address) !== endpoint || endpoint.health === health) return;
    endpoint.health = health;
    if (health !== "serving" && reason !== undefined) endpoint.lastError = reason;
    this.#publish();
    this.#emit("changed", endpoint);
  }

  /** Connecting to `endpoint` failed during a call: re-check it (health Watch) or hold it down for a while. */
  #connectFailed(endpoint: Endpoint, reason: unknown): void {
    const watch = this.#watches.get(endpoint);
    if (watch) {
      watch.reprobe();
      return;
    }
    if (!this.#options.holdDownOnConnectFailure || endpoint.health !== "serving") return;
    endpoint.connectFailuresInARow++;
    const ms = Math.min(30_000, 1000 * 2 ** (endpoint.connectFailuresInARow - 1));
    this.#setHealth(endpoint, "unreachable", ConnectError.from(reason).rawMessage);
    this.#after(endpoint, ms, () => this.#setHealth(endpoint, "serving"));
  }

  /** Runs `fn` after `ms` unless the endpoint is removed (or the cluster closed) first. */
  #after(endpoint: Endpoint, ms: number, fn: () => void): void {
    const timers = this.#timers.get(endpoint) ?? new Set<NodeJS.Timeout>();
    this.#timers.set(endpoint, timers);
    const timer = setTimeout(() => {
      timers.delete(timer);
      fn();
    }, ms);
    timer.unref();
    timers.add(timer);
  }

  /** Builds the pick state from the endpoints (keeping the picker when the set in rotation is unchanged). */
  #publish(): void {
    if (this.#closed) return;
    const ready = [...this.#endpoints.values()].filter((e) => e.inRotation);
    const previous = this.#state;
    if (ready.length > 0) {
      if (previous.kind === "ready" && sameMembers(previous.ready, ready)) return;
      this.#state = { kind: "ready", ready, picker: this.#options.balancer.picker(ready) };
    } else if (!this.#resolved || [...this.#endpoints.values()].some((e) => e.health === "connecting")) {
      this.#state = { kind: "queue" };
    } else {
      this.#state = { kind: "fail", error: this.#noEndpoint() };
    }
    for (const wake of [...this.#waiters]) wake();
  }

  #noEndpoint(): ConnectError {
    const cause =
      this.#endpoints.size === 0
        ? new NoEndpointError(
            this.name,
            `no endpoint for ${this.name}: ${this.#resolutionError?.message ?? "the resolver found no address"}`,
            { cause: this.#resolutionError },
          )
        : new NoEndpointError(this.name, `no healthy endpoint for ${this.name} (${this.#describe()})`);
    return new ConnectError(cause.message, Code.Unavailable, undefined, undefined, cause);
  }

  /** "3 known: 2 NOT_SERVING, 1 ejected; last error: ..." */
  #describe(): string {
    const counts = new Map<string, number>();
    let lastError: string | undefined;
    for (const e of this.#endpoints.values()) {
      const label = e.ejectedUntil !== undefined ? "ejected" : healthLabel[e.health];
      counts.set(label, (counts.get(label) ?? 0) + 1);
      if (e.health === "unreachable") lastError ??= e.lastError;
    }
    const parts = [...counts].map(([label, n]) => `${n} ${label}`).join(", ");
    return `${this.#endpoints.size} known: ${parts}${lastError ? `; ${lastError}` : ""}`;
  }

  #emit(kind: EndpointChange["kind"], endpoint: Endpoint): void {
    const listener = this.#options.onEndpointChange;
    if (!listener) return;
    try {
      listener({ target: this.name, kind, endpoint: endpoint.stats() });
    } catch {
      // A listener's failure is its own; the cluster's state is already consistent.
    }
  }
}

function sameMembers(a: readonly Endpoint[], b: readonly Endpoint[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i]);
}

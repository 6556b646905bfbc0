import { Counter } from "./counter.js";
import { Gauge } from "./gauge.js";
import { defaultDurationBuckets, Histogram } from "./histogram.js";
import { MetricsRegistry } from "./metrics-registry.js";

/** Options of RpcMetrics. */
export interface RpcMetricsOptions {
  /** The registry to add the RPC families to. Default: a new one, readable through `registry`. */
  registry?: MetricsRegistry;
  /** Upper bounds of the duration histogram, in seconds. Default defaultDurationBuckets (1 ms to 10 s). */
  durationBuckets?: readonly number[];
  /** The clock, in seconds. Default `performance.now() / 1000`; tests inject a fake one. */
  now?: () => number;
}

/**
 * Completes a call started with RpcMetrics.recordStart. Pass the gRPC status code name (`OK`, `NOT_FOUND`, ...).
 * Only the first call counts; later ones are ignored.
 */
export type RpcCompletion = (code: string) => void;

/**
 * RpcMetrics records server-side RPCs as three Prometheus families:
 * `dubbo_rpc_requests_total{service,method,code}` (counter), `dubbo_rpc_duration_seconds{service,method}`
 * (histogram) and `dubbo_rpc_in_flight{service,method}` (gauge).
 *
 * @example
 * const metrics = new RpcMetrics();
 * const done = metrics.recordStart("greet.v1.GreeterService", "Greet");
 * // ... handle the call ...
 * done("OK");
 * metrics.render(); // Prometheus text, for the QOS `metrics` command
 */
export class RpcMetrics {
  /** The registry holding the three families; add application families to it too. */
  readonly registry: MetricsRegistry;
  readonly #requests: Counter;
  readonly #duration: Histogram;
  readonly #inFlight: Gauge;
  readonly #now: () => number;

  /** Creates the three families and registers them. */
  constructor(options: RpcMetricsOptions = {}) {
    this.registry = options.registry ?? new MetricsRegistry();
    this.#now = options.now ?? (() => performance.now() / 1000);
    this.#requests = this.registry.register(
      new Counter({
        name: "dubbo_rpc_requests_total",
        help: "RPCs completed, by service, method and gRPC status code.",
        labelNames: ["service", "method", "code"],
      }),
    );
    this.#duration = this.registry.register(
      new Histogram({
        name: "dubbo_rpc_duration_seconds",
        help: "RPC duration in seconds, from the start of the call to its status.",
        labelNames: ["service", "method"],
        buckets: options.durationBuckets ?? defaultDurationBuckets,
      }),
    );
    this.#inFlight = this.registry.register(
      new Gauge({
        name: "dubbo_rpc_in_flight",
        help: "RPCs started and not yet completed.",
        labelNames: ["service", "method"],
      }),
    );
  }

  /**
   * recordStart counts a call as in flight and returns the function that completes it with a gRPC code name,
   * recording its count and duration.
   */
  recordStart(service: string, method: string): RpcCompletion {
    const labels = [service, method] as const;
    const begin = this.#now();
    this.#inFlight.inc(labels);
    let done = false;
    return (code: string) => {
      if (done) {
        return;
      }
      done = true;
      this.#inFlight.dec(labels);
      this.#requests.inc([service, method, code]);
      this.#duration.observe(labels, Math.max(0, this.#now() - begin));
    };
  }

  /** inFlight reads the number of calls of one method currently in flight. */
  inFlight(service: string, method: string): number {
    return this.#inFlight.value([service, method]);
  }

  /** render returns every family of the registry in the Prometheus text format 0.0.4. */
  render(): string {
    return this.registry.render();
  }
}

/** createRpcMetrics returns a new RpcMetrics; see RpcMetrics. */
export function createRpcMetrics(options: RpcMetricsOptions = {}): RpcMetrics {
  return new RpcMetrics(options);
}

import type { RpcFailureKind } from "./rpc-outcome.js";
import { type RpcMeter, RpcSeries, type SeriesLabels } from "./rpc-series.js";
import type { RtWindowOptions } from "./rt-window.js";

/**
 * Completes a call started with `recordStart`: pass its gRPC status code and, when the engine knows better than the
 * code, the kind of failure (see RpcMeter.end). Only the first call counts; later ones are ignored.
 */
export type RpcCompletion = (code: number | string, kind?: RpcFailureKind) => void;

/**
 * RpcMetrics is what a provider or consumer engine records calls through: the RpcMeter of the call's (service,
 * method, version, group), started once per call (per call, not per attempt, on a consumer) and ended once. Cheap by
 * design: the series is found through nested maps (the last one without a lookup) and updated with a few additions;
 * labels are never hashed on the call path, and nothing is allocated per call.
 *
 * @example
 * const meter = metrics.meter("greet.v1.GreeterService", "Greet", "1.0.0");
 * const startedAt = meter.start();
 * // ... serve the call ...
 * meter.end(startedAt, Code.NotFound);
 */
export interface RpcMetrics {
  /**
   * meter returns the RpcMeter of a (service, method, version, group), created on first use. `version` and `group`
   * are the service's own (for a provider: the registration's that serves the call, not what a caller asked for).
   */
  meter(service: string, method: string, version?: string, group?: string): RpcMeter;
}

/**
 * recordStart starts a call on `metrics` and returns its completion, which counts only the first time it is called:
 * for a caller with no call object of its own to keep the start time on (a stream wrapper, an interceptor). An engine
 * that has one keeps the meter and the start time instead (RpcMetrics.meter), and allocates nothing.
 */
export function recordStart(
  metrics: RpcMetrics,
  service: string,
  method: string,
  version?: string,
  group?: string,
): RpcCompletion {
  const meter = metrics.meter(service, method, version, group);
  const startedAt = meter.start();
  let open = true;
  return (code, kind) => {
    if (!open) return;
    open = false;
    meter.end(startedAt, code, kind);
  };
}

/** More (version, group) variants than this per method are folded into one series labelled `other`. */
const maxVariantsPerMethod = 64;

/** The series of one (service, method): the one without version and group, and the others by version then group. */
class MethodSeries {
  plain: RpcSeries | undefined;
  readonly variants = new Map<string, Map<string, RpcSeries>>();
  variantCount = 0;
  /** Where variants past maxVariantsPerMethod go. */
  overflow: RpcSeries | undefined;
}

/** What a SideRecorder needs: the fixed labels, the clock, the histogram bounds and window. */
export interface SideRecorderOptions {
  /** Labels every series carries: application_name, application_version, hostname, ip. */
  readonly baseLabels: SeriesLabels;
  /** Monotonic clock in ms. */
  readonly now: () => number;
  /** Upper bounds of the response-time histogram, ms. */
  readonly rtBucketsMs: readonly number[];
  readonly window: RtWindowOptions;
}

/** SideRecorder is the RpcMetrics of one side (provider or consumer): its series, found (and created) per call. */
export class SideRecorder implements RpcMetrics {
  /** Every series, in creation order, for the exposition. */
  readonly series: RpcSeries[] = [];
  readonly #byService = new Map<string, Map<string, MethodSeries>>();
  readonly #options: SideRecorderOptions;
  #last: RpcSeries | undefined;
  #lastKey: readonly [string, string, string, string] = ["", "", "", ""];

  /** Creates a side with no series yet. */
  constructor(options: SideRecorderOptions) {
    this.#options = options;
  }

  /** See RpcMetrics.meter. */
  meter(service: string, method: string, version?: string, group?: string): RpcSeries {
    const v = version ?? "";
    const g = group ?? "";
    // The series of the last call, again: a provider or consumer busy with one method finds it without a lookup.
    const last = this.#last;
    if (
      last !== undefined &&
      service === this.#lastKey[0] &&
      method === this.#lastKey[1] &&
      v === this.#lastKey[2] &&
      g === this.#lastKey[3]
    ) {
      return last;
    }
    const series = this.#find(service, method, v, g);
    this.#last = series;
    this.#lastKey = [service, method, v, g];
    return series;
  }

  /** peek returns the series of (service, method, version, group) if it has had a call, without creating it. */
  peek(service: string, method: string, version = "", group = ""): RpcSeries | undefined {
    const entry = this.#byService.get(service)?.get(method);
    if (version === "" && group === "") return entry?.plain;
    return entry?.variants.get(version)?.get(group);
  }

  /** now reads this side's clock (ms), for reading the windows at the same time base. */
  now(): number {
    return this.#options.now();
  }

  #find(service: string, method: string, version: string, group: string): RpcSeries {
    let methods = this.#byService.get(service);
    if (methods === undefined) {
      methods = new Map();
      this.#byService.set(service, methods);
    }
    let entry = methods.get(method);
    if (entry === undefined) {
      entry = new MethodSeries();
      methods.set(method, entry);
    }
    if (version === "" && group === "") {
      entry.plain ??= this.#create(service, method, "", "");
      return entry.plain;
    }
    let groups = entry.variants.get(version);
    let found = groups?.get(group);
    if (found !== undefined) return found;
    if (entry.variantCount >= maxVariantsPerMethod) {
      // A bounded number of series whatever callers send: the rest share one.
      entry.overflow ??= this.#create(service, method, "other", "other");
      return entry.overflow;
    }
    if (groups === undefined) {
      groups = new Map();
      entry.variants.set(version, groups);
    }
    found = this.#create(service, method, version, group);
    groups.set(group, found);
    entry.variantCount++;
    return found;
  }

  #create(service: string, method: string, version: string, group: string): RpcSeries {
    const { baseLabels, rtBucketsMs, window, now } = this.#options;
    const labels = { ...baseLabels, interface: service, method, group, version };
    const series = new RpcSeries(labels, rtBucketsMs, window, now);
    this.series.push(series);
    return series;
  }
}

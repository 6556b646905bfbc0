import { outcomeOf, type RpcFailureKind } from "./rpc-outcome.js";
import { RpcSeries, type SeriesLabels } from "./rpc-series.js";
import type { RtWindowOptions } from "./rt-window.js";

/**
 * Completes a call started with RpcMetrics.recordStart: pass its gRPC status code, as a number (`Code.NotFound`) or
 * a name (`OK`, `NotFound`, `NOT_FOUND`), and, when the engine knows better than the code, the kind of failure
 * (`business` when the handler threw, `codec` when a message failed to (de)serialize, ...; see RpcFailureKind).
 * Only the first call counts; later ones are ignored.
 */
export type RpcCompletion = (code: number | string, kind?: RpcFailureKind) => void;

/**
 * RpcMetrics is what a provider or consumer engine records calls through: `recordStart` once per call (per call,
 * not per attempt, on a consumer), then the returned completion once. Cheap by design: the series of a (service,
 * method, version, group) is found through nested maps and updated with a few additions; labels are never hashed on
 * the call path.
 *
 * @example
 * const done = metrics.provider.recordStart("greet.v1.GreeterService", "Greet", "1.0.0");
 * // ... serve the call ...
 * done(Code.NotFound);
 */
export interface RpcMetrics {
  /**
   * recordStart counts a call as started and processing and returns its completion. `version` and `group` are the
   * service's own (for a provider: the registration's that serves the call, not what a caller asked for).
   */
  recordStart(service: string, method: string, version?: string, group?: string): RpcCompletion;
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

/** SideRecorder is the RpcMetrics of one side (provider or consumer): its series, found and created per call. */
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

  /** See RpcMetrics.recordStart. */
  recordStart(service: string, method: string, version?: string, group?: string): RpcCompletion {
    const v = version ?? "";
    const g = group ?? "";
    // The series of the last call, again: a provider or consumer busy with one method finds it without a lookup.
    let series = this.#last;
    if (
      series === undefined ||
      service !== this.#lastKey[0] ||
      method !== this.#lastKey[1] ||
      v !== this.#lastKey[2] ||
      g !== this.#lastKey[3]
    ) {
      series = this.#find(service, method, v, g);
      this.#last = series;
      this.#lastKey = [service, method, v, g];
    }
    series.requests++;
    series.processing++;
    const now = this.#options.now;
    const begin = now();
    let open = true;
    return (code, kind) => {
      if (!open) return;
      open = false;
      const end = now();
      series.complete(outcomeOf(code, kind), Math.max(0, end - begin), end);
    };
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
    const { baseLabels, rtBucketsMs, window } = this.#options;
    const labels = { ...baseLabels, interface: service, method, group, version };
    const series = new RpcSeries(labels, rtBucketsMs, window);
    this.series.push(series);
    return series;
  }
}

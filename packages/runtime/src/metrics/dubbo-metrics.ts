import type * as PromClient from "prom-client";
import { type PromClientModule, type RpcSide, registerDubboFamilies } from "./dubbo-families.js";
import { hostIdentity } from "./host-identity.js";
import { outcomeKinds, type RpcOutcome } from "./rpc-outcome.js";
import { defaultRtBucketsMs } from "./rpc-series.js";
import type { RtWindowOptions } from "./rt-window.js";
import { type RpcMetrics, SideRecorder } from "./side-recorder.js";

/** The counts of one series: `requests_total`, `requests_processing_total`, `requests_failed_total`, per outcome. */
export type RpcCallCounts = { readonly requests: number; readonly processing: number; readonly failed: number } & {
  readonly [K in RpcOutcome]: number;
};

/** Options of `createDubboMetrics`. */
export interface DubboMetricsOptions {
  /** `application_name` and `application_version` of every series (`dubbo.application.name` / `.version`). */
  application?: { name?: string; version?: string };
  /** The `hostname` label. Default the host's name. */
  hostname?: string;
  /** The `ip` label. Default the first non-internal IPv4 address (in a pod, the pod's). */
  ip?: string;
  /**
   * Export Node's process metrics too (prom-client's default metrics: CPU, heap, event-loop lag, GC, handles), as
   * Dubbo Java exports the JVM's (`dubbo.metrics.enable-jvm`). Default true.
   */
  processMetrics?: boolean;
  /** Upper bounds of `dubbo_*_rt_milliseconds_histogram`, ms. Default defaultRtBucketsMs (1 ms to 10 s). */
  rtBucketsMs?: readonly number[];
  /** The sliding window of the min/max/avg/quantile/QPS gauges. Default 120 s in 10 slices, as Dubbo. */
  window?: RtWindowOptions;
  /** The clock, in ms, monotonic. Default `performance.now()`; tests pass a fake one. */
  now?: () => number;
}

/**
 * DubboMetrics is an application's metrics: the provider and consumer recorders its engines call, and a prom-client
 * registry that exposes them under Dubbo 3.3's names and labels (`dubbo_provider_requests_total{application_name,
 * application_version,hostname,ip,interface,method,group,version}`, ...), plus `dubbo_application_info_total` and
 * Node's process metrics, for the QOS `metrics` command and Prometheus.
 *
 * prom-client is loaded when the metrics are first read (the first scrape), or `preload`ed: never on the start-up
 * path, which recording does not need it for. Node's process metrics are collected from then on.
 *
 * @example
 * const metrics = createDubboMetrics({ application: { name: "greeter" } });
 * const provider = createProvider({ metrics: metrics.provider });
 * await metrics.render(); // Prometheus text format 0.0.4
 */
export class DubboMetrics {
  /** The recorder of calls this application serves (`dubbo_provider_*`). */
  readonly provider: RpcMetrics;
  /** The recorder of calls this application makes (`dubbo_consumer_*`). */
  readonly consumer: RpcMetrics;
  /** The content type of `render()`'s text: Prometheus text exposition format 0.0.4. */
  readonly contentType = "text/plain; version=0.0.4; charset=utf-8";
  readonly #sides: { provider: SideRecorder; consumer: SideRecorder };
  readonly #baseLabels: Record<string, string>;
  readonly #rtBucketsMs: readonly number[];
  readonly #processMetrics: boolean;
  #registry: Promise<PromClient.Registry> | undefined;

  /** Creates the recorders; see createDubboMetrics. */
  constructor(options: DubboMetricsOptions = {}) {
    const host = options.hostname === undefined || options.ip === undefined ? hostIdentity() : undefined;
    this.#baseLabels = {
      application_name: options.application?.name ?? "",
      application_version: options.application?.version ?? "",
      hostname: options.hostname ?? host?.hostname ?? "",
      ip: options.ip ?? host?.ip ?? "",
    };
    this.#rtBucketsMs = options.rtBucketsMs ?? defaultRtBucketsMs;
    this.#processMetrics = options.processMetrics ?? true;
    const recorderOptions = {
      baseLabels: this.#baseLabels,
      // Bound once: `performance` is an accessor on Node's global, read on every call otherwise.
      now: options.now ?? performance.now.bind(performance),
      rtBucketsMs: this.#rtBucketsMs,
      window: options.window ?? {},
    };
    this.#sides = { provider: new SideRecorder(recorderOptions), consumer: new SideRecorder(recorderOptions) };
    this.provider = this.#sides.provider;
    this.consumer = this.#sides.consumer;
  }

  /**
   * registry resolves with the prom-client registry holding every family (loading prom-client the first time); an
   * application may register its own metrics in it, and they are served alongside.
   */
  registry(): Promise<PromClient.Registry> {
    this.#registry ??= import("prom-client").then((prom) => this.#build(prom));
    return this.#registry;
  }

  /**
   * preload loads prom-client and starts the process metrics now, in the background. Loading evaluates ~30 ms of
   * modules on the event loop, so the application does not call it after start-up (a health check in flight would
   * wait): the first scrape loads it.
   */
  preload(): void {
    this.registry().catch(() => {});
  }

  /**
   * calls reads the counts of one series now, synchronously — started, processing, and finished by outcome — or
   * undefined if it has had no call. For checks in code and tests; scrapers read `render()`.
   */
  calls(side: RpcSide, service: string, method: string, version = "", group = ""): RpcCallCounts | undefined {
    const series = this.#sides[side].peek(service, method, version, group);
    if (series === undefined) return undefined;
    const outcomes = Object.fromEntries(outcomeKinds.map((kind, i) => [kind, series.outcomes[i] ?? 0]));
    return {
      requests: series.requests,
      processing: series.processing,
      failed: series.failed(),
      ...(outcomes as Record<RpcOutcome, number>),
    };
  }

  /** render resolves with every metric in the Prometheus text format 0.0.4 (see `contentType`). */
  async render(): Promise<string> {
    return (await this.registry()).metrics();
  }

  #build(prom: PromClientModule): PromClient.Registry {
    const registry = new prom.Registry();
    registerDubboFamilies(prom, registry, {
      sides: this.#sides,
      baseLabels: this.#baseLabels,
      rtBucketsMs: this.#rtBucketsMs,
    });
    // The process metrics carry the application's labels too, so one selector picks an application's every series.
    if (this.#processMetrics) prom.collectDefaultMetrics({ register: registry, labels: this.#baseLabels });
    return registry;
  }
}

/** createDubboMetrics returns a new DubboMetrics; see DubboMetrics. */
export function createDubboMetrics(options: DubboMetricsOptions = {}): DubboMetrics {
  return new DubboMetrics(options);
}

export { Counter } from "./counter.js";
export { Gauge } from "./gauge.js";
export { defaultDurationBuckets, Histogram, type HistogramOptions } from "./histogram.js";
export type { MetricFamily, MetricFamilyOptions } from "./metric-family.js";
export { MetricsRegistry } from "./metrics-registry.js";
export {
  escapeHelp,
  escapeLabelValue,
  formatLabels,
  formatSampleValue,
  type LabelPairs,
  prometheusContentType,
} from "./prometheus-text.js";
export { createRpcMetrics, type RpcCompletion, RpcMetrics, type RpcMetricsOptions } from "./rpc-metrics.js";

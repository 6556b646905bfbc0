import type { QosCommand } from "../qos-command.js";

/** The content type of the Prometheus text exposition format 0.0.4. */
export const prometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

/** `metrics`: the metrics registry in the Prometheus text format 0.0.4. PROTECTED. */
export const metricsCommand: QosCommand = {
  name: "metrics",
  level: "PROTECTED",
  summary: "Show the metrics in the Prometheus text format",
  usage: "metrics",
  run({ options }) {
    return { body: options.metrics?.render() ?? "", contentType: prometheusTextContentType, quiet: true };
  },
};

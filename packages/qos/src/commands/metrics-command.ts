import type { QosCommand } from "../qos-command.js";

/** The content type of the Prometheus text exposition format 0.0.4. */
export const prometheusTextContentType = "text/plain; version=0.0.4; charset=utf-8";

/**
 * `metrics`: the application's metrics in the Prometheus text format 0.0.4 — also the Prometheus scrape path,
 * `GET /metrics` on the QOS port. PROTECTED, as Dubbo's `metrics` command (its `@Cmd` default level): loopback and
 * whitelisted peers may scrape; a Prometheus elsewhere is a foreign peer, let in with
 * `dubbo.application.qos-accept-foreign-ip-whitelist` (its address or CIDR) or, with `qos-accept-foreign-ip=true`,
 * `dubbo.application.qos-anonymous-allow-commands=metrics` (what the generated Kubernetes manifests set). The text
 * names services, methods, host name and IP, no secrets; PROTECTED keeps it off an open port by default.
 */
export const metricsCommand: QosCommand = {
  name: "metrics",
  level: "PROTECTED",
  summary: "Show the metrics in the Prometheus text format",
  usage: "metrics",
  async run({ options }) {
    const body = (await options.metrics?.render()) ?? "";
    return { body, contentType: prometheusTextContentType, quiet: true };
  },
};

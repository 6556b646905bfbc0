import { createQosServer, type QosServer } from "@dubbo-mesh/qos";
import type { DubboMetrics, Lifecycle, LoadedConfig, Logger } from "@dubbo-mesh/runtime";

/** What the operations port shows of the application besides lifecycle and metrics. */
export interface QosView {
  protocolPort(): number | undefined;
  references(): { service: string; address?: string }[];
}

/** Creates the QOS server from the `dubbo.application.qos-*` keys, or undefined when `qos-enable` is false. */
export function createQosFromConfig(
  config: LoadedConfig,
  lifecycle: Lifecycle,
  metrics: DubboMetrics | undefined,
  logger: Logger,
  view: QosView,
): QosServer | undefined {
  const app = config.values.application;
  if (!app.qosEnable) return undefined;
  return createQosServer({
    lifecycle,
    metrics,
    logger,
    port: app.qosPort,
    host: app.qosHost,
    acceptForeignIp: app.qosAcceptForeignIp,
    acceptForeignIpWhitelist: app.qosAcceptForeignIpWhitelist,
    anonymousLevel: app.qosAnonymousAccessPermissionLevel,
    anonymousAllowCommands: app.qosAnonymousAllowCommands,
    idleTimeoutMs: app.qosIdleTimeout,
    requestTimeoutMs: app.qosRequestTimeout,
    maxConnections: app.qosMaxConnections,
    getConfig: () => config.describe(),
    listPorts: () => {
      const port = view.protocolPort();
      return port === undefined ? [] : [{ protocol: config.values.protocol.name, port }];
    },
    listReferences: () => view.references(),
  });
}

import type { IProbe } from "kubernetes-models/v1/Probe";

/** The three Kubernetes probes of a Dubbo application. */
export interface DubboProbes {
  readonly livenessProbe: IProbe;
  readonly readinessProbe: IProbe;
  readonly startupProbe: IProbe;
}

/**
 * HTTP probes on the QOS port with the Dubbo mesh sample's timings: `/live` (delay 10 s, every 5 s, timeout 1 s),
 * `/ready` (5 / 5 / 2), `/startup` (delay 10 s, every 5 s, timeout 2 s, up to 30 failures = 150 s to start). Each
 * answers 200 `true` or 503 `false`. Kubelet probes from the node's address, never loopback, so the application must
 * accept foreign QOS connections (`DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP=true`); foreign peers may still run only
 * the public commands (these three and `quit`).
 */
export function dubboProbes(qosPort: number): DubboProbes {
  const get = (path: string): IProbe => ({ httpGet: { path, port: qosPort, scheme: "HTTP" } });
  return {
    livenessProbe: { ...get("/live"), initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 1 },
    readinessProbe: { ...get("/ready"), initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 2 },
    startupProbe: {
      ...get("/startup"),
      failureThreshold: 30,
      initialDelaySeconds: 10,
      periodSeconds: 5,
      timeoutSeconds: 2,
    },
  };
}

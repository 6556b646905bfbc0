import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import type { IContainerPort } from "kubernetes-models/v1/ContainerPort";
import { containerEnv } from "./container-env.js";
import type { ResolvedManifestOptions } from "./options.js";
import { preStopCommand } from "./pre-stop.js";
import { dubboProbes } from "./probes.js";
import { containerSecurityContext, podSecurityContext } from "./security-context.js";
import { PROTOCOL_PORT_NAME, QOS_PORT_NAME } from "./service.js";
import { GRACE_MARGIN_SECONDS, terminationGracePeriodSeconds } from "./shutdown-timing.js";
import { tlsVolumeMounts, tlsVolumes } from "./tls.js";

/**
 * Pod annotations for an Istio sidecar. Inert without one, so they are always set: injection may be switched on for
 * the namespace by someone else.
 *
 * - `sidecar.istio.io/rewriteAppHTTPProbers: "false"`: kubelet probes the QOS port itself, as in the Dubbo sample.
 * - `traffic.sidecar.istio.io/excludeInboundPorts`: the QOS port bypasses the sidecar, so kubelet's plain-text probes
 *   are not refused under STRICT mTLS (with rewriting off, nothing else would let them through).
 * - `proxy.istio.io/config`: start the application only once the proxy is up (outbound calls at start-up need it),
 *   and keep the proxy draining for as long as the application may still be finishing calls.
 */
export function sidecarAnnotations(
  options: ResolvedManifestOptions,
  gracePeriodSeconds: number,
): Record<string, string> {
  const drainSeconds = gracePeriodSeconds - GRACE_MARGIN_SECONDS;
  return {
    "sidecar.istio.io/rewriteAppHTTPProbers": "false",
    "traffic.sidecar.istio.io/excludeInboundPorts": String(options.qosPort),
    "proxy.istio.io/config": JSON.stringify({
      holdApplicationUntilProxyStarts: true,
      terminationDrainDuration: `${drainSeconds}s`,
    }),
  };
}

/**
 * Pod annotations for a Prometheus that discovers pods by the usual `prometheus.io/*` convention: scrape
 * `GET /metrics` on the QOS port (Dubbo's metrics, `dubbo_provider_*` / `dubbo_consumer_*`, and Node's process
 * metrics). The scraper is a foreign peer: `containerEnv` lets it run `metrics` (see there).
 */
export function prometheusAnnotations(options: ResolvedManifestOptions): Record<string, string> {
  return {
    "prometheus.io/scrape": "true",
    "prometheus.io/port": String(options.qosPort),
    "prometheus.io/path": "/metrics",
  };
}

function containerPorts(options: ResolvedManifestOptions): IContainerPort[] {
  const qos: IContainerPort = { name: QOS_PORT_NAME, containerPort: options.qosPort, protocol: "TCP" };
  if (options.role === "consumer") return [qos];
  return [{ name: PROTOCOL_PORT_NAME, containerPort: options.port, protocol: "TCP" }, qos];
}

/**
 * The application's Deployment, named `<app>-<version>` so several versions can run side by side behind one Service.
 * Pods carry `app` and `version` labels (Service selector and DestinationRule subsets), run as the non-root `node`
 * user, are scraped by Prometheus on the QOS port's `/metrics`, probe the QOS port, and shut down gracefully: preStop sends `offline` and sleeps, SIGTERM then runs the
 * framework's shutdown (delay, GOAWAY, wait for in-flight calls), all within `terminationGracePeriodSeconds`.
 * Rolling updates add a pod before removing one (maxUnavailable 0).
 */
export function deploymentModel(options: ResolvedManifestOptions): Deployment {
  const labels = { app: options.app, version: options.version };
  const gracePeriodSeconds = terminationGracePeriodSeconds(options);
  return new Deployment({
    metadata: { name: `${options.app}-${options.version}`, namespace: options.namespace, labels },
    spec: {
      replicas: options.replicas,
      selector: { matchLabels: labels },
      strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: {
          labels,
          annotations: { ...prometheusAnnotations(options), ...sidecarAnnotations(options, gracePeriodSeconds) },
        },
        spec: {
          serviceAccountName: options.app,
          terminationGracePeriodSeconds: gracePeriodSeconds,
          securityContext: podSecurityContext(),
          ...(options.tls ? { volumes: tlsVolumes(options) } : {}),
          containers: [
            {
              name: options.app,
              image: options.image,
              imagePullPolicy: "IfNotPresent",
              ports: containerPorts(options),
              env: containerEnv(options),
              ...(options.tls ? { volumeMounts: tlsVolumeMounts(options) } : {}),
              ...dubboProbes(options.qosPort),
              lifecycle: {
                preStop: { exec: { command: preStopCommand(options.qosPort, options.preStopSleepSeconds) } },
              },
              resources: {
                requests: { ...options.resources.requests },
                limits: { ...options.resources.limits },
              },
              securityContext: containerSecurityContext(),
            },
          ],
        },
      },
    },
  });
}

import { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import { serviceFqdn } from "./names.js";
import type { ResolvedManifestOptions } from "./options.js";

/**
 * The active health check merged into a consumer sidecar's clusters for a provider (Envoy
 * `config.core.v3.HealthCheck`, field names as in the proto). Timings are the Dubbo mesh sample's, except:
 *
 * - `healthy_threshold` 2, not 20. Envoy needs one success for a host it has just discovered, so the threshold only
 *   governs a host coming back after failing: with 20 checks 5 s apart, one slow reply would take a replica out for
 *   ~100 s; with 2 it returns in ~10 s. A draining pod never comes back anyway (it leaves the endpoints).
 * - no `interval_jitter_percent` (the sample adds 50 % on top of `interval_jitter`), so an `offline` replica is
 *   noticed within `interval` + `interval_jitter` = 6 s (11 s if it hangs until `timeout`), inside the 10 s preStop
 *   sleep plus the shutdown wait.
 * - no `tls_options` / `transport_socket_match_criteria`. Without them Envoy health-checks each endpoint over the
 *   same transport socket as its traffic (Istio mTLS to a sidecar, plain text otherwise). The sample's
 *   `useMTLS: true` matches none of Istio's socket matches (those use `tlsMode: istio`), so its checks fall back to
 *   plain text and fail under STRICT mTLS; its ALPN `http1.1` is not a registered ALPN id either.
 */
export const CONSUMER_HEALTH_CHECK = {
  timeout: "5s",
  interval: "5s",
  initial_jitter: "1s",
  interval_jitter: "1s",
  unhealthy_threshold: 1,
  healthy_threshold: 2,
  reuse_connection: true,
  no_traffic_interval: "2s",
  no_traffic_healthy_interval: "4s",
  unhealthy_interval: "5s",
  unhealthy_edge_interval: "10s",
  healthy_edge_interval: "10s",
} as const;

/**
 * The consumer-side EnvoyFilter: on the consumer's sidecars (`workloadSelector` on its `app` label), MERGE an active
 * `grpc.health.v1` check (`:authority` = the provider's FQDN, service `""` = the whole server) into every outbound
 * cluster for the provider's Service port. It matches by `service` + `portNumber` rather than the exact name
 * `outbound|<port>||<fqdn>` the Dubbo sample uses: that name is only the subset-less cluster, and a VirtualService
 * that routes to version subsets sends traffic through `outbound|<port>|<version>|<fqdn>` instead.
 */
export function envoyFilterModel(options: ResolvedManifestOptions, providerApp: string): EnvoyFilter {
  const fqdn = serviceFqdn(providerApp, options.namespace, options.clusterDomain);
  return new EnvoyFilter({
    metadata: {
      name: `${options.app}-${providerApp}-health-check`,
      namespace: options.namespace,
      labels: { app: options.app },
    },
    spec: {
      workloadSelector: { labels: { app: options.app } },
      configPatches: [
        {
          applyTo: "CLUSTER",
          match: { context: "SIDECAR_OUTBOUND", cluster: { service: fqdn, portNumber: options.providerPort } },
          patch: {
            operation: "MERGE",
            value: { health_checks: [{ ...CONSUMER_HEALTH_CHECK, grpc_health_check: { authority: fqdn } }] },
          },
        },
      ],
    },
  });
}

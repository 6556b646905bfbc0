import type { ClientTls } from "../client-tls.js";
import type { ConnectionPool } from "../connection-pool.js";
import { type ReferenceTarget, targetName } from "../reference-target.js";
import type { BalancerRegistry } from "./balancer-registry.js";
import { Cluster, type EndpointChange } from "./cluster.js";
import type { OutlierDetectionOptions } from "./outlier-detection.js";
import { type ResolverContext, type ResolverRegistry, resolverScheme, targetUrls } from "./resolver-registry.js";

/** What every cluster of a consumer shares. */
export interface ClusterSetOptions {
  pool: ConnectionPool;
  balancers: BalancerRegistry;
  resolvers: ResolverRegistry;
  /** What the resolvers use (DNS query, intervals). */
  resolverContext: ResolverContext;
  /** For list and DNS targets; undefined = off. Never for a single address. */
  outlierDetection: OutlierDetectionOptions | undefined;
  onEndpointChange?: (change: EndpointChange) => void;
}

/** What a reference chooses about its target's cluster. */
export interface ClusterChoice {
  /** Balancer name (see `BalancerRegistry`). */
  loadBalancer: string;
  /** Service name to health-watch, or undefined for none. */
  healthServiceName: string | undefined;
  /** TLS setting of the connections, or undefined for cleartext. */
  tls?: ClientTls;
}

/**
 * The clusters of one consumer, one per (target, balancer, health service, TLS setting): references that agree on those share the
 * endpoints, their connections and their health watches. Each target's resolver comes from the registry by scheme:
 * "static" for a single address or a list, "dns" for a `dns:` target or a client-balanced mesh name.
 */
export class ClusterSet {
  readonly #options: ClusterSetOptions;
  readonly #clusters = new Map<string, Cluster>();

  constructor(options: ClusterSetOptions) {
    this.#options = options;
  }

  /** The cluster for a target and a reference's choices, created on first use. Throws on an unknown balancer. */
  get(target: ReferenceTarget, choice: ClusterChoice): Cluster {
    const balancer = this.#options.balancers.get(choice.loadBalancer);
    const resolver = this.#options.resolvers.get(resolverScheme(target));
    const name = targetName(target);
    const key = JSON.stringify([
      target.kind,
      name,
      choice.loadBalancer,
      choice.healthServiceName ?? null,
      choice.tls?.key ?? null,
    ]);
    let cluster = this.#clusters.get(key);
    if (!cluster) {
      const single = target.kind === "single";
      cluster = new Cluster({
        name,
        resolve: (listener) => resolver(targetUrls(target), listener, this.#options.resolverContext),
        balancer: balancer(),
        pool: this.#options.pool,
        healthServiceName: choice.healthServiceName,
        outlierDetection: single ? undefined : this.#options.outlierDetection,
        holdDownOnConnectFailure: !single,
        ...(choice.tls ? { tls: choice.tls } : {}),
        onEndpointChange: this.#options.onEndpointChange,
      });
      this.#clusters.set(key, cluster);
    }
    return cluster;
  }

  /** Closes every cluster (resolvers, health watches); the pool's connections are closed by its owner. */
  close(): void {
    for (const cluster of this.#clusters.values()) cluster.close();
    this.#clusters.clear();
  }
}

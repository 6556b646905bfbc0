import type { ConnectionPool } from "../connection-pool.js";
import { type ReferenceTarget, targetName } from "../reference-target.js";
import type { BalancerRegistry } from "./balancer-registry.js";
import { Cluster, type EndpointChange } from "./cluster.js";
import type { AddressAnswer } from "./dns-query.js";
import { createDnsResolver } from "./dns-resolver.js";
import { createFixedResolver } from "./fixed-resolver.js";
import type { OutlierDetectionOptions } from "./outlier-detection.js";
import type { NameResolver, ResolverListener } from "./resolver.js";

/** What every cluster of a consumer shares. */
export interface ClusterSetOptions {
  pool: ConnectionPool;
  balancers: BalancerRegistry;
  /** All addresses of a name (see `createAddressQuery`). */
  query: (host: string) => Promise<AddressAnswer>;
  resolveIntervalMs: number;
  minResolveIntervalMs: number;
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
}

/**
 * The clusters of one consumer, one per (target, balancer, health service): references that agree on those share the
 * endpoints, their connections and their health watches. Chooses each target's resolver: a fixed list for a single
 * address or a static list, DNS for a `dns:` target or a client-balanced mesh name.
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
    const name = targetName(target);
    const key = JSON.stringify([target.kind, name, choice.loadBalancer, choice.healthServiceName ?? null]);
    let cluster = this.#clusters.get(key);
    if (!cluster) {
      const single = target.kind === "single";
      cluster = new Cluster({
        name,
        resolve: (listener) => this.#resolver(target, listener),
        balancer: balancer(),
        pool: this.#options.pool,
        healthServiceName: choice.healthServiceName,
        outlierDetection: single ? undefined : this.#options.outlierDetection,
        holdDownOnConnectFailure: !single,
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

  #resolver(target: ReferenceTarget, listener: ResolverListener): NameResolver {
    switch (target.kind) {
      case "single":
        return createFixedResolver([target.url], listener);
      case "static":
        return createFixedResolver(target.urls, listener);
      case "dns":
        return createDnsResolver(
          target.url,
          {
            query: this.#options.query,
            intervalMs: this.#options.resolveIntervalMs,
            minIntervalMs: this.#options.minResolveIntervalMs,
          },
          listener,
        );
    }
  }
}

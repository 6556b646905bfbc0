import { formatServiceKey, type ServiceKey } from "./service-key.js";

/** How a lookup found its entry: by exact key, or by one of the fallbacks. */
export type ServiceMatch = "exact" | "default" | "only";

/** The result of a successful lookup. */
export interface ServiceLookup<T> {
  readonly key: ServiceKey;
  readonly value: T;
  readonly match: ServiceMatch;
}

/**
 * The table of exported services, keyed by (service, version, group) as a nested structure
 * (service -> group -> version), never by a concatenated string.
 *
 * Lookup order, as Dubbo Java resolves Triple paths (`dubbo.tri.resolve-fallback-to-default`):
 * 1. the exact (service, version, group);
 * 2. with fallback on: the registration without version and group;
 * 3. with fallback on and a request that names neither version nor group: the service's only registration, if it has
 *    exactly one — so a plain gRPC client that knows nothing of Dubbo reaches a versioned service.
 */
export class ServiceTable<T> {
  // Invariant: no inner map is ever empty; a service name is present iff it has at least one registration.
  readonly #byService = new Map<string, Map<string, Map<string, { key: ServiceKey; value: T }>>>();

  /** Registers a value under its key; a second registration of the same key is an error naming it. */
  add(key: ServiceKey, value: T): void {
    let byGroup = this.#byService.get(key.service);
    if (!byGroup) {
      byGroup = new Map();
      this.#byService.set(key.service, byGroup);
    }
    let byVersion = byGroup.get(key.group);
    if (!byVersion) {
      byVersion = new Map();
      byGroup.set(key.group, byVersion);
    }
    if (byVersion.has(key.version)) {
      throw new Error(`service ${formatServiceKey(key)} is already registered`);
    }
    byVersion.set(key.version, { key, value });
  }

  /** Finds the registration for a request, following the lookup order above, and says how it matched. */
  lookup(service: string, version: string, group: string, fallback: boolean): ServiceLookup<T> | undefined {
    const found = this.find(service, version, group, fallback);
    if (!found) return undefined;
    const { key } = found;
    const match: ServiceMatch =
      key.version === version && key.group === group
        ? "exact"
        : key.version === "" && key.group === ""
          ? "default"
          : "only";
    return { ...found, match };
  }

  /**
   * `lookup` without saying how it matched: the registration's own key and value, as stored (nothing allocated —
   * what the call paths use for every call).
   */
  find(service: string, version: string, group: string, fallback: boolean): { key: ServiceKey; value: T } | undefined {
    const byGroup = this.#byService.get(service);
    if (!byGroup) return undefined;
    const exact = byGroup.get(group)?.get(version);
    if (exact) return exact;
    if (!fallback) return undefined;
    const unversioned = byGroup.get("")?.get("");
    if (unversioned) return unversioned;
    if (version === "" && group === "" && byGroup.size === 1) {
      const [byVersion] = byGroup.values();
      if (byVersion?.size === 1) {
        const [only] = byVersion.values();
        if (only) return only;
      }
    }
    return undefined;
  }

  /** True when the service has at least one registration, whatever its version and group. */
  hasService(service: string): boolean {
    return this.#byService.has(service);
  }

  /** The names of all services with at least one registration. */
  services(): string[] {
    return [...this.#byService.keys()];
  }

  /** Every registration, in registration order per service. */
  *entries(): IterableIterator<{ key: ServiceKey; value: T }> {
    for (const byGroup of this.#byService.values()) {
      for (const byVersion of byGroup.values()) yield* byVersion.values();
    }
  }
}

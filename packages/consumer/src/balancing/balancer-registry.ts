import { leastRequest } from "./least-request.js";
import type { BalancerFactory } from "./picker.js";
import { roundRobin } from "./round-robin.js";

/** The balancers every consumer knows, by gRPC's names. */
export const builtinBalancers: Readonly<Record<string, BalancerFactory>> = {
  round_robin: roundRobin,
  least_request: () => leastRequest(),
};

/** Dubbo's names of the same policies. */
const aliases: Readonly<Record<string, string>> = { roundrobin: "round_robin", p2c: "least_request" };

/**
 * The balancers of one consumer by name: the built-in ones plus `custom` (which may replace them). Owned by the
 * consumer, not module-global: two consumers (or two applications in one process) can register different policies
 * under one name.
 */
export class BalancerRegistry {
  readonly #factories: ReadonlyMap<string, BalancerFactory>;

  constructor(custom: Readonly<Record<string, BalancerFactory>> = {}) {
    this.#factories = new Map(Object.entries({ ...builtinBalancers, ...custom }));
  }

  /** The factory registered as `name` (or a Dubbo alias of it); throws naming the known names when there is none. */
  get(name: string): BalancerFactory {
    const factory = this.#factories.get(name) ?? this.#factories.get(aliases[name] ?? "");
    if (!factory) {
      throw new Error(`unknown load balancer "${name}" (known: ${[...this.#factories.keys()].join(", ")})`);
    }
    return factory;
  }
}

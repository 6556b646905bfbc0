/**
 * The balancer interface, after grpc-js's `picker.ts`: a balancer turns the endpoints now in rotation into a Picker,
 * and a Picker chooses one of them per call. Pickers are immutable snapshots — the set they choose from never
 * changes; when endpoints come, go or change health, the cluster asks the balancer for a new Picker and swaps it in.
 */

/** What a balancer sees of an endpoint: its address and its live load. */
export interface BalancedEndpoint {
  /** The address dialled, `ip:port` (or `host:port` for a name that is not resolved by the consumer). */
  readonly address: string;
  /** Unary calls started on this endpoint and not yet finished (all of their attempts, across references). */
  readonly inFlight: number;
}

/** Chooses the endpoint of one call. Its set of endpoints is fixed (state such as a rotation index is its own). */
export interface Picker<E extends BalancedEndpoint = BalancedEndpoint> {
  pick(): E;
}

/**
 * A load-balancing policy for one target (gRPC's `loadBalancingConfig`, Dubbo's `loadbalance`). The consumer calls
 * `picker` with the endpoints in rotation — never an empty list — whenever that set changes. State the policy keeps
 * across pickers belongs in the Balancer, which is created once per target.
 */
export interface Balancer {
  picker<E extends BalancedEndpoint>(ready: readonly E[]): Picker<E>;
}

/** Creates a Balancer for one target. Registered by name: `ConsumerOptions.balancers`. */
export type BalancerFactory = () => Balancer;

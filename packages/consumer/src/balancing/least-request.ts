import type { BalancedEndpoint, Balancer, Picker } from "./picker.js";

/**
 * `least_request` (gRPC's and Envoy's name; Dubbo's `p2c`): "power of two choices" — two endpoints drawn at random,
 * the call goes to the one with fewer calls in flight (the first of the two on a tie). Close to picking the least
 * loaded endpoint, without herding every consumer onto the same one, and O(1) per call.
 */
export function leastRequest(random: () => number = Math.random): Balancer {
  return {
    picker<E extends BalancedEndpoint>(ready: readonly E[]): Picker<E> {
      const endpoints = [...ready];
      const n = endpoints.length;
      return {
        pick() {
          const i = Math.floor(random() * n);
          const a = endpoints[i] as E;
          if (n === 1) return a;
          // A second index different from the first: shift by 1..n-1.
          const b = endpoints[(i + 1 + Math.floor(random() * (n - 1))) % n] as E;
          return b.inFlight < a.inFlight ? b : a;
        },
      };
    },
  };
}

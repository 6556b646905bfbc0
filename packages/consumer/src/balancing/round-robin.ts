import type { BalancedEndpoint, Balancer, Picker } from "./picker.js";

/**
 * `round_robin` (gRPC's name; Dubbo's `roundrobin`): each call goes to the next endpoint in turn. A new picker starts
 * at a random position, as grpc-js's does, so that many consumers whose pickers change together do not all start on
 * the same endpoint.
 */
export function roundRobin(): Balancer {
  return {
    picker<E extends BalancedEndpoint>(ready: readonly E[]): Picker<E> {
      const endpoints = [...ready];
      let next = Math.floor(Math.random() * endpoints.length);
      return {
        pick() {
          const endpoint = endpoints[next] as E; // next < endpoints.length, which is never 0
          next = (next + 1) % endpoints.length;
          return endpoint;
        },
      };
    },
  };
}

import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { Code, ConnectError, health } from "@dubbo-mesh/protocol";
import type { Lifecycle } from "@dubbo-mesh/runtime";

const { HealthCheckResponse_ServingStatus: Status } = health;
type ServingStatus = health.HealthCheckResponse_ServingStatus;

/** The health status of a service name as the lifecycle says it; undefined for a name nobody exports. */
function statusOf(lifecycle: Lifecycle, service: string): ServingStatus | undefined {
  const serving = lifecycle.isServing(service === "" ? undefined : service);
  if (serving === undefined) return undefined;
  return serving ? Status.SERVING : Status.NOT_SERVING;
}

/**
 * Creates `grpc.health.v1.Health` over the lifecycle — the state lives there, this only reads it. `""` is the whole
 * provider; every exported service answers for itself. NOT_SERVING until start-up completes, SERVING after,
 * NOT_SERVING when offline or shutting down. Check on an unknown name is NOT_FOUND; Watch on one streams
 * SERVICE_UNKNOWN (and the change, should it appear). Watch sends the current status, then every change, and ends
 * when `draining` aborts — so a drain is not held up by health watchers, who reconnect elsewhere.
 */
export function createHealthService(lifecycle: Lifecycle, draining: AbortSignal): ServiceImpl<typeof health.Health> {
  return {
    check(req) {
      const status = statusOf(lifecycle, req.service);
      if (status === undefined) throw new ConnectError(`unknown service ${req.service}`, Code.NotFound);
      return { status };
    },
    async *watch(req, ctx: HandlerContext) {
      const signal = AbortSignal.any([ctx.signal, draining]);
      let wake: (() => void) | undefined;
      const unsubscribe = lifecycle.onChange(() => wake?.());
      const onAbort = () => wake?.();
      signal.addEventListener("abort", onAbort);
      try {
        let last: ServingStatus | undefined;
        while (!signal.aborted) {
          const status = statusOf(lifecycle, req.service) ?? Status.SERVICE_UNKNOWN;
          const changed = new Promise<void>((resolve) => {
            wake = resolve;
          });
          if (status !== last) {
            last = status;
            yield { status };
          }
          if (signal.aborted) break;
          await changed;
        }
      } finally {
        unsubscribe();
        signal.removeEventListener("abort", onAbort);
      }
    },
  };
}

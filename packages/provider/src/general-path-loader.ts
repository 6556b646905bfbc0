import { errorMessage, type Lifecycle, type Logger, type ServiceTable } from "@dubbo-mesh/runtime";
import type { Registration } from "./dispatch.js";
import type { NodeListener } from "./general-path.js";
import { writeHead } from "./node-types.js";
import type { RouterOptions } from "./router.js";

/**
 * connect-node's general path (gRPC-web, Connect, what the engines do not take) kept off the start-up path: the port
 * opens, the engines serve gRPC and Triple HTTP unary and the application reports started without it. It loads on the
 * first request that needs it (which waits for it) or, in the background, once `lifecycle` reaches started — one
 * macrotask later, so that loading (~100 ms of module evaluation) does not delay the start-up probe. Logs
 * `general-path-loaded` with its trigger; a request that finds it failed to load gets 503.
 */
export function lazyGeneralPath(
  table: ServiceTable<Registration>,
  options: RouterOptions,
  logger: Logger,
  lifecycle: Lifecycle,
): NodeListener {
  let general: NodeListener | undefined;
  let loading: Promise<NodeListener> | undefined;
  const load = (trigger: "request" | "background"): Promise<NodeListener> => {
    if (loading) return loading;
    const t0 = performance.now();
    loading = import("./general-path.js").then((m) => {
      general = m.createGeneralPath(table, options, logger);
      logger.info({ event: "general-path-loaded", trigger, loadMs: Math.round(performance.now() - t0) });
      return general;
    });
    loading.catch((e: unknown) => logger.error({ event: "general-path-failed", error: errorMessage(e) }));
    return loading;
  };
  preloadOnceStarted(lifecycle, () => load("background").catch(() => {}));
  return (req, res) => {
    if (general) return general(req, res);
    load("request").then(
      (listener) => listener(req, res),
      () => {
        writeHead(res, 503);
        res.end();
      },
    );
  };
}

/** Runs `preload` one macrotask after `lifecycle` is (or becomes) started; never once it is stopping. */
function preloadOnceStarted(lifecycle: Lifecycle, preload: () => void): void {
  const later = () => void setImmediate(preload);
  if (lifecycle.state === "started") {
    later();
    return;
  }
  const off = lifecycle.onChange((change) => {
    if (change.type !== "state") return;
    if (change.to === "started") later();
    if (change.to === "started" || change.to === "stopping" || change.to === "stopped") off();
  });
}

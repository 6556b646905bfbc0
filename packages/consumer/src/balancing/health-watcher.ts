import { Code, ConnectError, createClient } from "@connectrpc/connect";
import { health } from "@dubbo-mesh/protocol";
import { type BackoffOptions, backoffDelay } from "../backoff.js";
import { isConnectFailure } from "../classify-failure.js";
import { createClientTransport } from "../client-transport.js";
import type { EndpointConnection } from "../endpoint-connection.js";
import { createGrpcTransport } from "../grpc/grpc-transport.js";
import type { EndpointHealth } from "./endpoint.js";

const { HealthCheckResponse_ServingStatus: Status } = health;

/** Waits between failed Watch calls: full jitter, ceilings 100 ms doubling up to 5 s. */
export const watchBackoff: Readonly<BackoffOptions> = { baseMs: 100, factor: 2, capMs: 5000, random: Math.random };

/** A Watch stream that lived this long before it was cut is made again at once, without backoff. */
const stableStreamMs = 1000;

/** Options of `startHealthWatch`. */
export interface HealthWatchOptions {
  /** The endpoint's connection: the Watch stream goes over the same HTTP/2 connection as its calls. */
  connection: EndpointConnection;
  /** The service name to watch (gRPC's `healthCheckConfig.serviceName`); `""` = the whole provider. */
  serviceName: string;
  /** Receives every change of the endpoint's health, with a reason when it is not "serving". */
  report(health: EndpointHealth, reason?: string): void;
  /** Called when the Watch could not connect (the cluster asks its resolver to look again). */
  onConnectFailure(): void;
  backoff?: BackoffOptions;
}

/** A running health watch of one endpoint. */
export interface HealthWatch {
  /**
   * Says a call on the endpoint's connection failed to connect. Matters only for a provider without a health service
   * (whose Watch answered UNIMPLEMENTED and is not running): it is watched again, which finds out whether it is
   * reachable. A running Watch sees a lost connection by itself.
   */
  reprobe(): void;
  /** Ends the Watch stream; nothing is reported after this. */
  close(): void;
}

/**
 * Watches one endpoint's health with `grpc.health.v1.Health/Watch` (gRFC A17, client-side health checking) and
 * reports it: SERVING -> "serving"; NOT_SERVING (and UNKNOWN) -> "not_serving"; SERVICE_UNKNOWN -> "service_unknown";
 * UNIMPLEMENTED (a provider without a health service) -> "serving"; no connection or an error status ->
 * "unreachable". A Watch whose established stream is cut (connection lost or silent, max connection age) reports "connecting"
 * and is made again at once; a Watch that fails is made again after a backoff, as is one the provider ends (drain).
 */
export function startHealthWatch(options: HealthWatchOptions): HealthWatch {
  const backoff = options.backoff ?? watchBackoff;
  const client = createClient(
    health.Health,
    // The consumer's own gRPC transport on the endpoint's session, without retries or balancing: the Watch is of
    // this endpoint, not of the target.
    createClientTransport(createGrpcTransport({ session: options.connection.http2 }), {
      defaultTimeoutMs: undefined,
      codec: "proto",
    }),
  );
  const closed = new AbortController();
  /** Ends the current pause early; set while pausing. */
  let wake: (() => void) | undefined;
  /** True while paused after UNIMPLEMENTED, the only time `reprobe` wakes the loop. */
  let idle = false;

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      function done() {
        if (timer) clearTimeout(timer);
        closed.signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      }
      wake = done;
      closed.signal.addEventListener("abort", done, { once: true });
    });

  async function loop(): Promise<void> {
    let failures = 0;
    while (!closed.signal.aborted) {
      let received = false;
      const startedAt = Date.now();
      // A connection found silent takes no new calls; the Watch leaves it too, for a new one that answers.
      const cut = new AbortController();
      const stopListening = options.connection.http2.onSilent(() =>
        cut.abort(new ConnectError("connection went silent", Code.Unavailable)),
      );
      try {
        const signal = AbortSignal.any([closed.signal, cut.signal]);
        for await (const res of client.watch({ service: options.serviceName }, { signal })) {
          received = true;
          failures = 0;
          report(res.status);
        }
        failures++; // ended by the provider (a drain): keep the last status, ask again after a while
      } catch (e) {
        if (closed.signal.aborted) return;
        const error = ConnectError.from(e);
        failures++;
        if (error.code === Code.Unimplemented) {
          options.report("serving");
          idle = true;
          await pause(Number.POSITIVE_INFINITY);
          idle = false;
          failures = 0;
          continue;
        }
        if (received) {
          options.report("connecting", `health Watch cut: ${error.rawMessage}`);
          // At once after a stream that lasted (most often its connection was replaced: max age, a GOAWAY); after a
          // stream cut as soon as it answered, back off like any failure.
          if (Date.now() - startedAt >= stableStreamMs) {
            failures = 0;
            continue;
          }
        } else {
          options.report("unreachable", error.rawMessage);
          if (isConnectFailure(error)) options.onConnectFailure();
        }
      } finally {
        stopListening();
      }
      await pause(backoffDelay(failures, backoff));
    }
  }

  function report(status: health.HealthCheckResponse_ServingStatus): void {
    if (status === Status.SERVING) options.report("serving");
    else if (status === Status.SERVICE_UNKNOWN) options.report("service_unknown", "health SERVICE_UNKNOWN");
    else options.report("not_serving", `health ${Status[status] ?? status}`);
  }

  loop().catch((e: unknown) => options.report("unreachable", String(e)));
  return {
    reprobe() {
      if (idle) wake?.();
    },
    close() {
      closed.abort();
    },
  };
}

import * as grpc from "@grpc/grpc-js";
import type { HealthCheckRequest, HealthCheckResponse, ServingStatus } from "./protos.js";

/** A minimal grpc-js implementation of `grpc.health.v1.Health` whose statuses the test sets by hand. */
export interface GrpcJsHealth {
  /** Handlers to pass to `server.addService(healthServiceDefinition(), ...)`. */
  implementation: grpc.UntypedServiceImplementation;
  /** Sets the status of one service name (`""` is the whole server) and tells every watcher of it. */
  setStatus(service: string, status: ServingStatus): void;
  /** How many Watch streams are open for one service name. */
  watcherCount(service: string): number;
  /** Ends every open Watch stream (so a server can shut down without waiting on them). */
  endWatches(): void;
}

/**
 * Creates the health service: Check answers the status of a known name and NOT_FOUND otherwise; Watch sends the
 * current status (SERVICE_UNKNOWN for an unknown name) and then every change.
 */
export function createGrpcJsHealth(initial: Record<string, ServingStatus> = {}): GrpcJsHealth {
  const statuses = new Map<string, ServingStatus>(Object.entries(initial));
  const watchers = new Set<{
    service: string;
    call: grpc.ServerWritableStream<HealthCheckRequest, HealthCheckResponse>;
  }>();

  const check: grpc.handleUnaryCall<HealthCheckRequest, HealthCheckResponse> = (call, callback) => {
    const status = statuses.get(call.request.service);
    if (status === undefined) {
      callback({ code: grpc.status.NOT_FOUND, details: `unknown service ${call.request.service}` });
      return;
    }
    callback(null, { status });
  };

  const watch: grpc.handleServerStreamingCall<HealthCheckRequest, HealthCheckResponse> = (call) => {
    const watcher = { service: call.request.service, call };
    watchers.add(watcher);
    call.on("cancelled", () => watchers.delete(watcher));
    call.on("error", () => watchers.delete(watcher));
    call.write({ status: statuses.get(watcher.service) ?? "SERVICE_UNKNOWN" });
  };

  return {
    implementation: { Check: check, Watch: watch },
    setStatus(service, status) {
      if (statuses.get(service) === status) {
        return;
      }
      statuses.set(service, status);
      for (const watcher of watchers) {
        if (watcher.service === service) {
          watcher.call.write({ status });
        }
      }
    },
    watcherCount(service) {
      let count = 0;
      for (const watcher of watchers) {
        if (watcher.service === service) {
          count++;
        }
      }
      return count;
    },
    endWatches() {
      for (const watcher of watchers) {
        watcher.call.end();
      }
      watchers.clear();
    },
  };
}

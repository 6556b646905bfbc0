import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import { createJsonLogger, type Logger, ServiceTable, serviceKey } from "@dubbo-mesh/runtime";
import type { Registration } from "./dispatch.js";
import { createDualServer, type DualServer } from "./dual-listener.js";
import { createNodeHandler } from "./node-handler.js";
import { createRoutes, type Routes } from "./router.js";
import { trackSessions } from "./session-tracker.js";

/** Options of `createProvider`. Each has a default; Dubbo's key is named where one exists. */
export interface ProviderOptions {
  /** Port to listen on (`dubbo.protocol.port`). Default 50052; 0 picks a free port. */
  port?: number;
  /** Address to bind (`dubbo.protocol.host`). Default all interfaces. */
  host?: string;
  /** Largest request message accepted, in bytes. Default 4 MiB (4194304), as gRPC's default. */
  readMaxBytes?: number;
  /**
   * Route a call whose version/group has no exact registration to the unversioned one
   * (`dubbo.tri.resolve-fallback-to-default`). Default true.
   */
  fallbackToDefault?: boolean;
  /** Server interceptors (Dubbo's provider filters), outermost first. Default none. */
  interceptors?: Interceptor[];
  /** Where events go. Default one JSON line per event on stdout. */
  logger?: Logger;
}

/** Options of one registration: Dubbo's version and group. */
export interface ServiceOptions {
  /** The service version callers select with `tri-service-version`. Default none. */
  version?: string;
  /** The service group callers select with `tri-service-group`. Default none. */
  group?: string;
}

/** A running or stopped provider; see `createProvider`. */
export interface Provider {
  /** Registers an implementation of a service under a version and group. Allowed before `start` only. */
  service<T extends DescService>(desc: T, impl: Partial<ServiceImpl<T>>, options?: ServiceOptions): this;
  /** Listens on the port and serves every registered service; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>;
  /**
   * Stops: GOAWAY on every HTTP/2 session and no new connections, then waits for in-flight calls up to
   * `graceMs` (default 10000, `dubbo.service.shutdown.wait`), then closes what is left.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Names of the services registered, e.g. `greet.v1.GreeterService`. */
  services(): string[];
}

/**
 * Creates a provider: one port serving gRPC (all four call kinds), gRPC-web, Connect and Triple HTTP unary over
 * cleartext HTTP/2 and HTTP/1.1, routing by (service, version, group).
 *
 * @example
 * const provider = createProvider({ port: 50052 }).service(GreeterService, impl, { version: "1.0.0" });
 * await provider.start();
 */
export function createProvider(options: ProviderOptions = {}): Provider {
  const logger = options.logger ?? createJsonLogger();
  const table = new ServiceTable<Registration>();
  const shutdown = new AbortController();
  let routes: Routes = new Map();
  let server: DualServer | undefined;
  let sessions: ReturnType<typeof trackSessions> | undefined;

  const provider: Provider = {
    service(desc, impl, serviceOptions = {}) {
      if (server) throw new Error(`cannot register ${desc.typeName} after the provider started`);
      table.add(serviceKey(desc.typeName, serviceOptions.version, serviceOptions.group), { desc, impl });
      return provider;
    },
    async start() {
      if (server) throw new Error("the provider is already started");
      routes = createRoutes(table, {
        readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
        fallbackToDefault: options.fallbackToDefault ?? true,
        interceptors: options.interceptors ?? [],
        shutdownSignal: shutdown.signal,
      });
      const handler = createNodeHandler(
        () => routes,
        (name) => table.hasService(name),
        logger,
      );
      server = createDualServer(handler);
      sessions = trackSessions(server);
      const tcp = server.tcp;
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(options.port ?? 50052, options.host, () => {
          tcp.off("error", reject);
          resolve();
        });
      });
      const address = tcp.address() as AddressInfo;
      logger.info({
        event: "provider-listening",
        host: address.address,
        port: address.port,
        services: table.services(),
      });
      return { host: address.address, port: address.port };
    },
    async stop(stopOptions = {}) {
      const s = server;
      if (!s || !sessions) return;
      await sessions.drain(stopOptions.graceMs ?? 10_000);
      shutdown.abort();
      logger.info({ event: "provider-stopped" });
    },
    services: () => table.services(),
  };
  return provider;
}

import type * as net from "node:net";
import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, health, reflection } from "@dubbo-mesh/protocol";
import {
  createJsonLogger,
  createLifecycle,
  defaultOf,
  type FileWatch,
  type Lifecycle,
  type Logger,
  loadTlsMaterial,
  type RpcMetrics,
  reloadTlsOnChange,
  ServiceTable,
  serviceKey,
} from "@dubbo-mesh/runtime";
import { createAdmission } from "./admission.js";
import { limitConnectionAge } from "./connection-age.js";
import type { Registration } from "./dispatch.js";
import { createDualServer, type DualServer } from "./dual-listener.js";
import { lazyGeneralPath } from "./general-path-loader.js";
import { type GenericServiceOptions, genericServiceOf } from "./generic-service.js";
import { createGrpcEngine } from "./grpc/engine.js";
import { createHealthService } from "./health-service.js";
import { keepConnectionsAlive } from "./keepalive.js";
import { metricsInterceptor } from "./metrics-interceptor.js";
import type { NodeRequest, NodeResponse } from "./node-types.js";
import {
  defaultStopGraceMs,
  type ProviderOptions,
  type ValidProviderOptions,
  validateProviderOptions,
} from "./provider-options.js";
import { createReflectionService } from "./reflection-service.js";
import type { RouterOptions } from "./router.js";
import { type ServerTlsOptions, serverContextOptions } from "./server-tls.js";
import { addRegistration, type ServiceOptions } from "./service-registration.js";
import { trackSessions } from "./session-tracker.js";
import { type ConnectionFront, createTlsServer, RefusalLog } from "./tls-listener.js";
import { tracingInterceptor } from "./tracing-interceptor.js";
import { createTripleEngine } from "./triple/engine.js";

/** A running or stopped provider; see `createProvider`. */
export interface Provider {
  /** Registers an implementation of a service under a version and group. Allowed before `start` only. */
  service<T extends DescService>(desc: T, impl: Partial<ServiceImpl<T>>, options?: ServiceOptions): this;
  /**
   * Registers a plain object (a class instance) as a Dubbo interface service without a .proto, callable as Dubbo
   * Java documents: `POST /<interfaceName>/<method>`, `application/json`, a JSON array of the arguments
   * (see `genericServiceOf`). Allowed before `start` only.
   *
   * @example
   * provider.genericService("org.apache.dubbo.samples.api.GreetingsService", new GreetingsServiceImpl(), { version: "1.0.0" });
   */
  genericService(interfaceName: string, impl: object, options?: GenericServiceOptions): this;
  /** Listens on the port and serves every registered service; resolves with the bound address. */
  start(): Promise<{ host: string; port: number }>;
  /**
   * Stops: GOAWAY on every HTTP/2 session and no new connections, then waits for in-flight calls up to
   * `graceMs` (default 10000, `dubbo.service.shutdown.wait`), then closes what is left.
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  /** Names of the services registered, e.g. `greet.v1.GreeterService`. */
  services(): string[];
  /** The lifecycle this provider reports through (its own, or the one passed in). */
  readonly lifecycle: Lifecycle;
  /** The bound port once started; undefined before. */
  readonly port: number | undefined;
}

/**
 * Creates a provider: one port serving gRPC (all four call kinds), gRPC-web, Connect and Triple HTTP unary over
 * HTTP/2 and HTTP/1.1 — cleartext, or TLS / mTLS with `tls` — routing by (service, version, group).
 *
 * @example
 * const provider = createProvider({ port: 50052 }).service(GreeterService, impl, { version: "1.0.0" });
 * await provider.start();
 */
export function createProvider(options: ProviderOptions = {}): Provider {
  const valid = validateProviderOptions(options);
  const logger = valid.logger ?? createJsonLogger();
  const ownsLifecycle = valid.lifecycle === undefined;
  const lifecycle = valid.lifecycle ?? createLifecycle();
  const table = new ServiceTable<Registration>();
  // Aborted when the drain begins: ends long-lived health Watch streams so they do not hold the drain up.
  const draining = new AbortController();
  // Aborted when the drain is over: cancels handlers still running past the grace period.
  const shutdown = new AbortController();
  let port: number | undefined;
  let server: DualServer | undefined;
  let sessions: ReturnType<typeof trackSessions> | undefined;
  let tlsReload: FileWatch | undefined;

  const provider: Provider = {
    service(desc, impl, serviceOptions = {}) {
      if (server) throw new Error(`cannot register ${desc.typeName} after the provider started`);
      addRegistration(table, desc, impl, serviceOptions);
      lifecycle.addService(desc.typeName);
      return provider;
    },
    genericService(interfaceName, impl, { parameterCounts, ...serviceOptions } = {}) {
      const generic = genericServiceOf(interfaceName, impl, { parameterCounts });
      return provider.service(generic.desc, generic.impl, serviceOptions);
    },
    async start() {
      if (server) throw new Error("the provider is already started");
      // TLS files first: a bad one stops start-up before anything listens (a TlsFileError naming key, file, problem).
      const front = transportFront(
        valid.tls,
        logger,
        valid.http1.headersTimeout || defaultOf("dubbo.protocol.headers-timeout"),
      );
      addBuiltinServices(table, valid, lifecycle, draining.signal);
      // gRPC (HTTP/2) and Triple HTTP unary (HTTP/1.1 and HTTP/2) run on engines of their own, which record their own
      // metrics and traces; connect's general path gets what neither takes.
      const engineOptions = {
        table,
        fallbackToDefault: valid.fallbackToDefault,
        readMaxBytes: valid.readMaxBytes,
        interceptors: valid.interceptors,
        metrics: valid.metrics,
        tracing: valid.tracing,
        shutdownSignal: shutdown.signal,
        logger,
      };
      const triple = createTripleEngine(engineOptions);
      const general = lazyGeneralPath(table, generalPathOptions(valid, shutdown.signal), logger, lifecycle);
      const handler = (req: NodeRequest, res: NodeResponse) => {
        if (!triple(req, res)) general(req, res);
      };
      server = createDualServer(handler, createGrpcEngine(engineOptions), {
        h1: valid.http1,
        h2: {
          settings: { maxConcurrentStreams: valid.maxConcurrentStreams },
          streamResetRate: valid.maxStreamResetsPerSecond,
          streamResetBurst: 10 * valid.maxStreamResetsPerSecond,
        },
        front,
        admission: providerAdmission(table, valid.executes, valid.metrics),
      });
      if (valid.accepts > 0) server.tcp.maxConnections = valid.accepts;
      tlsReload = reloadServerTls(server, valid.tls, front, logger);
      limitConnectionAge(server.h2, {
        maxAgeMs: valid.maxConnectionAge,
        graceMs: valid.maxConnectionAgeGrace,
        logger,
      });
      keepConnectionsAlive(server.h2, { ...valid.keepalive, logger }, server.openStreams);
      sessions = trackSessions(server);
      const tcp = server.tcp;
      const address = await listen(tcp, valid.port, valid.host);
      port = address.port;
      lifecycle.addCheck("startup", "protocol-port-listening", () => tcp.listening);
      if (ownsLifecycle) lifecycle.transition("started");
      logger.info({
        event: "provider-listening",
        host: address.address,
        port: address.port,
        services: table.services(),
        tls: tlsMode(front),
      });
      return { host: address.address, port: address.port };
    },
    async stop(stopOptions = {}) {
      const s = server;
      if (!s || !sessions || draining.signal.aborted) return;
      if (ownsLifecycle && lifecycle.state !== "stopping") lifecycle.transition("stopping");
      draining.abort();
      tlsReload?.close();
      const started = Date.now();
      const inFlight = sessions.size();
      await sessions.drain(stopOptions.graceMs ?? defaultStopGraceMs);
      shutdown.abort();
      if (ownsLifecycle) lifecycle.transition("stopped");
      logger.info({ event: "provider-stopped", drainMs: Date.now() - started, connectionsAtStop: inFlight });
    },
    services: () => table.services(),
    lifecycle,
    get port() {
      return port;
    },
  };
  return provider;
}

/** Paths admission control never refuses: a probe or a debugging tool must get through a busy provider. */
const exemptPaths = [`/${health.Health.typeName}/`, `/${reflection.ServerReflection.typeName}/`];

/** True for a path admission control never refuses (see `exemptPaths`); no closure per call. */
function isExemptPath(path: string): boolean {
  for (const prefix of exemptPaths) if (path.startsWith(prefix)) return true;
  return false;
}

/** Adds the health (`grpc.health.v1`, following `lifecycle`) and reflection services, unless turned off. */
function addBuiltinServices(
  table: ServiceTable<Registration>,
  valid: ValidProviderOptions,
  lifecycle: Lifecycle,
  draining: AbortSignal,
): void {
  if (valid.health) {
    table.add(serviceKey(health.Health.typeName), {
      desc: health.Health,
      impl: createHealthService(lifecycle, draining),
    });
  }
  if (valid.reflection) {
    const exported = () => [
      ...new Map([...table.entries()].map((e) => [e.value.desc.typeName, e.value.desc])).values(),
    ];
    table.add(serviceKey(reflection.ServerReflection.typeName), {
      desc: reflection.ServerReflection,
      impl: createReflectionService(exported),
    });
  }
}

/** The general path's options: it records metrics and traces through interceptors, outside the user's. */
function generalPathOptions(valid: ValidProviderOptions, shutdownSignal: AbortSignal): RouterOptions {
  return {
    readMaxBytes: valid.readMaxBytes,
    fallbackToDefault: valid.fallbackToDefault,
    interceptors: [
      ...(valid.tracing ? [tracingInterceptor(valid.tracing)] : []),
      ...(valid.metrics ? [metricsInterceptor(valid.metrics)] : []),
      ...valid.interceptors,
    ],
    shutdownSignal,
  };
}

/**
 * Admission control over `executes` calls in progress; a shed call is counted as Dubbo's `requests_limit_total`,
 * labelled by registered method only (a path a client made up is no label: bounded series).
 */
function providerAdmission(table: ServiceTable<Registration>, executes: number, metrics: RpcMetrics | undefined) {
  const methodPaths = new Map<string, [string, string]>();
  for (const { value } of table.entries()) {
    for (const m of value.desc.methods)
      methodPaths.set(`/${value.desc.typeName}/${m.name}`, [value.desc.typeName, m.name]);
  }
  return createAdmission({
    maxCalls: executes,
    exempt: isExemptPath,
    onShed: (path) => {
      const [service = "", method = ""] = methodPaths.get(path.split("?", 1)[0] ?? "") ?? [];
      // Dubbo's requests_limit_total (and requests_total, requests_failed_total): a call refused for capacity.
      if (metrics) {
        const meter = metrics.meter(service, method);
        meter.end(meter.start(), Code.Unavailable, "limit");
      }
    },
  });
}

/** Reloads the server's certificate and trust files when they change (unless `reload: false`); none without TLS. */
function reloadServerTls(
  server: DualServer,
  tls: ServerTlsOptions | undefined,
  front: TransportFront,
  logger: Logger,
): FileWatch | undefined {
  const tlsServer = server.tls;
  if (!tls || !tlsServer || tls.reload === false || !front.material) return undefined;
  return reloadTlsOnChange({
    ...tls.reload,
    side: "server",
    files: tls,
    current: front.material,
    apply: (material) => tlsServer.setSecureContext(serverContextOptions(material)),
    logger,
  });
}

/** Listens on `port` and `host`; rejects with the listen error (EADDRINUSE...). */
function listen(tcp: net.Server, port: number, host: string | undefined): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    tcp.once("error", reject);
    tcp.listen(port, host, () => {
      tcp.off("error", reject);
      resolve(tcp.address() as AddressInfo);
    });
  });
}

/** How the port's TLS is described in `provider-listening`: off, server, mutual, with ", permissive". */
function tlsMode(front: TransportFront): string {
  if (!front.tls) return "off";
  return (front.material?.ca ? "mutual" : "server") + (front.permissive ? ", permissive" : "");
}

/** The front of the protocol port and, with TLS, the material it was made from. */
type TransportFront = ConnectionFront & { material?: ReturnType<typeof loadTlsMaterial> };

/** The front of the protocol port: cleartext, or TLS from checked files (throws a `TlsFileError` for bad ones). */
function transportFront(
  tlsOptions: ServerTlsOptions | undefined,
  logger: Logger,
  handshakeTimeoutMs: number,
): TransportFront {
  const refusals = new RefusalLog(logger);
  if (!tlsOptions || (tlsOptions.keyCertChainPath === undefined && tlsOptions.privateKeyPath === undefined)) {
    if (tlsOptions?.trustCertCollectionPath !== undefined) {
      throw new Error(
        "dubbo.ssl.server-trust-cert-collection-path is set, but there is no dubbo.ssl.server-key-cert-chain-path " +
          "and dubbo.ssl.server-private-key-path: client certificates need TLS, and TLS needs the server's key pair",
      );
    }
    return { refusals };
  }
  const material = loadTlsMaterial("server", tlsOptions);
  return {
    tls: createTlsServer(material, refusals, handshakeTimeoutMs),
    permissive: tlsOptions.permissive ?? false,
    refusals,
    material,
  };
}

import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, health, reflection } from "@dubbo-mesh/protocol";
import {
  checkPrincipalRule,
  createJsonLogger,
  createLifecycle,
  defaultOf,
  errorMessage,
  type FileWatch,
  type Lifecycle,
  type Logger,
  loadTlsMaterial,
  type PrincipalRule,
  reloadTlsOnChange,
  ServiceTable,
  serviceKey,
} from "@dubbo-mesh/runtime";
import { createAdmission } from "./admission.js";
import { limitConnectionAge } from "./connection-age.js";
import type { Registration } from "./dispatch.js";
import { createDualServer, type DualServer } from "./dual-listener.js";
import type { NodeListener } from "./general-path.js";
import { type GenericServiceOptions, genericServiceOf } from "./generic-service.js";
import { createGrpcEngine } from "./grpc/engine.js";
import { createHealthService } from "./health-service.js";
import { keepConnectionsAlive } from "./keepalive.js";
import { metricsInterceptor } from "./metrics-interceptor.js";
import { type NodeRequest, type NodeResponse, writeHead } from "./node-types.js";
import { defaultStopGraceMs, type ProviderOptions, validateProviderOptions } from "./provider-options.js";
import { createReflectionService } from "./reflection-service.js";
import { type ServerTlsOptions, serverContextOptions } from "./server-tls.js";
import { trackSessions } from "./session-tracker.js";
import { type ConnectionFront, createTlsServer, RefusalLog } from "./tls-listener.js";
import { tracingInterceptor } from "./tracing-interceptor.js";
import { createTripleEngine } from "./triple/engine.js";

/** Options of one registration: Dubbo's version and group. */
export interface ServiceOptions {
  /** The service version callers select with `tri-service-version`. Default none. */
  version?: string;
  /** The service group callers select with `tri-service-group`. Default none. */
  group?: string;
  /**
   * Who may call this service, by the SPIFFE ID of their verified client certificate (mTLS), as an Istio
   * AuthorizationPolicy's `principals` (`cluster.local/ns/default/sa/web`, `spiffe://...`, a `*` at one end) or
   * trust domains. Everyone else — other identities, callers without a client certificate — gets PERMISSION_DENIED.
   * Default none: anyone who can connect.
   */
  authorization?: PrincipalRule;
}

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
  const { readMaxBytes, fallbackToDefault, executes, maxConcurrentStreams, maxStreamResetsPerSecond, accepts } = valid;
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
      const { authorization } = serviceOptions;
      if (authorization) checkPrincipalRule(authorization, `authorization of ${desc.typeName}`);
      table.add(serviceKey(desc.typeName, serviceOptions.version, serviceOptions.group), {
        desc,
        impl,
        ...(authorization ? { authorization } : {}),
      });
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
      if (valid.health) {
        table.add(serviceKey(health.Health.typeName), {
          desc: health.Health,
          impl: createHealthService(lifecycle, draining.signal),
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
      // The general path records metrics and traces through interceptors; the engine's calls record their own.
      const interceptors = [
        ...(valid.tracing ? [tracingInterceptor(valid.tracing)] : []),
        ...(valid.metrics ? [metricsInterceptor(valid.metrics)] : []),
        ...valid.interceptors,
      ];
      // connect-node's general path (gRPC-web, Connect, Triple HTTP, HTTP/1.1) is not on the start-up path: the port
      // opens, the gRPC engine serves every gRPC call (health included) and the application reports started without it. It loads on the
      // first request that needs it (which waits for it) or, in the background, once the application has started —
      // one macrotask later, so that loading (~100 ms of module evaluation) does not delay the start-up probe.
      let general: NodeListener | undefined;
      let loading: Promise<NodeListener> | undefined;
      const loadGeneral = (trigger: "request" | "background"): Promise<NodeListener> => {
        if (loading) return loading;
        const t0 = performance.now();
        loading = import("./general-path.js").then((m) => {
          general = m.createGeneralPath(
            table,
            {
              readMaxBytes,
              fallbackToDefault,
              interceptors,
              shutdownSignal: shutdown.signal,
            },
            logger,
          );
          logger.info({ event: "general-path-loaded", trigger, loadMs: Math.round(performance.now() - t0) });
          return general;
        });
        loading.catch((e: unknown) => logger.error({ event: "general-path-failed", error: errorMessage(e) }));
        return loading;
      };
      const preload = () => void setImmediate(() => loadGeneral("background").catch(() => {}));
      if (lifecycle.state === "started") preload();
      else {
        const off = lifecycle.onChange((change) => {
          if (change.type !== "state") return;
          if (change.to === "started") preload();
          if (change.to === "started" || change.to === "stopping" || change.to === "stopped") off();
        });
      }
      // Triple HTTP unary (POST, application/json|proto), over HTTP/1.1 and HTTP/2, runs on its own engine beside
      // the gRPC one, with the same call semantics; the general path gets what neither takes.
      const triple = createTripleEngine({
        table,
        fallbackToDefault,
        readMaxBytes,
        interceptors: options.interceptors ?? [],
        metrics: options.metrics,
        tracing: options.tracing,
        shutdownSignal: shutdown.signal,
        logger,
      });
      const handler = (req: NodeRequest, res: NodeResponse) => {
        if (triple(req, res)) return;
        if (general) return general(req, res);
        loadGeneral("request").then(
          (listener) => listener(req, res),
          () => {
            writeHead(res, 503);
            res.end();
          },
        );
      };
      // Every gRPC call over HTTP/2 runs on the engine; the general path gets the rest.
      const engine = createGrpcEngine({
        table,
        fallbackToDefault,
        readMaxBytes,
        interceptors: valid.interceptors,
        metrics: valid.metrics,
        tracing: valid.tracing,
        shutdownSignal: shutdown.signal,
        logger,
      });
      // Shed calls are labelled by registered method only: a path a client made up is no label (bounded series).
      const methodPaths = new Map<string, [string, string]>();
      for (const { value } of table.entries()) {
        for (const m of value.desc.methods)
          methodPaths.set(`/${value.desc.typeName}/${m.name}`, [value.desc.typeName, m.name]);
      }
      const admission = createAdmission({
        maxCalls: executes,
        exempt: (path) => exemptPaths.some((prefix) => path.startsWith(prefix)),
        onShed: (path) => {
          const [service = "", method = ""] = methodPaths.get(path.split("?", 1)[0] ?? "") ?? [];
          // Dubbo's requests_limit_total (and requests_total, requests_failed_total): a call refused for capacity.
          valid.metrics?.recordStart(service, method)(Code.Unavailable, "limit");
        },
      });
      server = createDualServer(handler, engine, {
        h1: valid.http1,
        h2: {
          settings: { maxConcurrentStreams },
          streamResetRate: maxStreamResetsPerSecond,
          streamResetBurst: 10 * maxStreamResetsPerSecond,
        },
        front,
        admission,
      });
      if (accepts > 0) server.tcp.maxConnections = accepts;
      const tlsServer = server.tls;
      const tls = valid.tls;
      if (tls && tlsServer && tls.reload !== false && front.material) {
        tlsReload = reloadTlsOnChange({
          ...tls.reload,
          side: "server",
          files: tls,
          current: front.material,
          apply: (material) => tlsServer.setSecureContext(serverContextOptions(material)),
          logger,
        });
      }
      limitConnectionAge(server.h2, {
        maxAgeMs: valid.maxConnectionAge,
        graceMs: valid.maxConnectionAgeGrace,
        logger,
      });
      keepConnectionsAlive(server.h2, { ...valid.keepalive, logger });
      sessions = trackSessions(server);
      const tcp = server.tcp;
      await new Promise<void>((resolve, reject) => {
        tcp.once("error", reject);
        tcp.listen(valid.port, valid.host, () => {
          tcp.off("error", reject);
          resolve();
        });
      });
      const address = tcp.address() as AddressInfo;
      port = address.port;
      lifecycle.addCheck("startup", "protocol-port-listening", () => tcp.listening);
      if (ownsLifecycle) lifecycle.transition("started");
      logger.info({
        event: "provider-listening",
        host: address.address,
        port: address.port,
        services: table.services(),
        tls: front.tls ? (front.material?.ca ? "mutual" : "server") + (front.permissive ? ", permissive" : "") : "off",
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

/** The front of the protocol port: cleartext, or TLS from checked files (throws a `TlsFileError` for bad ones). */
function transportFront(
  tlsOptions: ServerTlsOptions | undefined,
  logger: Logger,
  handshakeTimeoutMs: number,
): ConnectionFront & { material?: ReturnType<typeof loadTlsMaterial> } {
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

import type { AddressInfo } from "node:net";
import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor, ServiceImpl } from "@connectrpc/connect";
import { Code, health, reflection } from "@dubbo-mesh/protocol";
import {
  checkPrincipalRule,
  createJsonLogger,
  createLifecycle,
  type FileWatch,
  type Http1Timeouts,
  type Lifecycle,
  type Logger,
  loadTlsMaterial,
  type PrincipalRule,
  type RpcMetrics,
  type RpcTracing,
  reloadTlsOnChange,
  ServiceTable,
  serviceKey,
  validateHttp1Timeouts,
} from "@dubbo-mesh/runtime";
import { createAdmission } from "./admission.js";
import { limitConnectionAge } from "./connection-age.js";
import type { Registration } from "./dispatch.js";
import { createDualServer, type DualServer } from "./dual-listener.js";
import type { NodeListener } from "./general-path.js";
import { type GenericServiceOptions, genericServiceOf } from "./generic-service.js";
import { createGrpcEngine } from "./grpc/engine.js";
import { createHealthService } from "./health-service.js";
import { defaultKeepalivePolicy, type KeepalivePolicy, keepConnectionsAlive } from "./keepalive.js";
import { metricsInterceptor } from "./metrics-interceptor.js";
import { type NodeRequest, type NodeResponse, writeHead } from "./node-types.js";
import { createReflectionService } from "./reflection-service.js";
import { type ServerTlsOptions, serverContextOptions } from "./server-tls.js";
import { trackSessions } from "./session-tracker.js";
import { type ConnectionFront, createTlsServer, RefusalLog } from "./tls-listener.js";
import { tracingInterceptor } from "./tracing-interceptor.js";
import { createTripleEngine } from "./triple/engine.js";

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
  /**
   * The application's lifecycle, which health reads and the owner drives. Without one the provider creates its own
   * and moves it itself: started once listening, stopping and stopped on `stop`.
   */
  lifecycle?: Lifecycle;
  /** Where calls are counted, e.g. `createDubboMetrics().provider` (`dubbo_provider_*`, QOS `metrics`). Default none. */
  metrics?: RpcMetrics;
  /**
   * Trace calls with OpenTelemetry, e.g. `createRpcTracing()`: a SERVER span per call, child of the request's W3C
   * `traceparent`; the handler runs inside it, so its consumer calls and log lines join the trace. Records only with
   * an SDK registered by the application. Default none.
   */
  tracing?: RpcTracing;
  /** Serve `grpc.health.v1.Health` on the protocol port. Default true. */
  health?: boolean;
  /** Serve `grpc.reflection.v1.ServerReflection` (grpcurl, `dubbo-mesh invoke`). Default true. */
  reflection?: boolean;
  /**
   * Maximum age of an HTTP/2 connection in ms (`dubbo.protocol.max-connection-age`, gRFC A9), ±10% jitter, after
   * which it gets GOAWAY so clients reconnect — and spread over pods behind a ClusterIP. Default 0 = no limit.
   */
  maxConnectionAge?: number;
  /** Grace for the streams of an aged connection before it closes, in ms. Default 10000. */
  maxConnectionAgeGrace?: number;
  /**
   * Time an HTTP/1.1 client has to send a request's complete headers, in ms (`dubbo.protocol.headers-timeout`, Node's
   * `headersTimeout`); also the time any new connection has to send its first bytes. Slower clients get 408 and are
   * closed. Default 10000; 0 = no limit.
   */
  headersTimeout?: number;
  /**
   * Time an HTTP/1.1 client has to send a whole request, in ms (`dubbo.protocol.request-timeout`, Node's
   * `requestTimeout`). The response is not limited: a long server-sent-events answer runs on. Default 60000; 0 = no
   * limit. Must not be shorter than `headersTimeout`.
   */
  requestTimeout?: number;
  /**
   * HTTP/2 keepalive (PING a connection silent for `timeMs`, close it without an ACK in `timeoutMs`) and enforcement
   * against ping floods (GOAWAY ENHANCE_YOUR_CALM "too_many_pings"), on every HTTP/2 connection
   * (`dubbo.protocol.keepalive-*`, `permit-keepalive-*`, `max-ping-strikes`; see `KeepalivePolicy`). Default
   * `defaultKeepalivePolicy`; fields not given keep their default.
   */
  keepalive?: Partial<KeepalivePolicy>;
  /**
   * TLS on the protocol port (`dubbo.ssl.server-*`): with a certificate chain and key the port serves TLS only (HTTP/2
   * and HTTP/1.1 by ALPN), with a trust collection it requires client certificates (mTLS); files are reloaded when
   * they change. Bad files stop `start` with an error naming the key, the file and the problem. QOS stays cleartext.
   * Default none: cleartext.
   */
  tls?: ServerTlsOptions;
  /**
   * Calls in progress the provider serves at once (`dubbo.provider.executes`), from a call's arrival to its end, over
   * every connection and protocol; a call beyond it is refused at once, unread — RST_STREAM REFUSED_STREAM on
   * HTTP/2 (UNAVAILABLE to gRPC clients, safe to retry elsewhere), 503 with Retry-After on HTTP/1.1 — and counted in
   * `dubbo_provider_requests_limit_total`. Health checks and reflection are never refused nor counted. Default 1000;
   * 0 = no limit.
   */
  executes?: number;
  /**
   * SETTINGS_MAX_CONCURRENT_STREAMS of every HTTP/2 connection (`dubbo.protocol.triple.max-concurrent-streams`): a
   * client waits (or opens another connection, as Envoy does) rather than open more; a stream beyond it is reset
   * (RFC 9113 §5.1.2). Default 100, RFC 9113's recommended minimum; at least 1.
   */
  maxConcurrentStreams?: number;
  /**
   * RST_STREAM frames a client may send per second on one HTTP/2 connection
   * (`dubbo.protocol.triple.max-stream-resets-per-second`), with bursts of ten times that; a client past it gets
   * GOAWAY INTERNAL_ERROR and its connection closed — the defence against HTTP/2 "rapid reset" floods
   * (CVE-2023-44487). Every cancelled call and expired deadline is a reset, so Node's own limit (a burst of 1000,
   * then 33 per second) cut off healthy consumers that cancel a lot: a soak at ~60 cancels per second on one
   * connection lost it, and every call on it, after about 80 s. Default 1000; at least 1.
   */
  maxStreamResetsPerSecond?: number;
  /** Connections the port holds at once (`dubbo.protocol.accepts`); more are closed on arrival. Default 0 = no limit. */
  accepts?: number;
}

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
  const logger = options.logger ?? createJsonLogger();
  const ownsLifecycle = options.lifecycle === undefined;
  const readMaxBytes = options.readMaxBytes ?? 4 * 1024 * 1024;
  const fallbackToDefault = options.fallbackToDefault ?? true;
  const h1Timeouts = http1Timeouts(options);
  const executes = checkedCount("executes (dubbo.provider.executes)", options.executes ?? 1000, 0);
  const maxConcurrentStreams = checkedCount(
    "maxConcurrentStreams (dubbo.protocol.triple.max-concurrent-streams)",
    options.maxConcurrentStreams ?? 100,
    1,
  );
  const maxStreamResetsPerSecond = checkedCount(
    "maxStreamResetsPerSecond (dubbo.protocol.triple.max-stream-resets-per-second)",
    options.maxStreamResetsPerSecond ?? 1000,
    1,
  );
  const accepts = checkedCount("accepts (dubbo.protocol.accepts)", options.accepts ?? 0, 0);
  const lifecycle = options.lifecycle ?? createLifecycle();
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
      const front = transportFront(options.tls, logger, h1Timeouts.headersTimeout || 10_000);
      if (options.health ?? true) {
        table.add(serviceKey(health.Health.typeName), {
          desc: health.Health,
          impl: createHealthService(lifecycle, draining.signal),
        });
      }
      if (options.reflection ?? true) {
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
        ...(options.tracing ? [tracingInterceptor(options.tracing)] : []),
        ...(options.metrics ? [metricsInterceptor(options.metrics)] : []),
        ...(options.interceptors ?? []),
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
        loading.catch((e: unknown) =>
          logger.error({ event: "general-path-failed", error: e instanceof Error ? e.message : String(e) }),
        );
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
        interceptors: options.interceptors ?? [],
        metrics: options.metrics,
        tracing: options.tracing,
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
          options.metrics?.recordStart(service, method)(Code.Unavailable, "limit");
        },
      });
      server = createDualServer(handler, engine, {
        h1: h1Timeouts,
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
      if (options.tls && tlsServer && options.tls.reload !== false && front.material) {
        tlsReload = reloadTlsOnChange({
          ...options.tls.reload,
          side: "server",
          files: options.tls,
          current: front.material,
          apply: (material) => tlsServer.setSecureContext(serverContextOptions(material)),
          logger,
        });
      }
      limitConnectionAge(server.h2, {
        maxAgeMs: options.maxConnectionAge ?? 0,
        graceMs: options.maxConnectionAgeGrace ?? 10_000,
        logger,
      });
      keepConnectionsAlive(server.h2, { ...defaultKeepalivePolicy, ...definedFields(options.keepalive), logger });
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
      await sessions.drain(stopOptions.graceMs ?? 10_000);
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

/** A count option, checked now so that a bad one fails `createProvider` naming the option and its Dubbo key. */
function checkedCount(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min || value > 2_147_483_647) {
    throw new Error(`${name} ${value}: expected an integer from ${min} to 2147483647`);
  }
  return value;
}

/** The HTTP/1.1 limits of the options, checked now so that a bad pair fails `createProvider` with the Dubbo keys. */
function http1Timeouts(options: ProviderOptions): Http1Timeouts {
  const timeouts = {
    headersTimeout: options.headersTimeout ?? 10_000,
    requestTimeout: options.requestTimeout ?? 60_000,
  };
  try {
    return validateHttp1Timeouts(timeouts);
  } catch (e) {
    throw new Error(
      `dubbo.protocol.headers-timeout ${timeouts.headersTimeout} / dubbo.protocol.request-timeout ` +
        `${timeouts.requestTimeout}: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
}

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

/** The fields of a partial options object that are set (so `{ timeMs: undefined }` keeps the default). */
function definedFields<T extends object>(partial: Partial<T> | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(partial ?? {}).filter(([, v]) => v !== undefined)) as Partial<T>;
}

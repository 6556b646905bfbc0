import type { DescService } from "@bufbuild/protobuf";
import type { Client, ServiceImpl } from "@connectrpc/connect";
import type { Consumer, ConsumerOptions, GenericClient, ReferenceOptions } from "@dubbo-mesh/consumer";
import { health } from "@dubbo-mesh/protocol";
import {
  createProvider,
  type GenericServiceOptions,
  genericServiceOf,
  type Provider,
  type ProviderOptions,
} from "@dubbo-mesh/provider";
import type { QosServer } from "@dubbo-mesh/qos";
import {
  type ConfigInput,
  createDubboMetrics,
  createJsonLogger,
  createLifecycle,
  createRpcTracing,
  type DubboConfig,
  type DubboReferenceOptions,
  errorMessage,
  type Lifecycle,
  type LoadedConfig,
  type Logger,
  loadConfig,
  type ProbeCheckFn,
  type ProbeCheckOptions,
  type ProbeKind,
  type RpcTracing,
  referenceMetadataOf,
  serviceMetadataOf,
} from "@dubbo-mesh/runtime";
import { loadConsumerModule } from "#consumer-module";
import { createQosFromConfig } from "./qos-wiring.js";
import { installSignalHandlers } from "./signals.js";

/** Options of `dubbo()`. Everything else comes from config: code here > environment > file > defaults. */
export interface DubboOptions {
  /** Shorthand for `dubbo.application.name` in code. */
  application?: { name?: string };
  /** Configuration in code, the highest source: `{ "dubbo.protocol.port": 50053 }` or nested `{ protocol: { port } }`. */
  config?: ConfigInput;
  /** The environment to read `DUBBO_*`, `POD_NAMESPACE`, `CLUSTER_DOMAIN` from. Default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Config file used when `DUBBO_CONFIG_FILE` is not set (before looking in the working directory). */
  configFile?: string | URL;
  /** Working directory to look for `dubbo.properties` / `dubbo.yaml` in. Default `process.cwd()`. */
  cwd?: string;
  /** Where events go. Default one JSON line per event on stdout. */
  logger?: Logger;
  /**
   * Stop gracefully on SIGTERM and SIGINT, then exit 0 (1 if the stop failed). Default true once `start()` is called;
   * pass false when embedding and call `stop()` yourself.
   */
  handleSignals?: boolean;
}

/** Overrides for every reference of a class passed to `consume`. */
export type ConsumeOverrides = Partial<Pick<ReferenceOptions, "url" | "timeout" | "version" | "group" | "protocol">>;

/** An application: its services, references, lifecycle, operations port. See `dubbo()`. */
export interface DubboApplication {
  /** The effective configuration and where each value came from. */
  readonly config: LoadedConfig;
  /** The one state machine that health, QOS and shutdown read. */
  readonly lifecycle: Lifecycle;
  /** Registers every `@DubboService` of a class (constructed with no arguments) or of an instance's class. */
  provide(target: (new () => object) | object): this;
  /** Registers an implementation without decorators — the call `provide` makes for each decorator. */
  service<T extends DescService>(
    desc: T,
    impl: Partial<ServiceImpl<T>>,
    options?: { version?: string; group?: string },
  ): this;
  /**
   * Registers a plain object (a class instance) as a Dubbo interface service without a .proto, called as Dubbo Java
   * documents (`POST /<interfaceName>/<method>`, a JSON array of the arguments); see `genericServiceOf`.
   *
   * @example
   * app.genericService("org.apache.dubbo.samples.api.GreetingsService", new GreetingsServiceImpl(), { version: "1.0.0" });
   */
  genericService(interfaceName: string, impl: object, options?: GenericServiceOptions): this;
  /** Constructs a class and fills each `@DubboReference` member with a client. */
  consume<C extends object>(cls: new () => C, overrides?: ConsumeOverrides): C;
  /** A client of a service without decorators — the call `consume` makes for each reference. */
  reference<T extends DescService>(desc: T, options?: DubboReferenceOptions): Client<T>;
  /**
   * A client of a Dubbo interface service without a .proto (see `Consumer.generic`), with the application's consumer
   * settings (timeout, retries, mesh addressing).
   *
   * @example
   * await app.generic("org.apache.dubbo.samples.api.GreetingsService", { providedBy: "greetings" }).invoke("sayHi", ["Dubbo"]);
   */
  generic(interfaceName: string, options?: Omit<DubboReferenceOptions, "lazy" | "protocol" | "json">): GenericClient;
  /** Adds a liveness, readiness or startup check to the probes on the QOS port. */
  addCheck(kind: ProbeKind, name: string, check: ProbeCheckFn, options?: ProbeCheckOptions): this;
  /** Serves, opens the QOS port, connects non-lazy references, then marks the application started. */
  start(): Promise<{ protocolPort?: number; qosPort?: number }>;
  /**
   * Graceful shutdown, in Dubbo's order: offline (ready 503, health NOT_SERVING) -> wait
   * `dubbo.application.shutdown-delay` for balancers to notice -> GOAWAY and stop accepting -> wait for in-flight calls
   * up to `dubbo.service.shutdown.wait` -> close.
   */
  stop(): Promise<void>;
}

/**
 * Creates an application. Config is loaded now, so a bad value stops start-up here with one error naming key, value
 * and source.
 *
 * @example
 * await dubbo({ application: { name: "greeter-provider" } }).provide(GreeterImpl).start();
 */
export function dubbo(options: DubboOptions = {}): DubboApplication {
  const env = applicationEnv(options);
  const config = loadConfig({ code: codeConfig(options), env, cwd: options.cwd });
  const values = config.values;
  const logger = options.logger ?? createJsonLogger();
  for (const warning of config.warnings) logger.warn({ event: "config-warning", message: warning });
  const lifecycle = createLifecycle();
  const { metrics, tracing } = observability(values);
  const registrations: Registration[] = [];
  // References with lazy: false, connected (and checked) while the application starts.
  const eager: ConnectionCheck[] = [];
  const referenced: { service: string; address?: string }[] = [];
  let consumer: Consumer | undefined;
  let provider: Provider | undefined;
  let qos: QosServer | undefined;
  let stopping: Promise<void> | undefined;

  const getConsumer = () => {
    // The consumer package loads on the first reference, not at import (see consumer-module.ts).
    consumer ??= loadConsumerModule().createConsumer(consumerOptions(values, { env, logger, metrics, tracing }));
    return consumer;
  };

  const connectNow = (ref: ConnectionCheck) => connectReference(ref, logger);

  const app: DubboApplication = {
    config,
    lifecycle,
    provide(target) {
      const { impl, metadata } = decoratedServices(target);
      for (const m of metadata) {
        if ("interfaceName" in m) app.genericService(m.interfaceName, impl, m.options);
        else app.service(m.desc, impl, m.options);
      }
      return app;
    },
    service(desc, impl, serviceOptions = {}) {
      if (lifecycle.state !== "starting")
        throw new Error(`cannot add ${desc.typeName}: the application is ${lifecycle.state}`);
      registrations.push({ desc, impl, ...serviceOptions });
      lifecycle.addService(desc.typeName);
      return app;
    },
    genericService(interfaceName, impl, { parameterCounts, ...serviceOptions } = {}) {
      const generic = genericServiceOf(interfaceName, impl, { parameterCounts });
      return app.service(generic.desc, generic.impl, serviceOptions);
    },
    consume(cls, overrides = {}) {
      const instance = new cls();
      const refs = referenceMetadataOf(instance);
      if (refs.length === 0) throw new Error(`${cls.name} has no @DubboReference members`);
      for (const ref of refs) {
        const client = app.reference(ref.desc, { ...ref.options, ...stripUndefined(overrides) });
        (instance as Record<string | symbol, unknown>)[ref.name] = client;
      }
      return instance;
    },
    reference(desc, refOptions = {}) {
      const { lazy, ...rest } = refOptions;
      const client = getConsumer().reference(desc, {
        protocol: values.protocol.name === "grpc" ? "grpc" : undefined,
        ...rest,
      } as ReferenceOptions);
      referenced.push({ service: desc.typeName, address: rest.url ?? rest.providedBy });
      if (lazy === false) {
        const ref = connectionCheck(getConsumer(), desc.typeName, rest as ReferenceOptions, values.consumer.timeout);
        if (lifecycle.state === "starting") eager.push(ref);
        else void connectNow(ref);
      }
      return client;
    },
    generic(interfaceName, refOptions = {}) {
      const client = getConsumer().generic(interfaceName, refOptions as ReferenceOptions);
      referenced.push({ service: interfaceName, address: refOptions.url ?? refOptions.providedBy });
      return client;
    },
    addCheck(kind, name, check, checkOptions) {
      lifecycle.addCheck(kind, name, check, checkOptions);
      return app;
    },
    async start() {
      if (lifecycle.state !== "starting") throw new Error(`cannot start: the application is ${lifecycle.state}`);
      if (options.handleSignals ?? true) installSignalHandlers(app, logger);
      const started = Date.now();
      try {
        if (registrations.length > 0) {
          provider = await startProvider(
            providerOptions(values, { lifecycle, logger, metrics, tracing }),
            registrations,
          );
        }
        qos = createQosFromConfig(config, lifecycle, metrics, logger, {
          protocolPort: () => provider?.port,
          references: () => referenced,
        });
        const qosPort = qos ? (await qos.start()).port : undefined;
        await Promise.all(eager.map(connectNow));
        lifecycle.transition("started");
        logger.info({
          event: "application-started",
          application: values.application.name,
          protocolPort: provider?.port,
          qosPort,
          startupMs: Date.now() - started,
        });
        return { protocolPort: provider?.port, qosPort };
      } catch (e) {
        logger.error({ event: "application-start-failed", error: errorMessage(e) });
        await app.stop();
        throw e;
      }
    },
    stop() {
      // What start-up made is read as each step runs: a stop during start-up sees what is there by then.
      stopping ??= shutdown({ lifecycle, logger, values }, () => ({ provider, consumer, qos }));
      return stopping;
    },
  };
  return app;
}

/** A registration made before start: a service, its implementation, its version and group. */
interface Registration {
  desc: DescService;
  impl: object;
  version?: string;
  group?: string;
}

/** What the provider and the consumer of an application share: lifecycle, logger, metrics, tracing. */
interface Shared {
  logger: Logger;
  metrics: ReturnType<typeof createDubboMetrics> | undefined;
  tracing: RpcTracing | undefined;
}

/** The environment config is read from, with `configFile` as `DUBBO_CONFIG_FILE` unless that is set. */
function applicationEnv(options: DubboOptions): Record<string, string | undefined> {
  const env = { ...(options.env ?? process.env) };
  if (env.DUBBO_CONFIG_FILE === undefined && options.configFile !== undefined) {
    env.DUBBO_CONFIG_FILE = options.configFile instanceof URL ? options.configFile.pathname : options.configFile;
  }
  return env;
}

/** The configuration in code: `config`, with `application.name` as `dubbo.application.name`. */
function codeConfig(options: DubboOptions): ConfigInput {
  return options.application?.name
    ? { ...(options.config ?? {}), "dubbo.application.name": options.application.name }
    : { ...(options.config ?? {}) };
}

/**
 * Metrics and tracing as configured. `dubbo.metrics.enabled=false`: no recorder at all on the call paths, and an
 * empty QOS `metrics`. `dubbo.tracing.enabled=false`: no span on any call path; on, it records only once the
 * application registers an OpenTelemetry SDK (tracer provider, context manager, propagator) — until then every call
 * gets a no-op span.
 */
function observability(values: DubboConfig): Pick<Shared, "metrics" | "tracing"> {
  const metrics = values.metrics.enabled
    ? createDubboMetrics({ application: { name: values.application.name, version: values.application.version } })
    : undefined;
  return { metrics, tracing: values.tracing.enabled ? createRpcTracing() : undefined };
}

/** The consumer's options from `dubbo.consumer.*`, `dubbo.ssl.client-*` and the application's name. */
function consumerOptions(values: DubboConfig, shared: Shared & { env: ConsumerOptions["env"] }): ConsumerOptions {
  return {
    application: values.application.name,
    timeout: values.consumer.timeout,
    retries: values.consumer.retries,
    meshEnable: values.consumer.meshEnable,
    metrics: shared.metrics?.consumer,
    tracing: shared.tracing,
    balancing: values.consumer.balancing,
    loadBalancer: values.consumer.loadbalance,
    keepaliveTimeMs: values.consumer.keepaliveTime,
    keepaliveTimeoutMs: values.consumer.keepaliveTimeout,
    connectTimeoutMs: values.consumer.connectTimeout,
    tls: clientTls(values.ssl),
    logger: shared.logger,
    env: shared.env,
  };
}

/** The provider's options from `dubbo.protocol.*`, `dubbo.provider.*`, `dubbo.tri.*` and `dubbo.ssl.server-*`. */
function providerOptions(values: DubboConfig, shared: Shared & { lifecycle: Lifecycle }): ProviderOptions {
  return {
    port: values.protocol.port,
    host: values.protocol.host,
    readMaxBytes: values.protocol.maxMessageSize,
    maxConnectionAge: values.protocol.maxConnectionAge,
    maxConnectionAgeGrace: values.protocol.maxConnectionAgeGrace,
    headersTimeout: values.protocol.headersTimeout,
    requestTimeout: values.protocol.requestTimeout,
    keepalive: {
      timeMs: values.protocol.keepaliveTime,
      timeoutMs: values.protocol.keepaliveTimeout,
      permitTimeMs: values.protocol.permitKeepaliveTime,
      permitWithoutCalls: values.protocol.permitKeepaliveWithoutCalls,
      maxPingStrikes: values.protocol.maxPingStrikes,
    },
    executes: values.provider.executes,
    maxConcurrentStreams: values.protocol.triple.maxConcurrentStreams,
    maxStreamResetsPerSecond: values.protocol.triple.maxStreamResetsPerSecond,
    accepts: values.protocol.accepts,
    fallbackToDefault: values.tri.resolveFallbackToDefault,
    tls: serverTls(values.ssl),
    lifecycle: shared.lifecycle,
    metrics: shared.metrics?.provider,
    tracing: shared.tracing,
    logger: shared.logger,
  };
}

/** Creates the provider, registers every service and starts it. */
async function startProvider(options: ProviderOptions, registrations: readonly Registration[]): Promise<Provider> {
  const provider = createProvider(options);
  for (const r of registrations) provider.service(r.desc, r.impl, { version: r.version, group: r.group });
  await provider.start();
  return provider;
}

/**
 * The connection check of a `lazy: false` reference: a health Check over the reference's own address and options,
 * which opens its connection (no retries, within the consumer's timeout and at most 3 s).
 */
function connectionCheck(consumer: Consumer, service: string, ref: ReferenceOptions, timeout: number): ConnectionCheck {
  const probe = consumer.reference(health.Health, {
    ...ref,
    protocol: "grpc",
    retries: 0,
    timeout: Math.min(timeout, 3000),
  });
  return { service, check: () => probe.check({ service }) };
}

/** A reference to connect while the application starts (`lazy: false`), and how to check it. */
interface ConnectionCheck {
  service: string;
  check: () => Promise<unknown>;
}

/** Runs a connection check; a reference that cannot connect yet is logged, not fatal (its provider may start later). */
function connectReference(ref: ConnectionCheck, logger: Logger): Promise<void> {
  return ref.check().then(
    () => logger.info({ event: "reference-connected", service: ref.service }),
    (e: unknown) => logger.warn({ event: "reference-not-connected", service: ref.service, error: errorMessage(e) }),
  );
}

/** The instance `provide` registers (the one given, or one made of the class) and its class's service decorators. */
function decoratedServices(target: (new () => object) | object) {
  const cls = typeof target === "function" ? target : target.constructor;
  const impl = typeof target === "function" ? new (target as new () => object)() : target;
  const metadata = serviceMetadataOf(cls);
  if (metadata.length === 0) {
    throw new Error(
      `${cls.name || "this class"} has no @DubboService or @DubboGenericService decorator; use app.service(desc, impl)`,
    );
  }
  return { impl, metadata };
}

/**
 * Graceful shutdown, in Dubbo's order: offline -> `dubbo.application.shutdown-delay` -> the provider's drain within
 * `dubbo.service.shutdown.wait` -> the consumer's connections -> QOS -> stopped.
 */
async function shutdown(
  { lifecycle, logger, values }: { lifecycle: Lifecycle; logger: Logger; values: DubboConfig },
  parts: () => { provider?: Provider; consumer?: Consumer; qos?: QosServer },
): Promise<void> {
  if (lifecycle.state === "starting" || lifecycle.state === "started") lifecycle.transition("stopping");
  const delay = values.application.shutdownDelay;
  logger.info({ event: "shutdown-begin", shutdownDelayMs: delay, shutdownWaitMs: values.service.shutdown.wait });
  if (delay > 0 && parts().provider) await new Promise((r) => setTimeout(r, delay));
  await parts().provider?.stop({ graceMs: values.service.shutdown.wait });
  parts().consumer?.close();
  await parts().qos?.stop();
  if (lifecycle.state === "stopping") lifecycle.transition("stopped");
  logger.info({ event: "shutdown-complete" });
}

/** The provider's TLS from `dubbo.ssl.server-*`, or undefined when none of them is set (cleartext). */
function serverTls(ssl: LoadedConfig["values"]["ssl"]): ProviderOptions["tls"] {
  const files = {
    keyCertChainPath: ssl.serverKeyCertChainPath,
    privateKeyPath: ssl.serverPrivateKeyPath,
    keyPassword: ssl.serverKeyPassword,
    trustCertCollectionPath: ssl.serverTrustCertCollectionPath,
  };
  if (Object.values(files).every((v) => v === undefined)) return undefined;
  return { ...stripUndefined(files), permissive: ssl.serverPermissive };
}

/** The consumer's TLS from `dubbo.ssl.client-*`, or undefined when none of them is set (cleartext). */
function clientTls(ssl: LoadedConfig["values"]["ssl"]): ConsumerOptions["tls"] {
  const files = {
    keyCertChainPath: ssl.clientKeyCertChainPath,
    privateKeyPath: ssl.clientPrivateKeyPath,
    keyPassword: ssl.clientKeyPassword,
    trustCertCollectionPath: ssl.clientTrustCertCollectionPath,
  };
  if (Object.values(files).every((v) => v === undefined)) return undefined;
  return stripUndefined(files);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

import type { ManifestTls } from "./tls.js";

/** Which side of a call an application is on: a provider gets a Service; a consumer gets the EnvoyFilter. */
export type ManifestRole = "provider" | "consumer";

/** CPU and memory for the application container, as Kubernetes quantities (`"100m"`, `"128Mi"`). */
export interface ManifestResources {
  readonly requests: { readonly cpu: string; readonly memory: string };
  readonly limits: { readonly cpu: string; readonly memory: string };
}

/**
 * What `generateManifests` needs to know about one Dubbo application. Only `app` and `image` are required; every
 * other field has the default named on it, taken from the Dubbo mesh sample and the framework's fixed contracts.
 */
export interface ManifestOptions {
  /** Dubbo application name = Kubernetes Service name = the pods' `app` label. A DNS-1123 label. */
  readonly app: string;
  /** Container image, e.g. `dubbo-mesh/greeter-provider:0.1.0`. */
  readonly image: string;
  /** Provider (Service, VirtualService, DestinationRule) or consumer (EnvoyFilter). Default `"provider"`. */
  readonly role?: ManifestRole;
  /** For a consumer: the provider application it calls. Required for a consumer when `istio` is on. */
  readonly providerApp?: string;
  /** For a consumer: the provider's Service port (a reference's `providerPort`). Default 50052. */
  readonly providerPort?: number;
  /** Namespace of every object. Default `"dubbo-demo"` (the Dubbo mesh sample's). */
  readonly namespace?: string;
  /** Deployment replicas. Default 2 (the sample's). */
  readonly replicas?: number;
  /**
   * Istio: labels the Namespace `istio-injection: enabled` and adds the VirtualService and DestinationRule
   * (provider) or the EnvoyFilter with the active gRPC health check (consumer). Default false.
   */
  readonly istio?: boolean;
  /** The pods' `version` label, and the DestinationRule subset that selects them. Default `"v1"`. */
  readonly version?: string;
  /** Protocol port, `dubbo.protocol.port`. Default 50052. */
  readonly port?: number;
  /** QOS port, `dubbo.application.qos-port`; the probes and the preStop hook use it. Default 22222. */
  readonly qosPort?: number;
  /** `dubbo.service.shutdown.wait` in ms: how long in-flight calls may take to finish. Default 10000. */
  readonly shutdownWaitMs?: number;
  /**
   * `dubbo.application.shutdown-delay` in ms, between offline and closing listeners. Default 0: in Kubernetes the
   * preStop sleep already gives balancers that time before SIGTERM arrives.
   */
  readonly shutdownDelayMs?: number;
  /** Seconds the preStop hook waits after sending `offline`. Default 10 (the Dubbo docs' advice). */
  readonly preStopSleepSeconds?: number;
  /** Kubernetes cluster domain, for the provider's FQDN. Default `"cluster.local"`; other values set `CLUSTER_DOMAIN`. */
  readonly clusterDomain?: string;
  /** Container requests and limits. Default requests 100m/128Mi, limits 1 CPU/256Mi. */
  readonly resources?: ManifestResources;
  /** Extra container environment variables, added after the generated ones (e.g. a sample's `DUBBO_CONSUMER_URL`). */
  readonly env?: Readonly<Record<string, string>>;
  /**
   * VirtualService weights by version (subset), summing to 100. Default `{ [version]: 100 }`. Every key becomes a
   * DestinationRule subset selecting pods labelled with that `version`.
   */
  readonly trafficSplit?: Readonly<Record<string, number>>;
  /** TLS on the protocol port and for calls, from a mounted Secret (proxyless mode; not with `istio`). Default off. */
  readonly tls?: ManifestTls;
}

/** `ManifestOptions` with every default filled in and every value checked. */
export interface ResolvedManifestOptions {
  readonly app: string;
  readonly image: string;
  readonly role: ManifestRole;
  readonly providerApp: string | undefined;
  readonly providerPort: number;
  readonly namespace: string;
  readonly replicas: number;
  readonly istio: boolean;
  readonly version: string;
  readonly port: number;
  readonly qosPort: number;
  readonly shutdownWaitMs: number;
  readonly shutdownDelayMs: number;
  readonly preStopSleepSeconds: number;
  readonly clusterDomain: string;
  readonly resources: ManifestResources;
  readonly env: Readonly<Record<string, string>>;
  readonly trafficSplit: Readonly<Record<string, number>>;
  readonly tls: ManifestTls | undefined;
}

/** Default requests and limits: small enough for a demo cluster, with headroom for a Node.js heap. */
export const DEFAULT_RESOURCES: ManifestResources = {
  requests: { cpu: "100m", memory: "128Mi" },
  limits: { cpu: "1", memory: "256Mi" },
};

/** A bad option value; the message names the option and the value. */
export class ManifestOptionError extends Error {
  override readonly name = "ManifestOptionError";
}

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const DOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

function fail(option: string, value: unknown, expected: string): never {
  throw new ManifestOptionError(`manifests: option ${option} = ${JSON.stringify(value)}: expected ${expected}`);
}

function dnsLabel(option: string, value: string): string {
  if (value.length > 63 || !DNS_LABEL.test(value)) fail(option, value, "a DNS-1123 label (a-z, 0-9, '-', <= 63)");
  return value;
}

function labelValue(option: string, value: string): string {
  if (value.length > 63 || !LABEL_VALUE.test(value)) fail(option, value, "a Kubernetes label value (<= 63)");
  return value;
}

function integer(option: string, value: number, min: number, max: number): number {
  if (!Number.isInteger(value) || value < min || value > max) fail(option, value, `an integer ${min}-${max}`);
  return value;
}

function trafficSplit(split: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  const entries = Object.entries(split);
  if (entries.length === 0) fail("trafficSplit", split, "at least one version");
  let total = 0;
  for (const [version, weight] of entries) {
    labelValue(`trafficSplit key`, version);
    total += integer(`trafficSplit.${version}`, weight, 0, 100);
  }
  if (total !== 100) fail("trafficSplit", split, "weights summing to 100");
  return split;
}

/** Fills in defaults and checks every value, throwing {@link ManifestOptionError} on the first bad one. */
export function resolveManifestOptions(options: ManifestOptions): ResolvedManifestOptions {
  const role = options.role ?? "provider";
  if (role !== "provider" && role !== "consumer") fail("role", role, '"provider" or "consumer"');
  const istio = options.istio ?? false;
  const providerApp = options.providerApp === undefined ? undefined : dnsLabel("providerApp", options.providerApp);
  if (role === "consumer" && istio && providerApp === undefined) {
    fail("providerApp", undefined, "the provider's app name: an Istio consumer gets an EnvoyFilter for it");
  }
  if (options.image.trim() === "" || /\s/.test(options.image)) fail("image", options.image, "an image reference");
  const clusterDomain = options.clusterDomain ?? "cluster.local";
  if (!DOMAIN.test(clusterDomain)) fail("clusterDomain", clusterDomain, "a DNS domain");
  const port = integer("port", options.port ?? 50052, 1, 65535);
  const qosPort = integer("qosPort", options.qosPort ?? 22222, 1, 65535);
  if (port === qosPort) fail("qosPort", qosPort, "a port other than the protocol port");
  const env = options.env ?? {};
  for (const name of Object.keys(env)) if (!ENV_NAME.test(name)) fail("env key", name, "an environment variable name");
  const version = labelValue("version", options.version ?? "v1");
  const tls = options.tls;
  if (tls) {
    if (istio) fail("tls", tls, "no TLS of its own with istio: the sidecars do mTLS (use one or the other)");
    dnsLabel("tls.secretName", tls.secretName);
    if (tls.issuer && !["Issuer", "ClusterIssuer"].includes(tls.issuer.kind)) {
      fail("tls.issuer.kind", tls.issuer.kind, '"Issuer" or "ClusterIssuer"');
    }
    if (tls.issuer && tls.issuer.name.trim() === "") fail("tls.issuer.name", tls.issuer.name, "an issuer name");
  }
  return {
    app: dnsLabel("app", options.app),
    image: options.image,
    role,
    providerApp,
    providerPort: integer("providerPort", options.providerPort ?? 50052, 1, 65535),
    namespace: dnsLabel("namespace", options.namespace ?? "dubbo-demo"),
    replicas: integer("replicas", options.replicas ?? 2, 0, 1000),
    istio,
    version,
    port,
    qosPort,
    shutdownWaitMs: integer("shutdownWaitMs", options.shutdownWaitMs ?? 10_000, 0, 3_600_000),
    shutdownDelayMs: integer("shutdownDelayMs", options.shutdownDelayMs ?? 0, 0, 3_600_000),
    preStopSleepSeconds: integer("preStopSleepSeconds", options.preStopSleepSeconds ?? 10, 0, 3600),
    clusterDomain,
    resources: options.resources ?? DEFAULT_RESOURCES,
    env,
    trafficSplit: trafficSplit(options.trafficSplit ?? { [version]: 100 }),
    tls,
  };
}

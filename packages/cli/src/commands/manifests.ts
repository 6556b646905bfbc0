import {
  booleanFlag,
  checkPositionalCount,
  integerFlag,
  listFlag,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "../args.js";
import { EXIT_OK } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { ManifestOptions, ManifestRole } from "../manifests/index.js";
import type { Command } from "./command.js";

/**
 * `dubbo-mesh manifests --app <name> --image <image>`: prints the Kubernetes (and with `--istio`, Istio) YAML of one
 * Dubbo application in mesh mode, from the typed, validated models of `renderManifests`, ready for `kubectl apply -f -`.
 */
export const manifestsCommand: Command = {
  name: "manifests",
  summary: "Print Kubernetes/Istio YAML for a Dubbo application (probes, preStop offline, graceful shutdown wired).",
  usage: "manifests --app <name> --image <image> [flags]",
  description: [
    "Prints Namespace, ServiceAccount, Deployment (QOS probes /live /ready /startup, preStop that sends offline, " +
      "termination grace covering the drain) and, for a provider, a Service with port grpc-tri; with --istio also the " +
      "VirtualService and DestinationRule (provider) or the EnvoyFilter with an active gRPC health check (consumer).",
    "Exit codes: 0 printed; 2 bad command line or option value (the message names it).",
  ],
  options: {
    app: {
      type: "string",
      valueName: "name",
      description: "Dubbo application name = Service name = app label (required).",
    },
    image: {
      type: "string",
      valueName: "image",
      description: "Container image, e.g. dubbo-mesh/greeter-provider:0.1.0 (required).",
    },
    namespace: {
      type: "string",
      valueName: "namespace",
      description: "Namespace of every object. Default dubbo-demo.",
    },
    replicas: { type: "string", valueName: "n", description: "Deployment replicas. Default 2." },
    istio: { type: "boolean", description: "Label the namespace for sidecar injection and add the Istio objects." },
    role: {
      type: "string",
      valueName: "provider|consumer",
      description: "Which side of the call the app is. Default provider.",
    },
    "provider-app": {
      type: "string",
      valueName: "name",
      description: "For a consumer: the provider application it calls (required with --istio).",
    },
    "provider-port": {
      type: "string",
      valueName: "port",
      description: "For a consumer: the provider's port. Default 50052.",
    },
    version: {
      type: "string",
      valueName: "label",
      description: "The pods' version label and DestinationRule subset. Default v1.",
    },
    port: { type: "string", valueName: "port", description: "Protocol port (dubbo.protocol.port). Default 50052." },
    "qos-port": {
      type: "string",
      valueName: "port",
      description: "QOS port (dubbo.application.qos-port). Default 22222.",
    },
    "shutdown-wait": {
      type: "string",
      valueName: "ms",
      description: "dubbo.service.shutdown.wait: time for in-flight calls to finish. Default 10000.",
    },
    "pre-stop-sleep": {
      type: "string",
      valueName: "s",
      description: "Seconds preStop waits after offline. Default 10.",
    },
    "tls-secret": {
      type: "string",
      valueName: "name",
      description:
        "Proxyless TLS: mount this kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt) and set the DUBBO_SSL_* keys " +
        "(mTLS on the provider's port). Not with --istio.",
    },
    "cert-issuer": {
      type: "string",
      valueName: "Kind/name",
      description:
        "With --tls-secret: add a cert-manager Certificate from this issuer (ClusterIssuer/mesh-ca, Issuer/ca).",
    },
    "tls-server-only": {
      type: "boolean",
      description: "With --tls-secret: the provider does not ask clients for certificates (TLS, not mTLS).",
    },
    env: {
      type: "string",
      multiple: true,
      valueName: "NAME=value",
      description: "Extra container environment variable.",
    },
  },
  examples: [
    "dubbo-mesh manifests --app greeter-provider --image dubbo-mesh/greeter-provider:0.1.0 --istio | kubectl apply -f -",
    "dubbo-mesh manifests --app greeter-provider --image dubbo-mesh/greeter-provider:0.1.0 \\\n" +
      "    --tls-secret greeter-provider-tls --cert-issuer ClusterIssuer/mesh-ca",
    "dubbo-mesh manifests --app greeter-consumer --image dubbo-mesh/greeter-consumer:0.1.0 --role consumer \\\n" +
      "    --provider-app greeter-provider --namespace dubbo-demo --replicas 1 --istio",
  ],
  run: runManifests,
};

async function runManifests(args: ParsedArgs, io: Io): Promise<number> {
  checkPositionalCount(args, 0);
  const app = stringFlag(args, "app");
  const image = stringFlag(args, "image");
  if (app === undefined) throw new UsageError("missing --app <name>");
  if (image === undefined) throw new UsageError("missing --image <image>");
  const options: ManifestOptions = {
    app,
    image,
    role: stringFlag(args, "role") as ManifestRole | undefined,
    providerApp: stringFlag(args, "provider-app"),
    providerPort: integerFlag(args, "provider-port"),
    namespace: stringFlag(args, "namespace"),
    replicas: integerFlag(args, "replicas"),
    istio: booleanFlag(args, "istio"),
    version: stringFlag(args, "version"),
    port: integerFlag(args, "port"),
    qosPort: integerFlag(args, "qos-port"),
    shutdownWaitMs: integerFlag(args, "shutdown-wait"),
    preStopSleepSeconds: integerFlag(args, "pre-stop-sleep"),
    env: envFlag(args),
    tls: tlsFlag(args),
  };
  // Loaded here, not at the top: the Kubernetes models are large and only this command needs them.
  const { ManifestOptionError, renderManifests } = await import("../manifests/index.js");
  let yaml: string;
  try {
    yaml = renderManifests(options);
  } catch (e) {
    if (e instanceof ManifestOptionError) throw new UsageError(e.message.replace(/^manifests: /, ""));
    throw e;
  }
  io.out(yaml.trimEnd());
  return EXIT_OK;
}

function tlsFlag(args: ParsedArgs): ManifestOptions["tls"] {
  const secretName = stringFlag(args, "tls-secret");
  const issuer = stringFlag(args, "cert-issuer");
  if (secretName === undefined) {
    if (issuer !== undefined || booleanFlag(args, "tls-server-only")) {
      throw new UsageError("--cert-issuer and --tls-server-only need --tls-secret <name>");
    }
    return undefined;
  }
  let issuerRef: { kind: "Issuer" | "ClusterIssuer"; name: string } | undefined;
  if (issuer !== undefined) {
    const [kind, name, extra] = issuer.split("/");
    if ((kind !== "Issuer" && kind !== "ClusterIssuer") || !name || extra !== undefined) {
      throw new UsageError(`--cert-issuer expects ClusterIssuer/<name> or Issuer/<name>, got '${issuer}'`);
    }
    issuerRef = { kind, name };
  }
  return {
    secretName,
    ...(issuerRef ? { issuer: issuerRef } : {}),
    ...(booleanFlag(args, "tls-server-only") ? { mutual: false } : {}),
  };
}

function envFlag(args: ParsedArgs): Record<string, string> | undefined {
  const pairs = listFlag(args, "env");
  if (pairs.length === 0) return undefined;
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--env expects NAME=value, got '${pair}'`);
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}

import { checkPositionalCount, metadataFlag, millisecondsFlag, type ParsedArgs } from "../args.js";
import { EXIT_CHECK_FAILED, EXIT_FAILURE, EXIT_OK } from "../exit-codes.js";
import type { Io } from "../io.js";
import { tlsOptionSpecs } from "../tls-flags.js";
import type { Command } from "./command.js";

/** Default deadline of the Check call, in ms (grpc_health_probe's). */
const DEFAULT_TIMEOUT_MS = 1000;

/**
 * `dubbo-mesh health <target> [service]`: one `grpc.health.v1.Health/Check`, the status printed, and an exit code a
 * container runtime can use as an exec probe (Docker HEALTHCHECK, a Kubernetes exec probe), like grpc_health_probe:
 * 0 SERVING, 1 any other status, 2 when the check itself fails.
 */
export const healthCommand: Command = {
  name: "health",
  summary: "Check grpc.health.v1 on a server; exit 0 only if SERVING (an exec probe, like grpc_health_probe).",
  usage: "health <target> [service] [flags]",
  description: [
    "<target> is host:port, tri://host:port or http://host:port. [service] is a fully-qualified service name; " +
      'left out, the server as a whole ("") is checked. The status (SERVING, NOT_SERVING, UNKNOWN) is printed.',
    "Exit codes: 0 SERVING; 1 NOT_SERVING or UNKNOWN; 2 the check failed (unreachable, deadline exceeded, " +
      'NOT_FOUND for an unknown service, no health service) with {"code","message"} on standard error, or a bad command line.',
  ],
  options: {
    timeout: {
      type: "string",
      valueName: "ms",
      description: `Deadline of the check in ms; 0 = none. Default ${DEFAULT_TIMEOUT_MS}.`,
    },
    metadata: {
      type: "string",
      multiple: true,
      valueName: "key=value",
      description: "Request metadata (an HTTP header).",
    },
    ...tlsOptionSpecs,
  },
  examples: [
    "dubbo-mesh health 127.0.0.1:50052",
    "dubbo-mesh health 127.0.0.1:50052 greet.v1.GreeterService --timeout 500",
    "dubbo-mesh health greeter.demo.svc.cluster.local:50052 --cacert /etc/tls/ca.crt --cert tls.crt --key tls.key",
    'HEALTHCHECK CMD ["node", "packages/cli/dist/bin.js", "health", "127.0.0.1:50052"]   # in a Dockerfile',
  ],
  run: runHealth,
};

async function runHealth(args: ParsedArgs, io: Io): Promise<number> {
  // Loaded here, not at the top: a probe runs every few seconds, and --help should not load an HTTP/2 client.
  const [{ createConsumer }, { health }, { printRpcError }, { checkTarget }, { tlsFromFlags, withTlsFiles }] =
    await Promise.all([
      import("@dubbo-mesh/consumer"),
      import("@dubbo-mesh/protocol"),
      import("../rpc-error.js"),
      import("../target.js"),
      import("../tls-flags.js"),
    ]);
  const ServingStatus = health.HealthCheckResponse_ServingStatus;
  checkPositionalCount(args, 2);
  const [targetArg, service = ""] = args.positionals;
  const url = checkTarget(targetArg, "health");
  const timeout = millisecondsFlag(args, "timeout", DEFAULT_TIMEOUT_MS);
  const headers = metadataFlag(args);
  const tls = tlsFromFlags(args);
  const consumer = withTlsFiles(() => createConsumer({ application: "dubbo-mesh-cli", ...(tls ? { tls } : {}) }));
  try {
    const client = consumer.reference(health.Health, { url, timeout });
    const { status } = await client.check({ service }, { headers });
    io.out(ServingStatus[status] ?? `status ${status}`);
    return status === ServingStatus.SERVING ? EXIT_OK : EXIT_FAILURE;
  } catch (e) {
    printRpcError(io, e);
    return EXIT_CHECK_FAILED;
  } finally {
    consumer.close();
  }
}

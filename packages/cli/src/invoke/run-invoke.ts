import { toJson } from "@bufbuild/protobuf";
import { createConsumer } from "@dubbo-mesh/consumer";
import {
  booleanFlag,
  checkPositionalCount,
  metadataFlag,
  millisecondsFlag,
  type ParsedArgs,
  stringFlag,
  UsageError,
} from "../args.js";
import { EXIT_OK, EXIT_RPC_BASE } from "../exit-codes.js";
import type { Io } from "../io.js";
import { printRpcError } from "../rpc-error.js";
import { checkTarget } from "../target.js";
import { tlsFromFlags, withTlsFiles } from "../tls-flags.js";
import { callMethod } from "./call-method.js";
import { parseJsonArgument, requestMessages } from "./json-input.js";
import { createReflectionClient } from "./reflection-client.js";
import { resolveMethod } from "./resolve-method.js";

/**
 * Runs `dubbo-mesh invoke` (see commands/invoke.ts for the command line): checks the arguments, learns the method
 * through reflection, calls it and prints the replies. `defaultTimeoutMs` applies when `--timeout` is absent.
 * Loaded only when `invoke` runs, so `--help` and the other commands do not pay for the protobuf and HTTP/2 client.
 */
export async function runInvoke(args: ParsedArgs, io: Io, defaultTimeoutMs: number): Promise<number> {
  checkPositionalCount(args, 3);
  const [targetArg, methodArg, jsonArg] = args.positionals;
  const url = checkTarget(targetArg, "invoke");
  const timeoutMs = millisecondsFlag(args, "timeout", defaultTimeoutMs);
  const headers = metadataFlag(args);
  const http1 = booleanFlag(args, "http1");
  if (booleanFlag(args, "generic")) {
    return (await import("./run-generic.js")).runGeneric(args, io, url, methodArg, jsonArg, timeoutMs);
  }
  const json = parseJsonArgument(jsonArg === "-" ? await io.readStdin() : jsonArg);
  const tls = tlsFromFlags(args);
  const consumer = withTlsFiles(() =>
    createConsumer({ application: "dubbo-mesh-cli", timeout: timeoutMs, ...(tls ? { tls } : {}) }),
  );
  try {
    const reflection = createReflectionClient(consumer, url, { headers });
    if (methodArg === undefined) {
      for (const name of await reflection.listServices()) io.out(name);
      return EXIT_OK;
    }
    const { registry, service, method } = await resolveMethod(reflection, methodArg);
    if (method === undefined) {
      for (const m of service.methods) io.out(`${service.typeName}/${m.name} (${m.methodKind.replace("_", " ")})`);
      return EXIT_OK;
    }
    if (http1 && method.methodKind !== "unary" && method.methodKind !== "server_streaming") {
      throw new UsageError(
        `--http1 (Triple HTTP) calls unary and server-streaming methods only; ${method.name} is ${method.methodKind}`,
      );
    }
    const emitDefaults = booleanFlag(args, "emit-defaults");
    await callMethod(consumer, {
      url,
      service,
      method,
      inputs: requestMessages(method, json, registry),
      version: stringFlag(args, "version"),
      group: stringFlag(args, "group"),
      timeoutMs,
      protocol: http1 ? "triple" : "grpc",
      headers,
      onOutput: (message) =>
        io.out(JSON.stringify(toJson(method.output, message, { registry, alwaysEmitImplicit: emitDefaults }), null, 2)),
    });
    return EXIT_OK;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    return EXIT_RPC_BASE + printRpcError(io, e).code;
  } finally {
    consumer.close();
  }
}

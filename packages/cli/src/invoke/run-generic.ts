import { createConsumer } from "@dubbo-mesh/consumer";
import { booleanFlag, metadataFlag, type ParsedArgs, stringFlag, UsageError } from "../args.js";
import { EXIT_OK, EXIT_RPC_BASE } from "../exit-codes.js";
import type { Io } from "../io.js";
import { printRpcError } from "../rpc-error.js";
import { tlsFromFlags, withTlsFiles } from "../tls-flags.js";
import { parseJsonArgument } from "./json-input.js";
import { parseMethodPath } from "./method-path.js";

/**
 * Runs `dubbo-mesh invoke --generic <target> <interface/method> '[args]'`: a generic call of a Dubbo interface
 * service without a .proto and without reflection — Triple HTTP, `POST /<interface>/<method>`, `application/json`,
 * the JSON array of the arguments (default `[]`) — printing the JSON of the return value.
 */
export async function runGeneric(
  args: ParsedArgs,
  io: Io,
  url: string,
  methodArg: string | undefined,
  jsonArg: string | undefined,
  timeoutMs: number,
): Promise<number> {
  if (methodArg === undefined)
    throw new UsageError("--generic needs <interface/method>, e.g. org.example.GreetingsService/sayHi");
  const { primary } = parseMethodPath(methodArg);
  if (primary.method === undefined) {
    throw new UsageError(`--generic needs <interface/method>: '${methodArg}' names no method (write Interface/method)`);
  }
  const json = parseJsonArgument(jsonArg === "-" ? await io.readStdin() : jsonArg) ?? [];
  if (!Array.isArray(json)) {
    throw new UsageError(
      `--generic takes the arguments as a JSON array, e.g. '["Dubbo"]'; got ${JSON.stringify(json)}`,
    );
  }
  const tls = tlsFromFlags(args);
  const consumer = withTlsFiles(() =>
    createConsumer({ application: "dubbo-mesh-cli", timeout: timeoutMs, ...(tls ? { tls } : {}) }),
  );
  try {
    const client = consumer.generic(primary.service, {
      url,
      version: stringFlag(args, "version"),
      group: stringFlag(args, "group"),
      timeout: timeoutMs,
      httpVersion: booleanFlag(args, "http1") ? "1.1" : undefined,
    });
    const result = await client.invoke(primary.method, json, { headers: metadataFlag(args) });
    io.out(JSON.stringify(result, null, 2));
    return EXIT_OK;
  } catch (e) {
    return EXIT_RPC_BASE + printRpcError(io, e).code;
  } finally {
    consumer.close();
  }
}

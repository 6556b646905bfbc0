import { tlsOptionSpecs } from "../tls-flags.js";
import type { Command } from "./command.js";

/** Default deadline of each of `invoke`'s calls (reflection and the call itself), in ms. */
export const INVOKE_TIMEOUT_MS = 10_000;

/**
 * `dubbo-mesh invoke <target> <package.Service/Method> [json]`: calls any method of any gRPC/Triple server that serves
 * `grpc.reflection.v1.ServerReflection` (dubbo-mesh providers by default, grpc-js with @grpc/reflection, grpc-go,
 * grpc-java...), with the request and the replies as protobuf JSON. Without a method it lists the services; with
 * only a service, its methods.
 */
export const invokeCommand: Command = {
  name: "invoke",
  summary: "Call any method with JSON, learning its schema through server reflection.",
  usage: "invoke <target> [<package.Service/Method> [json|-]] [flags]",
  description: [
    "<target> is host:port, tri://host:port or http://host:port (port 50052 if left out). The method's request and " +
      "response types come from the server's grpc.reflection.v1.ServerReflection; no .proto files are needed.",
    "[json] is the request in protobuf's JSON mapping (default {}); '-' reads it from standard input. Client-streaming " +
      "and bidi methods take a JSON array, one element per message. Every reply is printed as pretty JSON, one per " +
      "message for streaming methods. Without a method the server's services are listed; with only a service, its methods.",
    "Exit codes: 0 success; 2 bad command line; 10 + the gRPC status code when the call or reflection fails " +
      '(e.g. 15 NOT_FOUND, 24 UNAVAILABLE), with {"code","message"} on standard error.',
  ],
  options: {
    version: {
      type: "string",
      valueName: "version",
      description: "Service version to call (Triple header tri-service-version).",
    },
    group: {
      type: "string",
      valueName: "group",
      description: "Service group to call (Triple header tri-service-group).",
    },
    metadata: {
      type: "string",
      multiple: true,
      valueName: "key=value",
      description: "Request metadata (an HTTP header), sent with reflection and with the call.",
    },
    timeout: {
      type: "string",
      valueName: "ms",
      description: `Deadline of each call in ms; 0 = none. Default ${INVOKE_TIMEOUT_MS}.`,
    },
    http1: {
      type: "boolean",
      description:
        "Call over Triple HTTP on HTTP/1.1 instead of gRPC: unary methods, and server-streaming ones as Server-Sent " +
        "Events (reflection still uses gRPC).",
    },
    generic: {
      type: "boolean",
      description:
        "Generic call of a Dubbo interface service without a .proto or reflection: <Interface/method> and the " +
        "arguments as a JSON array (default []), sent as Triple HTTP application/json; prints the return value.",
    },
    "emit-defaults": { type: "boolean", description: "Print fields that have their default value too." },
    ...tlsOptionSpecs,
  },
  examples: [
    `dubbo-mesh invoke 127.0.0.1:50052 greet.v1.GreeterService/Greet '{"name":"alice"}'`,
    `dubbo-mesh invoke tri://127.0.0.1:50052 greet.v1.GreeterService/Greet '{"name":"bob"}' --version 1.0.0 --group blue`,
    `dubbo-mesh invoke 127.0.0.1:50052 greet.v1.GreeterService/GreetStream '{"name":"carol"}' --metadata x-user=me`,
    `dubbo-mesh invoke 127.0.0.1:50052 greet.v1.GreeterService/GreetBidi '[{"name":"a"},{"name":"b"}]'`,
    `echo '{"name":"dave"}' | dubbo-mesh invoke 127.0.0.1:50052 greet.v1.GreeterService/Greet - --http1`,
    `dubbo-mesh invoke 127.0.0.1:50052 org.apache.dubbo.samples.api.GreetingsService/sayHi '["Dubbo"]' --generic`,
    `dubbo-mesh invoke localhost:50052 ${"greet.v1.GreeterService/Greet"} '{"name":"eve"}' --cacert ca.crt --cert tls.crt --key tls.key`,
    "dubbo-mesh invoke 127.0.0.1:50052                # list services",
    "dubbo-mesh invoke 127.0.0.1:50052 greet.v1.GreeterService   # list methods",
  ],
  run: async (args, io) => (await import("../invoke/run-invoke.js")).runInvoke(args, io, INVOKE_TIMEOUT_MS),
};

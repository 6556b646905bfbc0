import * as grpc from "@grpc/grpc-js";

/** What a greeter must do for one request name: answer normally, fail with a status, or sleep first. */
export type GreetAction =
  | { kind: "reply" }
  | { kind: "error"; code: number; message: string }
  | { kind: "sleep"; ms: number };

/**
 * Interprets the special names of the greeter contract: `error:<code>:<message>` fails with that gRPC status,
 * `sleep:<ms>` waits before replying; any other name is answered at once.
 */
export function greetAction(name: string): GreetAction {
  const error = /^error:(\d+):(.*)$/s.exec(name);
  if (error !== null) {
    return { kind: "error", code: Number(error[1]), message: error[2] ?? "" };
  }
  const sleep = /^sleep:(\d+)$/.exec(name);
  if (sleep !== null) {
    return { kind: "sleep", ms: Number(sleep[1]) };
  }
  return { kind: "reply" };
}

/** Response header and trailer metadata a greeter returns for a call, derived from the call's request metadata. */
export interface EchoMetadata {
  headers: grpc.Metadata;
  trailers: grpc.Metadata;
}

/**
 * Builds the metadata echo of the contract: request `x-echo` comes back as header `x-echo` and trailer
 * `x-echo-trailer`; request `x-echo-bin` comes back as header `x-echo-bin` with the same bytes.
 */
export function echoMetadata(request: grpc.Metadata): EchoMetadata {
  const headers = new grpc.Metadata();
  const trailers = new grpc.Metadata();
  const echo = request.get("x-echo")[0];
  if (typeof echo === "string") {
    headers.set("x-echo", echo);
    trailers.set("x-echo-trailer", echo);
  }
  const echoBin = request.get("x-echo-bin")[0];
  if (Buffer.isBuffer(echoBin)) {
    headers.set("x-echo-bin", echoBin);
  }
  return { headers, trailers };
}

import * as grpc from "@grpc/grpc-js";
import { type MetadataRecord, toRecord } from "../peers/metadata.js";
import { GREETER_SERVICE, type GreetRequest, type GreetResponse, greeterServiceDefinition } from "../peers/protos.js";

/** How a grpc-js GreetStream call went: replies in order, response headers, and the final status with trailers. */
export interface GrpcJsStreamResult {
  greetings: string[];
  headers: MetadataRecord;
  code: number;
  details: string;
  trailers: MetadataRecord;
}

/** Options of `grpcJsGreetStream`. */
export interface GrpcJsStreamOptions {
  metadata?: Record<string, string | Buffer>;
  /** Deadline relative to the start of the call, in ms. */
  deadlineMs?: number;
  /** Called with the replies so far after each one; may cancel the call. */
  onReply?: (greetings: string[], cancel: () => void) => void;
}

/**
 * Calls GreetStream with @grpc/grpc-js and resolves once the call has a status — OK, an error from the server, a
 * deadline, or CANCELLED after `cancel()` — with everything received before it. Never rejects.
 */
export function grpcJsGreetStream(
  client: grpc.Client,
  name: string,
  options: GrpcJsStreamOptions = {},
): Promise<GrpcJsStreamResult> {
  const method = greeterServiceDefinition().GreetStream;
  if (!method) throw new Error("greet.proto has no GreetStream");
  const metadata = new grpc.Metadata();
  for (const [k, v] of Object.entries(options.metadata ?? {})) metadata.set(k, v);
  const call = client.makeServerStreamRequest(
    `/${GREETER_SERVICE}/GreetStream`,
    method.requestSerialize as (r: GreetRequest) => Buffer,
    method.responseDeserialize as (b: Buffer) => GreetResponse,
    { name },
    metadata,
    options.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs },
  );
  const result: GrpcJsStreamResult = { greetings: [], headers: {}, code: -1, details: "", trailers: {} };
  return new Promise((resolve) => {
    call.on("metadata", (m: grpc.Metadata) => {
      result.headers = toRecord(m);
    });
    call.on("data", (reply: GreetResponse) => {
      result.greetings.push(reply.greeting);
      options.onReply?.(result.greetings, () => call.cancel());
    });
    call.on("error", () => {}); // the status carries it
    call.on("status", (status: grpc.StatusObject) => {
      result.code = status.code;
      result.details = status.details;
      result.trailers = toRecord(status.metadata);
      resolve(result);
    });
  });
}

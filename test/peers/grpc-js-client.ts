import * as grpc from "@grpc/grpc-js";
import { type MetadataRecord, toRecord } from "./metadata.js";
import { grpcJsChannel, type PeerTls } from "./peer-tls.js";
import { GREETER_SERVICE, type GreetRequest, type GreetResponse, greeterServiceDefinition } from "./protos.js";

export type { MetadataRecord } from "./metadata.js";

/** Request metadata as a plain object; keys ending in `-bin` must carry a Buffer. */
export type MetadataInit = Record<string, string | Buffer>;

/** Per-call options of the grpc-js greeter client. */
export interface GreeterCallOptions {
  /** Request metadata to send. */
  metadata?: MetadataInit;
  /** Deadline relative to the start of the call, in milliseconds. */
  deadlineMs?: number;
}

/** Result of a call that answers once (Greet, GreetClientStream, or any raw unary path). */
export interface UnaryGreeting {
  greeting: string;
  headers: MetadataRecord;
  trailers: MetadataRecord;
}

/** Result of a call that answers with a stream (GreetStream, GreetBidi). */
export interface StreamedGreetings {
  greetings: string[];
  headers: MetadataRecord;
  trailers: MetadataRecord;
}

/**
 * A call that ended with a non-OK gRPC status, as grpc-js reported it: numeric `code` (see `grpc.status`), its name,
 * the status `details`, and the response headers/trailers seen before the failure.
 */
export class GrpcCallError extends Error {
  /** The numeric gRPC status code (e.g. 4 = DEADLINE_EXCEEDED, 5 = NOT_FOUND, 12 = UNIMPLEMENTED). */
  readonly code: number;
  /** The status code's name, e.g. `NOT_FOUND`. */
  readonly codeName: string;
  /** The status message (`grpc-message`). */
  readonly details: string;
  /** Response headers received before the status, if any. */
  readonly headers: MetadataRecord;
  /** Trailers of the failed call. */
  readonly trailers: MetadataRecord;

  constructor(status: grpc.StatusObject, headers: MetadataRecord) {
    const codeName = grpc.status[status.code] ?? `CODE_${status.code}`;
    super(`${status.code} ${codeName}: ${status.details}`);
    this.name = "GrpcCallError";
    this.code = status.code;
    this.codeName = codeName;
    this.details = status.details;
    this.headers = headers;
    this.trailers = toRecord(status.metadata);
  }
}

/** A promise-based greeter client on @grpc/grpc-js; every method rejects with {@link GrpcCallError} on a non-OK status. */
export interface GrpcJsGreeterClient {
  /** Calls Greet. */
  greet(name: string, options?: GreeterCallOptions): Promise<UnaryGreeting>;
  /** Calls GreetStream and collects every reply. */
  greetStream(name: string, options?: GreeterCallOptions): Promise<StreamedGreetings>;
  /** Calls GreetClientStream with all names, then half-closes. */
  greetClientStream(names: readonly string[], options?: GreeterCallOptions): Promise<UnaryGreeting>;
  /** Calls GreetBidi interleaved: sends the next name only after the reply to the previous one arrived. */
  greetBidi(names: readonly string[], options?: GreeterCallOptions): Promise<StreamedGreetings>;
  /** Calls any unary method path (e.g. `/fixture.v1.GreeterService/Nope`) with GreetRequest/GreetResponse encoding. */
  unary(path: string, name: string, options?: GreeterCallOptions): Promise<UnaryGreeting>;
  /** Closes the channel. */
  close(): void;
}

function toMetadata(init: MetadataInit | undefined): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(init ?? {})) {
    metadata.set(key, value);
  }
  return metadata;
}

function callOptions(options: GreeterCallOptions | undefined): grpc.CallOptions {
  return options?.deadlineMs === undefined ? {} : { deadline: Date.now() + options.deadlineMs };
}

type Serialize = (value: GreetRequest) => Buffer;
type Deserialize = (bytes: Buffer) => GreetResponse;

/**
 * Creates a grpc-js greeter client for `host:port` (plaintext, or TLS / mTLS with `tls`), using the serializers
 * proto-loader builds from proto/fixture/v1/greeter.proto.
 */
export function createGrpcJsGreeterClient(target: string, tls?: PeerTls): GrpcJsGreeterClient {
  const channel = grpcJsChannel(tls);
  const client = new grpc.Client(target, channel.credentials, channel.options);
  const definition = greeterServiceDefinition();
  const greetMethod = definition.Greet;
  if (greetMethod === undefined) {
    throw new Error("greet.proto has no Greet method");
  }
  const serialize = greetMethod.requestSerialize as Serialize;
  const deserialize = greetMethod.responseDeserialize as Deserialize;
  const path = (method: string): string => `/${GREETER_SERVICE}/${method}`;

  /** Settles a single-answer call once both its callback and its status event have fired. */
  const single = (
    start: (
      callback: grpc.requestCallback<GreetResponse>,
    ) => grpc.ClientUnaryCall | grpc.ClientWritableStream<GreetRequest>,
  ): Promise<UnaryGreeting> =>
    new Promise<UnaryGreeting>((resolve, reject) => {
      let headers: MetadataRecord = {};
      let response: GreetResponse | undefined;
      let status: grpc.StatusObject | undefined;
      let answered = false;
      const settle = (): void => {
        if (!answered || status === undefined) {
          return;
        }
        if (status.code === grpc.status.OK && response !== undefined) {
          resolve({ greeting: response.greeting, headers, trailers: toRecord(status.metadata) });
        } else {
          reject(new GrpcCallError(status, headers));
        }
      };
      const call = start((_error, value) => {
        response = value ?? undefined;
        answered = true;
        settle();
      });
      call.on("metadata", (metadata: grpc.Metadata) => {
        headers = toRecord(metadata);
      });
      call.on("status", (value: grpc.StatusObject) => {
        status = value;
        settle();
      });
    });

  /** Collects a streamed answer; settles on a non-OK status at once, on OK after the stream's end. */
  const streamed = (
    call: grpc.ClientReadableStream<GreetResponse> | grpc.ClientDuplexStream<GreetRequest, GreetResponse>,
    onReply: (greetings: string[]) => void = () => {},
  ): Promise<StreamedGreetings> =>
    new Promise<StreamedGreetings>((resolve, reject) => {
      let headers: MetadataRecord = {};
      const greetings: string[] = [];
      let status: grpc.StatusObject | undefined;
      let ended = false;
      const settle = (): void => {
        if (status === undefined) {
          return;
        }
        if (status.code !== grpc.status.OK) {
          reject(new GrpcCallError(status, headers));
        } else if (ended) {
          resolve({ greetings, headers, trailers: toRecord(status.metadata) });
        }
      };
      call.on("metadata", (metadata: grpc.Metadata) => {
        headers = toRecord(metadata);
      });
      call.on("data", (reply: GreetResponse) => {
        greetings.push(reply.greeting);
        onReply(greetings);
      });
      call.on("error", () => {}); // the status event carries the same failure
      call.on("end", () => {
        ended = true;
        settle();
      });
      call.on("status", (value: grpc.StatusObject) => {
        status = value;
        settle();
      });
    });

  return {
    greet: (name, options) =>
      single((callback) =>
        client.makeUnaryRequest(
          path("Greet"),
          serialize,
          deserialize,
          { name },
          toMetadata(options?.metadata),
          callOptions(options),
          callback,
        ),
      ),
    unary: (methodPath, name, options) =>
      single((callback) =>
        client.makeUnaryRequest(
          methodPath,
          serialize,
          deserialize,
          { name },
          toMetadata(options?.metadata),
          callOptions(options),
          callback,
        ),
      ),
    greetClientStream: (names, options) =>
      single((callback) => {
        const call = client.makeClientStreamRequest(
          path("GreetClientStream"),
          serialize,
          deserialize,
          toMetadata(options?.metadata),
          callOptions(options),
          callback,
        );
        for (const name of names) {
          call.write({ name });
        }
        call.end();
        return call;
      }),
    greetStream: (name, options) =>
      streamed(
        client.makeServerStreamRequest(
          path("GreetStream"),
          serialize,
          deserialize,
          { name },
          toMetadata(options?.metadata),
          callOptions(options),
        ),
      ),
    greetBidi: (names, options) => {
      const call = client.makeBidiStreamRequest(
        path("GreetBidi"),
        serialize,
        deserialize,
        toMetadata(options?.metadata),
        callOptions(options),
      );
      const sendNext = (sent: number): void => {
        const name = names[sent];
        if (name === undefined) {
          call.end();
        } else {
          call.write({ name });
        }
      };
      const result = streamed(call, (greetings) => sendNext(greetings.length));
      sendNext(0);
      return result;
    },
    close: () => client.close(),
  };
}

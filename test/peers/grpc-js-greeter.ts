import * as grpc from "@grpc/grpc-js";
import { echoMetadata, greetAction } from "./greeter-contract.js";
import { createGrpcJsHealth } from "./grpc-js-health.js";
import { type MetadataRecord, toRecord } from "./metadata.js";
import {
  GREETER_SERVICE,
  type GreetRequest,
  type GreetResponse,
  greeterServiceDefinition,
  healthServiceDefinition,
  type ServingStatus,
} from "./protos.js";

/** One greeter call as the peer received it. */
export interface ReceivedCall {
  /** Method name, e.g. `Greet`. */
  method: string;
  /** Request metadata (e.g. `tri-service-version`; grpc-js leaves out `grpc-timeout` and pseudo-headers). */
  metadata: MetadataRecord;
}

/** A running grpc-js greeter peer on 127.0.0.1. */
export interface GrpcJsGreeter {
  /** The TCP port it listens on (127.0.0.1, plaintext HTTP/2). */
  port: number;
  /** `127.0.0.1:<port>`, ready for a client. */
  target: string;
  /** Greeter calls received so far, oldest first (at most the last 1000). */
  calls: ReceivedCall[];
  /** Sets a `grpc.health.v1.Health` status; `""` and `fixture.v1.GreeterService` start as SERVING. */
  setServingStatus(service: string, status: ServingStatus): void;
  /** How many health Watch streams are open for a service name. */
  healthWatchers(service: string): number;
  /** Stops the server: waits up to one second for calls in flight, then cuts the rest. */
  close(): Promise<void>;
}

const greet: grpc.handleUnaryCall<GreetRequest, GreetResponse> = (call, callback) => {
  const { headers, trailers } = echoMetadata(call.metadata);
  call.sendMetadata(headers);
  const action = greetAction(call.request.name);
  const reply = (): void => callback(null, { greeting: `hello, ${call.request.name}` }, trailers);
  switch (action.kind) {
    case "error":
      callback({ code: action.code, details: action.message, metadata: trailers });
      return;
    case "sleep": {
      if (call.cancelled) {
        return;
      }
      const timer = setTimeout(reply, action.ms);
      call.on("cancelled", () => clearTimeout(timer));
      return;
    }
    case "reply":
      reply();
  }
};

const greetStream: grpc.handleServerStreamingCall<GreetRequest, GreetResponse> = (call) => {
  const { headers, trailers } = echoMetadata(call.metadata);
  call.sendMetadata(headers);
  for (let i = 1; i <= 3; i++) {
    call.write({ greeting: `hello, ${call.request.name} #${i}` });
  }
  call.end(trailers);
};

const greetClientStream: grpc.handleClientStreamingCall<GreetRequest, GreetResponse> = (call, callback) => {
  const { headers, trailers } = echoMetadata(call.metadata);
  call.sendMetadata(headers);
  const names: string[] = [];
  call.on("data", (request: GreetRequest) => names.push(request.name));
  call.on("error", () => {});
  call.on("end", () => callback(null, { greeting: `hello, ${names.join(", ")}` }, trailers));
};

const greetBidi: grpc.handleBidiStreamingCall<GreetRequest, GreetResponse> = (call) => {
  const { headers, trailers } = echoMetadata(call.metadata);
  call.sendMetadata(headers);
  call.on("data", (request: GreetRequest) => call.write({ greeting: `hello, ${request.name}` }));
  call.on("error", () => {});
  call.on("end", () => call.end(trailers));
};

/**
 * Starts an independent greeter peer on @grpc/grpc-js (service loaded from proto/fixture/v1/greeter.proto with
 * proto-loader) that implements the whole greeter contract, plus a settable grpc.health.v1.Health service.
 * It binds 127.0.0.1:0, without TLS unless `credentials` say otherwise; the caller must `close()` it.
 */
export async function startGrpcJsGreeter(
  credentials: grpc.ServerCredentials = grpc.ServerCredentials.createInsecure(),
): Promise<GrpcJsGreeter> {
  const server = new grpc.Server();
  const calls: ReceivedCall[] = [];
  const record = (method: string, metadata: grpc.Metadata): void => {
    calls.push({ method, metadata: toRecord(metadata) });
    if (calls.length > 1000) {
      calls.shift();
    }
  };
  const greetRecorded: typeof greet = (call, callback) => {
    record("Greet", call.metadata);
    greet(call, callback);
  };
  const greetStreamRecorded: typeof greetStream = (call) => {
    record("GreetStream", call.metadata);
    greetStream(call);
  };
  const greetClientStreamRecorded: typeof greetClientStream = (call, callback) => {
    record("GreetClientStream", call.metadata);
    greetClientStream(call, callback);
  };
  const greetBidiRecorded: typeof greetBidi = (call) => {
    record("GreetBidi", call.metadata);
    greetBidi(call);
  };
  server.addService(greeterServiceDefinition(), {
    Greet: greetRecorded,
    GreetStream: greetStreamRecorded,
    GreetClientStream: greetClientStreamRecorded,
    GreetBidi: greetBidiRecorded,
  });
  const health = createGrpcJsHealth({ "": "SERVING", [GREETER_SERVICE]: "SERVING" });
  server.addService(healthServiceDefinition(), health.implementation);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", credentials, (error, boundPort) =>
      error === null ? resolve(boundPort) : reject(error),
    );
  });
  let closed: Promise<void> | undefined;
  return {
    port,
    target: `127.0.0.1:${port}`,
    calls,
    setServingStatus: (service, status) => health.setStatus(service, status),
    healthWatchers: (service) => health.watcherCount(service),
    close() {
      closed ??= new Promise<void>((resolve) => {
        health.endWatches();
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 1000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
      return closed;
    },
  };
}

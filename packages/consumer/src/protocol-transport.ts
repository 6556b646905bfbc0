import type { Interceptor, Transport } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport, createNodeHttpClient } from "@connectrpc/connect-node";
import { createTripleTransport } from "@dubbo-mesh/protocol";
import type { ConnectionPool } from "./connection-pool.js";

/** What the wire-level transport of one reference needs. */
export interface ProtocolTransportOptions {
  baseUrl: URL;
  protocol: "grpc" | "triple";
  /** For "triple": HTTP/1.1 or HTTP/2. */
  httpVersion: "1.1" | "2";
  /** For "triple": JSON instead of binary protobuf. */
  json: boolean;
  readMaxBytes: number;
  /** Deadline of calls that set none, ms; undefined = none. */
  defaultTimeoutMs: number | undefined;
  /** Run once per attempt, outermost first. */
  interceptors: Interceptor[];
}

/**
 * Creates the transport that puts one attempt on the wire: gRPC over the pool's HTTP/2 connection to `baseUrl`, or
 * Triple HTTP unary over HTTP/1.1 (the pool's agent) or HTTP/2. The lowest layer of the call path.
 */
export function createProtocolTransport(pool: ConnectionPool, options: ProtocolTransportOptions): Transport {
  const { baseUrl, interceptors, readMaxBytes, defaultTimeoutMs } = options;
  if (options.protocol === "grpc") {
    return createGrpcTransport({
      baseUrl: baseUrl.href,
      sessionManager: pool.http2(baseUrl),
      interceptors,
      readMaxBytes,
      defaultTimeoutMs,
      acceptCompression: [compressionGzip],
    });
  }
  const httpClient =
    options.httpVersion === "2"
      ? createNodeHttpClient({ httpVersion: "2", sessionProvider: () => pool.http2(baseUrl) })
      : createNodeHttpClient({ httpVersion: "1.1", nodeOptions: { agent: pool.agent } });
  return createTripleTransport({
    baseUrl: baseUrl.href,
    httpClient,
    useBinaryFormat: !options.json,
    interceptors,
    readMaxBytes,
    defaultTimeoutMs,
  });
}

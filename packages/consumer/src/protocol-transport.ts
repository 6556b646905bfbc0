import type { Interceptor, Transport } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport, createNodeHttpClient } from "@connectrpc/connect-node";
import { createTripleTransport } from "@dubbo-mesh/protocol";
import type { EndpointConnection } from "./endpoint-connection.js";
import { createFastGrpcTransport } from "./fast-lane/fast-grpc-transport.js";
import { staticHeadersInterceptor } from "./headers-interceptor.js";

/** What the wire-level transport of one reference needs. */
export interface ProtocolTransportOptions {
  protocol: "grpc" | "triple";
  /** For "triple": HTTP/1.1 or HTTP/2. */
  httpVersion: "1.1" | "2";
  /** For "triple": JSON instead of binary protobuf. */
  json: boolean;
  readMaxBytes: number;
  /** Deadline of calls that set none, ms; undefined = none. */
  defaultTimeoutMs: number | undefined;
  /** The caller's interceptors, run once per attempt, outermost first. */
  interceptors: Interceptor[];
  /** Triple headers of the reference (version, group, application); a call's own headers override them. */
  headers: Record<string, string>;
  /** Unary gRPC on the fast lane (see ReferenceOptions.fastLane). */
  fastLane: boolean;
}

/**
 * Creates the transport that puts one attempt on the wire to one endpoint: gRPC over its HTTP/2 connection, or
 * Triple HTTP unary over HTTP/1.1 (its agent) or HTTP/2. The lowest layer of the call path.
 */
export function createProtocolTransport(connection: EndpointConnection, options: ProtocolTransportOptions): Transport {
  const { readMaxBytes, defaultTimeoutMs, headers } = options;
  const baseUrl = connection.url;
  const interceptors = [...options.interceptors, staticHeadersInterceptor(headers)];
  if (options.protocol === "grpc") {
    const sessionManager = connection.http2;
    const general = createGrpcTransport({
      baseUrl: baseUrl.href,
      sessionManager,
      interceptors,
      readMaxBytes,
      defaultTimeoutMs,
      acceptCompression: [compressionGzip],
    });
    if (!options.fastLane) return general;
    return createFastGrpcTransport({
      sessionManager,
      general,
      headers,
      interceptors: options.interceptors,
      defaultTimeoutMs,
      readMaxBytes,
    });
  }
  const httpClient =
    options.httpVersion === "2"
      ? createNodeHttpClient({ httpVersion: "2", sessionProvider: () => connection.http2 })
      : createNodeHttpClient({ httpVersion: "1.1", nodeOptions: { agent: connection.agent } });
  return createTripleTransport({
    baseUrl: baseUrl.href,
    httpClient,
    useBinaryFormat: !options.json,
    interceptors,
    readMaxBytes,
    defaultTimeoutMs,
  });
}

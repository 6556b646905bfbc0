import type * as http2 from "node:http2";
import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import type { Interceptor, StreamResponse, Transport, UnaryResponse } from "@connectrpc/connect";
import type * as ConnectNode from "@connectrpc/connect-node";
import { createTripleTransport } from "@dubbo-mesh/protocol";
import { type Attempt, attemptTimeoutMs, type Call, type CallTransport } from "./call.js";
import { isConnectFailure, isOverloadRefusal } from "./classify-failure.js";
import type { EndpointConnection } from "./endpoint-connection.js";
import { createGrpcTransport } from "./grpc/grpc-transport.js";
import { staticHeadersInterceptor } from "./headers-interceptor.js";
import type { ObservedSessionManager } from "./observed-session-manager.js";

/** What the wire-level transport of one reference needs. */
export interface ProtocolTransportOptions {
  protocol: "grpc" | "triple";
  /** For "triple": HTTP/1.1 or HTTP/2. */
  httpVersion: "1.1" | "2";
  readMaxBytes: number;
  /** The caller's interceptors, run once per attempt, outermost first. */
  interceptors: Interceptor[];
  /** Triple headers of the reference (version, group, application); a call's own headers override them. */
  headers: Record<string, string>;
}

/**
 * Creates the transport that puts one attempt on the wire to one endpoint: gRPC (every call kind) on its HTTP/2
 * session with the consumer's own transport, or Triple HTTP unary — connect's universal client under the Triple
 * transport of `@dubbo-mesh/protocol` — over HTTP/1.1 (its agent) or HTTP/2. The lowest layer of the call path; it
 * writes how far each attempt got into the attempt's report.
 */
export function createProtocolTransport(
  connection: EndpointConnection,
  options: ProtocolTransportOptions,
): CallTransport {
  const { readMaxBytes, headers } = options;
  if (options.protocol === "grpc") {
    return createGrpcTransport({
      session: connection.http2,
      headers,
      interceptors: options.interceptors,
      readMaxBytes,
    });
  }
  if (options.httpVersion === "1.1") return tripleHttp1(connection, options);
  const interceptors = [...options.interceptors, staticHeadersInterceptor(headers)];
  const sm = connection.http2;
  // The HTTP/2 client is made per attempt, so that the stream it opens is observed into that attempt's report.
  const perAttempt = async (attempt: Attempt, binary: boolean): Promise<Transport> => {
    const { createNodeHttpClient } = await connectNode();
    return createTripleTransport({
      baseUrl: connection.url.href,
      httpClient: createNodeHttpClient({ httpVersion: "2", sessionProvider: () => observing(sm, attempt) }),
      useBinaryFormat: binary,
      interceptors,
      readMaxBytes,
    });
  };
  return {
    async unary(call, input, attempt) {
      return unaryOn(await perAttempt(attempt, call.codec === "proto"), call, input);
    },
    async stream(call, input, attempt) {
      return streamOn(await perAttempt(attempt, call.codec === "proto"), call, input);
    },
  };
}

let loading: Promise<typeof ConnectNode> | undefined;

/**
 * connect-node, loaded when a reference first makes a Triple call: a consumer that speaks only gRPC never loads it
 * (with node:http, node:https and what they pull in, ~10 MiB of resident memory).
 */
function connectNode(): Promise<typeof ConnectNode> {
  loading ??= import("@connectrpc/connect-node");
  return loading;
}

/**
 * Triple over HTTP/1.1, on the endpoint's agent. Its sockets are not observed: an attempt counts as "processed"
 * unless it failed to connect (then nothing was sent) or the provider refused it for overload (503 + Retry-After).
 */
function tripleHttp1(connection: EndpointConnection, options: ProtocolTransportOptions): CallTransport {
  let transports: Promise<{ proto: Transport; json: Transport }> | undefined;
  const load = () => {
    transports ??= connectNode().then(({ createNodeHttpClient }) => {
      const httpClient = createNodeHttpClient({ httpVersion: "1.1", nodeOptions: { agent: connection.agent } });
      const make = (binary: boolean) =>
        createTripleTransport({
          baseUrl: connection.url.href,
          httpClient,
          useBinaryFormat: binary,
          interceptors: [...options.interceptors, staticHeadersInterceptor(options.headers)],
          readMaxBytes: options.readMaxBytes,
        });
      return { proto: make(true), json: make(false) };
    });
    return transports;
  };
  return {
    async unary(call, input, attempt) {
      const { proto, json } = await load();
      attempt.progress = "processed";
      try {
        return await unaryOn(call.codec === "proto" ? proto : json, call, input);
      } catch (e) {
        if (isConnectFailure(e)) attempt.progress = "not-started";
        else if (isOverloadRefusal(e)) attempt.progress = "refused";
        throw e;
      }
    },
    async stream(call, input) {
      const { proto, json } = await load();
      return streamOn(call.codec === "proto" ? proto : json, call, input);
    },
  };
}

/** Runs a unary attempt on a connect transport. */
function unaryOn<I extends DescMessage, O extends DescMessage>(
  transport: Transport,
  call: Call<DescMethodUnary<I, O>>,
  input: MessageInitShape<I>,
): Promise<UnaryResponse<I, O>> {
  return transport.unary(call.method, call.signal, attemptTimeoutMs(call) ?? 0, call.header, input, call.contextValues);
}

/** Runs a streaming attempt on a connect transport. */
function streamOn<I extends DescMessage, O extends DescMessage>(
  transport: Transport,
  call: Call<DescMethodStreaming<I, O>>,
  input: AsyncIterable<MessageInitShape<I>>,
): Promise<StreamResponse<I, O>> {
  return transport.stream(
    call.method,
    call.signal,
    attemptTimeoutMs(call) ?? 0,
    call.header,
    input,
    call.contextValues,
  );
}

/** The endpoint's session manager as connect sees it, with each stream it opens observed into `attempt`. */
function observing(sm: ObservedSessionManager, attempt: Attempt) {
  return {
    authority: sm.authority,
    request: (
      method: string,
      path: string,
      headers: http2.OutgoingHttpHeaders,
      options: Omit<http2.ClientSessionRequestOptions, "signal">,
    ): Promise<http2.ClientHttp2Stream> => sm.request(method, path, headers, options, attempt),
    notifyResponseByteRead: (stream: http2.ClientHttp2Stream) => sm.notifyResponseByteRead(stream),
  };
}

import type * as http2 from "node:http2";
import {
  create,
  type DescMessage,
  type DescMethodUnary,
  isMessage,
  type MessageInitShape,
  toBinary,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createContextValues, type Interceptor, type UnaryResponse } from "@connectrpc/connect";
import { runUnaryCall } from "@connectrpc/connect/protocol";
import { frameMessage, grpc } from "@dubbo-mesh/protocol";
import { type Attempt, attemptTimeoutMs, type Call, type HeadersInit } from "../call.js";
import { errorFromNodeReason, errorFromResetCode } from "./node-errors.js";
import { readUnaryResponse } from "./unary-response.js";

/** The part of the endpoint's session manager the fast lane uses. */
export interface SessionRequester {
  readonly authority: string;
  request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream>;
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void;
  observe(stream: http2.ClientHttp2Stream, attempt: Attempt): void;
}

/** A unary gRPC attempt on the fast lane. */
export type FastUnary = <I extends DescMessage, O extends DescMessage>(
  call: Call<DescMethodUnary<I, O>>,
  input: MessageInitShape<I>,
  attempt: Attempt,
) => Promise<UnaryResponse<I, O>>;

/** Options of the consumer's unary fast lane. */
export interface FastGrpcTransportOptions {
  /** The HTTP/2 connection to the provider (connect-node's session manager: keep-alive, reconnect after GOAWAY). */
  sessionManager: SessionRequester;
  /** Headers every call carries (Triple's version, group, application), set without an interceptor. */
  headers?: Readonly<Record<string, string>>;
  /** User interceptors; when there are any, unary calls run through connect's interceptor chain. */
  interceptors?: Interceptor[];
  /** Largest response message accepted. Default 4 MiB. */
  readMaxBytes?: number;
}

const userAgent = `dubbo-mesh/0.1.0 node/${process.versions.node}`;
const paths = new WeakMap<DescMethodUnary, string>();

/**
 * Creates the consumer's fast lane: unary gRPC calls with binary protobuf go straight onto an HTTP/2 stream — one
 * frame out, headers/one message/trailers in — without connect's per-call async-iterable pipeline; streaming calls go
 * to the general transport. The semantics are the general path's: the same deadline (`grpc-timeout` and a local
 * timer), cancellation by AbortSignal, metadata in and out, errors parsed by connect's `findTrailerError` with the same
 * codes for HTTP and HTTP/2 failures, interceptors through connect's `runUnaryCall`.
 */
export function createFastGrpcUnary(options: FastGrpcTransportOptions): FastUnary {
  const sm = options.sessionManager;
  const interceptors = options.interceptors ?? [];
  const readMaxBytes = options.readMaxBytes ?? 4 * 1024 * 1024;
  const staticHeaders = Object.entries(options.headers ?? {});

  function call<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    header: HeadersInit | undefined,
    input: MessageInitShape<I>,
    attempt: Attempt,
  ): Promise<UnaryResponse<I, O>> {
    let path = paths.get(method as DescMethodUnary);
    if (path === undefined) {
      path = `/${method.parent.typeName}/${method.name}`;
      paths.set(method as DescMethodUnary, path);
    }
    const h: http2.OutgoingHttpHeaders = {
      [grpc.headerContentType]: grpc.contentTypeProto,
      [grpc.headerTe]: grpc.teTrailers,
      [grpc.headerUserAgent]: userAgent,
    };
    for (const [k, v] of staticHeaders) h[k] = v;
    if (header !== undefined) copyHeaders(header, h);
    if (timeoutMs !== undefined) h[grpc.headerTimeout] = grpc.encodeTimeout(timeoutMs);
    const message = isMessage(input, method.input) ? input : create(method.input, input);
    const payload = toBinary(method.input, message);
    const body = frameMessage(payload);
    if (signal?.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.Canceled));
    return sm.request("POST", path, h, {}).then(
      (stream: http2.ClientHttp2Stream) =>
        new Promise<UnaryResponse<I, O>>((resolve, reject) => {
          sm.observe(stream, attempt);
          let responseHeader: http2.IncomingHttpHeaders | undefined;
          let responseTrailer: http2.IncomingHttpHeaders | undefined;
          const chunks: Buffer[] = [];
          let size = 0;
          let settled = false;
          let timer: NodeJS.Timeout | undefined;
          const onAbort = () => cancel(ConnectError.from(signal?.reason, Code.Canceled));
          const settle = (error: unknown, response?: UnaryResponse<I, O>) => {
            if (settled) return;
            settled = true;
            if (timer) clearTimeout(timer);
            signal?.removeEventListener("abort", onAbort);
            if (error === undefined && response) resolve(response);
            else reject(error);
          };
          const cancel = (error: ConnectError) => {
            if (!stream.closed) stream.close(0x8); // CANCEL, as gRPC maps a cancelled call
            settle(error);
          };
          stream.on("response", (hdrs: http2.IncomingHttpHeaders) => {
            responseHeader = hdrs;
          });
          stream.on("trailers", (t: http2.IncomingHttpHeaders) => {
            responseTrailer = t;
          });
          stream.on("data", (chunk: Buffer) => {
            chunks.push(chunk);
            size += chunk.length;
            sm.notifyResponseByteRead(stream);
            if (size > readMaxBytes + 5) {
              cancel(
                new ConnectError(
                  `message is larger than configured readMaxBytes ${readMaxBytes}`,
                  Code.ResourceExhausted,
                ),
              );
            }
          });
          stream.on("error", (e: Error) => settle(errorFromNodeReason(e)));
          stream.on("close", () => {
            if (settled) return;
            const reset = errorFromResetCode(stream.rstCode ?? 0);
            const statusSeen = responseTrailer?.[grpc.headerStatus] ?? responseHeader?.[grpc.headerStatus];
            if (reset && statusSeen === undefined) return settle(reset);
            try {
              settle(undefined, readUnaryResponse(method, responseHeader, responseTrailer, chunks, size, readMaxBytes));
            } catch (e) {
              settle(e);
            }
          });
          if (timeoutMs !== undefined) {
            timer = setTimeout(
              () => cancel(new ConnectError("the operation timed out", Code.DeadlineExceeded)),
              timeoutMs,
            );
          }
          signal?.addEventListener("abort", onAbort, { once: true });
          stream.end(body);
        }),
      (e: unknown) => Promise.reject(errorFromNodeReason(e)),
    );
  }

  return <I extends DescMessage, O extends DescMessage>(
    c: Call<DescMethodUnary<I, O>>,
    input: MessageInitShape<I>,
    attempt: Attempt,
  ): Promise<UnaryResponse<I, O>> => {
    const t = attemptTimeoutMs(c);
    // Not an async function (one promise less per call): a synchronous throw — a message that does not encode, a
    // header that is not valid — is turned into a rejection here.
    try {
      if (interceptors.length === 0) return call(c.method, c.signal, t, c.header, input, attempt);
      return runUnaryCall<I, O>({
        interceptors,
        signal: c.signal,
        timeoutMs: t,
        req: {
          stream: false,
          service: c.method.parent,
          method: c.method,
          requestMethod: "POST",
          url: `http://${sm.authority}/${c.method.parent.typeName}/${c.method.name}`,
          header: new Headers(c.header),
          contextValues: c.contextValues ?? createContextValues(),
          message: input as never,
        },
        next: (req) => call(req.method, req.signal, t, req.header, req.message as MessageInitShape<I>, attempt),
      });
    } catch (e) {
      return Promise.reject(e);
    }
  };
}

function copyHeaders(init: HeadersInit, out: http2.OutgoingHttpHeaders): void {
  if (init instanceof Headers || Array.isArray(init)) {
    for (const [k, v] of init instanceof Headers ? init : (init as [string, string][])) out[k.toLowerCase()] = v;
    return;
  }
  for (const [k, v] of Object.entries(init as Record<string, string>)) out[k.toLowerCase()] = v;
}

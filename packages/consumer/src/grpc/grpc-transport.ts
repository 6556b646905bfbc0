import type * as http2 from "node:http2";
import type {
  DescMessage,
  DescMethod,
  DescMethodStreaming,
  DescMethodUnary,
  MessageInitShape,
} from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type Interceptor,
  type StreamResponse,
  type UnaryResponse,
} from "@connectrpc/connect";
import { runStreamingCall, runUnaryCall } from "@connectrpc/connect/protocol";
import { grpc } from "@dubbo-mesh/protocol";
import { defaultOf } from "@dubbo-mesh/runtime";
import { type Attempt, attemptTimeoutMs, type Call, type CallCodec, type CallTransport } from "../call.js";
import { GrpcCall, type ReadNotifier } from "./grpc-call.js";
import { errorFromNodeReason } from "./node-errors.js";
import { requestHeaders, toNodeHeaders } from "./request-headers.js";
import { sendMessages } from "./send-messages.js";
import { LazyUnaryResponse } from "./unary-response.js";

/** The endpoint's HTTP/2 session as the gRPC transport uses it (the consumer's `ObservedSessionManager`). */
export interface GrpcSession extends ReadNotifier {
  /** `http://host:port`: the origin calls go to. */
  readonly authority: string;
  /** Opens a stream (connecting first if needed). */
  request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream>;
  /** Records in `attempt` how far the stream gets (see `ObservedSessionManager.observe`). */
  observe(stream: http2.ClientHttp2Stream, attempt: Attempt): void;
}

/** Options of `createGrpcTransport`. */
export interface GrpcTransportOptions {
  session: GrpcSession;
  /** Headers every call carries (Triple's version, group, application); a call's own headers override them. */
  headers?: Readonly<Record<string, string>>;
  /** Client interceptors, run once per attempt, outermost first (connect's `Interceptor`). */
  interceptors?: Interceptor[];
  /** Largest response message accepted (after decompression), in bytes. Default `dubbo.protocol.max-message-size`'s. */
  readMaxBytes?: number;
}

/** What a method needs on the wire, made once per method: its path and its codecs. */
interface MethodWire {
  path: string;
  input: Partial<Record<CallCodec, grpc.Codec>>;
  output: Partial<Record<CallCodec, grpc.Codec>>;
}

const wires = new WeakMap<DescMethod, MethodWire>();

function wireOf(method: DescMethod): MethodWire {
  let wire = wires.get(method);
  if (!wire) {
    wire = { path: `/${method.parent.typeName}/${method.name}`, input: {}, output: {} };
    wires.set(method, wire);
  }
  return wire;
}

function inputCodec(method: DescMethod, kind: CallCodec): grpc.Codec {
  const wire = wireOf(method);
  wire.input[kind] ??= grpc.createCodec(method.input, kind);
  return wire.input[kind];
}

function outputCodec<O extends DescMessage>(method: { output: O } & DescMethod, kind: CallCodec): grpc.Codec<O> {
  const wire = wireOf(method);
  wire.output[kind] ??= grpc.createCodec(method.output, kind);
  return wire.output[kind] as grpc.Codec<O>;
}

/**
 * Creates the consumer's gRPC transport: every call kind — unary, server, client and bidi streaming — on one HTTP/2
 * stream of the endpoint's session, with the gRPC wire of `@dubbo-mesh/protocol` (`grpc.*`: headers, framing,
 * compression, timeout, status, reset codes, response validation, codecs). Binary protobuf or JSON
 * (`application/grpc+json`) as the call says; gzip accepted on responses, inflated within `readMaxBytes`; metadata,
 * `-bin` included, as given; the deadline as `grpc-timeout` plus a local timer; the caller's abort, the deadline and a
 * bad response reset the stream with CANCEL. Reading follows the caller (see `GrpcCall`) and sending a client stream
 * waits for the stream's write buffer to drain. Interceptors run once per attempt through connect's `runUnaryCall` /
 * `runStreamingCall`; without any, a call goes straight onto the stream. Each attempt's report says how far it got.
 */
export function createGrpcTransport(options: GrpcTransportOptions): CallTransport {
  const session = options.session;
  const staticHeaders = Object.entries(options.headers ?? {});
  const interceptors = options.interceptors ?? [];
  const readMaxBytes = options.readMaxBytes ?? defaultOf("dubbo.protocol.max-message-size");

  /**
   * Opens the attempt's stream and arms its ends — the deadline's timer and the caller's abort — from the start, so
   * that a connection that takes long to establish is bounded by the deadline too. Rejects (the attempt
   * "not-started") when no stream was opened: the connection failed, or the deadline or the abort came first (a
   * stream that opens after that is reset at once).
   */
  function open<O extends DescMessage>(
    method: DescMethod & { output: O },
    headers: http2.OutgoingHttpHeaders,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    attempt: Attempt,
    onEnd: (call: GrpcCall<O>) => void,
  ): Promise<{ stream: http2.ClientHttp2Stream; call: GrpcCall<O> }> {
    if (signal?.aborted) return Promise.reject(ConnectError.from(signal.reason, Code.Canceled));
    return new Promise((resolve, reject) => {
      /** The call once its stream is open; until then an end rejects the opening. */
      let call: GrpcCall<O> | undefined;
      let early: ConnectError | undefined;
      const end = (error: ConnectError) => {
        if (call) {
          call.fail(error);
        } else if (early === undefined) {
          early = error;
          disarm();
          reject(error);
        }
      };
      const onTimeout = () => end(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      const timer = timeoutMs === undefined ? undefined : setTimeout(onTimeout, timeoutMs);
      const onAbort = () => end(ConnectError.from(signal?.reason, Code.Canceled));
      signal?.addEventListener("abort", onAbort, { once: true });
      const disarm = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
      };
      session.request("POST", wireOf(method).path, headers, {}).then(
        (stream) => {
          if (early !== undefined) {
            stream.close(grpc.http2Error.cancel);
            return;
          }
          session.observe(stream, attempt);
          const opened = new GrpcCall<O>(
            stream,
            (kind) => outputCodec(method, kind),
            readMaxBytes,
            session,
            () => attempt.connectionLost,
          );
          opened.onEnd = () => {
            disarm();
            onEnd(opened);
          };
          call = opened;
          resolve({ stream, call: opened });
        },
        (e: unknown) => {
          if (early !== undefined) return;
          disarm();
          reject(errorFromNodeReason(e));
        },
      );
    });
  }

  function unaryOnce<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    codec: CallCodec,
    headers: http2.OutgoingHttpHeaders,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    input: MessageInitShape<I>,
    attempt: Attempt,
  ): Promise<UnaryResponse<I, O>> {
    let body: Buffer;
    try {
      body = grpc.frameMessage(inputCodec(method, codec).serialize(input));
    } catch (e) {
      return Promise.reject(ConnectError.from(e));
    }
    return new Promise<UnaryResponse<I, O>>((resolve, reject) => {
      const settle = (call: GrpcCall<O>) => {
        if (call.error) return reject(call.error);
        const cardinality = grpc.validateUnaryMessageCount(call.queued);
        if (cardinality) return reject(cardinality);
        const message = call.take();
        const respond = (m: unknown) =>
          resolve(new LazyUnaryResponse(method, m as never, call.header, call.trailer) as UnaryResponse<I, O>);
        if (message instanceof Promise) message.then(respond, reject);
        else respond(message);
      };
      open(method, headers, signal, timeoutMs, attempt, settle).then(({ stream }) => {
        stream.end(body);
      }, reject);
    });
  }

  function streamOnce<I extends DescMessage, O extends DescMessage>(
    method: DescMethodStreaming<I, O>,
    codec: CallCodec,
    headers: http2.OutgoingHttpHeaders,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    input: AsyncIterable<MessageInitShape<I>>,
    attempt: Attempt,
  ): Promise<StreamResponse<I, O>> {
    const trailer = new Headers();
    const fillTrailer = (call: GrpcCall<O>) => {
      if (!call.error) for (const [k, v] of grpc.headersFromNode(call.trailer)) trailer.append(k, v);
    };
    return open(method, headers, signal, timeoutMs, attempt, fillTrailer).then(
      ({ stream, call }) =>
        new Promise<StreamResponse<I, O>>((resolve, reject) => {
          void sendMessages(stream, call, inputCodec(method, codec), input);
          call.onHeaders = () => {
            if (!call.responded) {
              reject(call.error ?? new ConnectError("protocol error: no response headers", Code.Internal));
              return;
            }
            resolve({
              stream: true,
              service: method.parent,
              method,
              header: grpc.headersFromNode(call.header),
              trailer,
              message: responseMessages(call),
            });
          };
        }),
    );
  }

  /** The fields of the request interceptors see that unary and streaming calls share. */
  function interceptedRequest<M extends DescMethodUnary | DescMethodStreaming>(
    call: Call<M>,
    headers: http2.OutgoingHttpHeaders,
  ) {
    return {
      service: call.method.parent,
      method: call.method,
      requestMethod: "POST",
      url: `${session.authority}${wireOf(call.method).path}`,
      header: new Headers(headers as Record<string, string>),
      contextValues: call.contextValues ?? createContextValues(),
    };
  }

  return {
    unary<I extends DescMessage, O extends DescMessage>(
      call: Call<DescMethodUnary<I, O>>,
      input: MessageInitShape<I>,
      attempt: Attempt,
    ): Promise<UnaryResponse<I, O>> {
      const timeoutMs = attemptTimeoutMs(call);
      const headers = requestHeaders(staticHeaders, call.header, call.codec, timeoutMs);
      if (interceptors.length === 0) {
        return unaryOnce(call.method, call.codec, headers, call.signal, timeoutMs, input, attempt);
      }
      return runUnaryCall<I, O>({
        interceptors,
        signal: call.signal,
        timeoutMs,
        req: { ...interceptedRequest(call, headers), stream: false, message: input },
        next: (req) =>
          unaryOnce(req.method, call.codec, toNodeHeaders(req.header), req.signal, timeoutMs, req.message, attempt),
      });
    },
    stream<I extends DescMessage, O extends DescMessage>(
      call: Call<DescMethodStreaming<I, O>>,
      input: AsyncIterable<MessageInitShape<I>>,
      attempt: Attempt,
    ): Promise<StreamResponse<I, O>> {
      const timeoutMs = attemptTimeoutMs(call);
      const headers = requestHeaders(staticHeaders, call.header, call.codec, timeoutMs);
      if (interceptors.length === 0) {
        return streamOnce(call.method, call.codec, headers, call.signal, timeoutMs, input, attempt);
      }
      return runStreamingCall<I, O>({
        interceptors,
        signal: call.signal,
        timeoutMs,
        req: { ...interceptedRequest(call, headers), stream: true, message: input },
        next: (req) =>
          streamOnce(req.method, call.codec, toNodeHeaders(req.header), req.signal, timeoutMs, req.message, attempt),
      });
    },
  };
}

/**
 * The response messages of a streaming call as the caller iterates them: each `next()` takes one (waiting for it),
 * the call's error at the end if it failed. `return()` — the caller stopped early — cancels the call.
 */
function responseMessages<O extends DescMessage>(call: GrpcCall<O>): AsyncIterable<never> {
  return {
    [Symbol.asyncIterator]() {
      return {
        next: () => call.next() as Promise<IteratorResult<never>>,
        return(): Promise<IteratorResult<never>> {
          call.fail(new ConnectError("the caller stopped reading", Code.Canceled));
          return Promise.resolve({ done: true, value: undefined });
        },
      };
    },
  };
}

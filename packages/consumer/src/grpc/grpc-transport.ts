import type * as http2 from "node:http2";
import type {
  DescMessage,
  DescMethod,
  DescMethodStreaming,
  DescMethodUnary,
  MessageInitShape,
  MessageShape,
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
import { type CodecOf, GrpcCall } from "./grpc-call.js";
import type { GrpcSession } from "./grpc-session.js";
import { baseRequestHeaders, requestHeaders, toNodeHeaders } from "./request-headers.js";
import { sendMessages } from "./send-messages.js";
import { LazyStreamResponse } from "./stream-response.js";
import { LazyUnaryResponse } from "./unary-response.js";

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
  /** The response codec by the response's content type (made lazily). */
  outputOf: CodecOf<DescMessage>;
}

const wires = new WeakMap<DescMethod, MethodWire>();

function wireOf(method: DescMethod): MethodWire {
  let wire = wires.get(method);
  if (!wire) {
    const output: MethodWire["output"] = {};
    const outputOf = (kind: CallCodec) => {
      output[kind] ??= grpc.createCodec(method.output, kind);
      return output[kind];
    };
    wire = { path: `/${method.parent.typeName}/${method.name}`, input: {}, output, outputOf };
    wires.set(method, wire);
  }
  return wire;
}

function inputCodec(method: DescMethod, kind: CallCodec): grpc.Codec {
  const wire = wireOf(method);
  wire.input[kind] ??= grpc.createCodec(method.input, kind);
  return wire.input[kind];
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
  const fixed = options.headers ?? {};
  const baseHeaders = { proto: baseRequestHeaders(fixed, "proto"), json: baseRequestHeaders(fixed, "json") };
  const interceptors = options.interceptors ?? [];
  const readMaxBytes = options.readMaxBytes ?? defaultOf("dubbo.protocol.max-message-size");

  /**
   * Starts an attempt: its call object, armed with the deadline and the caller's abort from the start, then the
   * stream (at once when the connection is up) with `send` run on it. Returns the call, which may have ended already.
   */
  function start<O extends DescMessage>(
    method: DescMethod & { output: O },
    headers: http2.OutgoingHttpHeaders,
    signal: AbortSignal | undefined,
    timeoutMs: number | undefined,
    attempt: Attempt,
    call: GrpcCall<O>,
    send: (stream: http2.ClientHttp2Stream) => void,
  ): void {
    call.arm(signal, timeoutMs);
    if (call.ended) return;
    let opened: http2.ClientHttp2Stream | Promise<http2.ClientHttp2Stream>;
    try {
      opened = session.open(wireOf(method).path, headers, attempt);
    } catch (e) {
      call.openFailed(e);
      return;
    }
    if (opened instanceof Promise) {
      opened.then(
        (stream) => {
          if (call.attach(stream)) send(stream);
        },
        (e: unknown) => call.openFailed(e),
      );
    } else if (call.attach(opened)) {
      send(opened);
    }
  }

  function newCall<O extends DescMessage>(method: DescMethod & { output: O }, attempt: Attempt): GrpcCall<O> {
    return new GrpcCall<O>(wireOf(method).outputOf as CodecOf<O>, readMaxBytes, session, attempt);
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
      const call = newCall(method, attempt);
      call.onEnd = () => settleUnary(call, method, resolve, reject);
      start(method, headers, signal, timeoutMs, attempt, call, (stream) => stream.end(body));
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
    return new Promise<StreamResponse<I, O>>((resolve, reject) => {
      const call = newCall(method, attempt);
      const response = new LazyStreamResponse(method, call, responseMessages(call));
      call.onEnd = () => response.ended();
      call.onHeaders = () => {
        if (!call.responded) {
          reject(call.error ?? new ConnectError("protocol error: no response headers", Code.Internal));
          return;
        }
        resolve(response);
      };
      start(method, headers, signal, timeoutMs, attempt, call, (stream) => {
        void sendMessages(stream, call, inputCodec(method, codec), input);
      });
    });
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
      const headers = requestHeaders(baseHeaders[call.codec], call.header, timeoutMs);
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
      const headers = requestHeaders(baseHeaders[call.codec], call.header, timeoutMs);
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

/** Settles a unary attempt that has ended: its one message as the response, or its error. */
function settleUnary<I extends DescMessage, O extends DescMessage>(
  call: GrpcCall<O>,
  method: DescMethodUnary<I, O>,
  resolve: (response: UnaryResponse<I, O>) => void,
  reject: (error: unknown) => void,
): void {
  if (call.error) {
    reject(call.error);
    return;
  }
  const cardinality = grpc.validateUnaryMessageCount(call.queued);
  if (cardinality) {
    reject(cardinality);
    return;
  }
  const message = call.take();
  if (message instanceof Promise) {
    message.then((m) => resolve(new LazyUnaryResponse(method, m, call.header, call.trailer)), reject);
  } else {
    resolve(new LazyUnaryResponse(method, message as MessageShape<O>, call.header, call.trailer));
  }
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

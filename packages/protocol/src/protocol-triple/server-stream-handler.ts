import type { MethodImplSpec } from "@connectrpc/connect";
import {
  createAsyncIterable,
  createMethodSerializationLookup,
  transformInvokeImplementation,
  type UniversalHandlerOptions,
  type UniversalServerRequest,
  type UniversalServerResponse,
  uResponseUnsupportedMediaType,
} from "@connectrpc/connect/protocol";
import { errorToJsonBytes } from "./error-json.js";
import { callOver, createTripleCall, errorResponse, toConnectError } from "./handler-context.js";
import { headerCacheControl } from "./headers.js";
import { readRequestInput, requestShape } from "./request-input.js";
import { contentTypeEventStream, encodeSseEvent, sseErrorEvent } from "./sse.js";

/**
 * Serves a server-streaming method over Triple HTTP (HTTP/1.1 or HTTP/2) as Dubbo Java 3.3 does: one request message
 * (`application/json` or `application/proto`), answered with `text/event-stream`, one `data:` event of JSON per
 * message, written as the implementation produces them. Backpressure: the implementation is pulled for its next
 * message only once the previous event was written. The deadline (`tri-service-timeout`) and the caller going away
 * abort the implementation's signal. An error before the first message is a plain Triple error response (non-200,
 * JSON body); an error after it ends the stream with an `error` event whose data is the JSON error body, gRPC code
 * included.
 */
export function createServerStreamHandler(
  opt: UniversalHandlerOptions,
  spec: MethodImplSpec & { kind: "server_streaming" },
) {
  const serialization = createMethodSerializationLookup(spec.method, opt.binaryOptions, opt.jsonOptions, opt);
  return async function handle(req: UniversalServerRequest): Promise<UniversalServerResponse> {
    const shape = requestShape(req);
    if (shape === undefined) return uResponseUnsupportedMediaType;
    const { context, compression, timeoutError } = createTripleCall(opt, spec, req, contentTypeEventStream);
    const signal = context.signal;
    let outputs: AsyncIterator<unknown>;
    let first: IteratorResult<unknown>;
    try {
      if (opt.requestGate !== undefined) await opt.requestGate(context);
      if (compression.error) throw compression.error;
      if (timeoutError) throw timeoutError;
      const input = await readRequestInput(
        req,
        shape,
        spec.method,
        serialization,
        opt.readMaxBytes,
        compression.request,
      );
      const invoke = transformInvokeImplementation(spec, context, opt.interceptors);
      outputs = invoke(createAsyncIterable([input]))[Symbol.asyncIterator]();
      first = await untilAborted(outputs.next(), signal);
    } catch (e) {
      const res = errorResponse(context, e);
      context.abort(callOver);
      return res;
    }
    context.responseHeader.set(headerCacheControl, "no-cache");
    const json = serialization.getO(false);
    async function* events(): AsyncGenerator<Uint8Array> {
      let next = first;
      try {
        while (!next.done) {
          yield encodeSseEvent(new TextDecoder().decode(json.serialize(next.value as never)));
          next = await untilAborted(outputs.next(), signal);
        }
      } catch (e) {
        const error = toConnectError(e, signal);
        context.abort(error);
        yield encodeSseEvent(new TextDecoder().decode(errorToJsonBytes(error)), sseErrorEvent);
      } finally {
        context.abort(callOver);
        // Ends the implementation's generator (its finally blocks run) when the stream stopped early.
        void outputs.return?.().catch(() => {});
      }
    }
    return { status: 200, header: new Headers(context.responseHeader), body: events() };
  };
}

/** Waits for a step of the implementation, or rejects with the signal's reason once the call is aborted. */
function untilAborted<T>(step: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    step.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

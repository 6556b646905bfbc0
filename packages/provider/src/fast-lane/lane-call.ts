import type * as http2 from "node:http2";
import { create, type DescMessage, type DescMethod, fromBinary } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { grpc, headerServiceGroup, headerServiceVersion } from "@dubbo-mesh/protocol";
import type { Logger, RpcMetrics, ServiceTable } from "@dubbo-mesh/runtime";
import { type BoundMethod, type Registration, resolveTarget } from "../dispatch.js";
import type { LazyHandlerContext } from "./lazy-context.js";
import { readSingleEnvelope, type SingleRequestKind } from "./single-envelope.js";

/** What the fast lane needs from the provider. */
export interface GrpcLaneOptions {
  table: ServiceTable<Registration>;
  fallbackToDefault: boolean;
  readMaxBytes: number;
  /** User interceptors; the lane runs them exactly as the general path does. */
  interceptors: Interceptor[];
  metrics?: RpcMetrics;
  shutdownSignal: AbortSignal;
  logger: Logger;
}

/** Calls in progress on the fast lane, each as the function that cancels it (all of them when the provider stops). */
export type ActiveCalls = Set<(e: ConnectError) => void>;

/** The content type of every fast-lane response: binary protobuf, as connect's general path answers it. */
export const contentTypeResponse = grpc.contentTypeProto;

/** A request header as one string: "" when absent, comma-joined when repeated. */
export function header(headers: http2.IncomingHttpHeaders, name: string): string {
  const v = headers[name];
  return typeof v === "string" ? v : Array.isArray(v) ? v.join(", ") : "";
}

/** Resolves the implementation of a fast-lane call by (service, version, group), as the general path's gate does. */
export function laneTarget(opt: GrpcLaneOptions, method: DescMethod, headers: http2.IncomingHttpHeaders): BoundMethod {
  return resolveTarget(
    opt.table,
    opt.fallbackToDefault,
    method.parent.typeName,
    method.localName,
    method.name,
    header(headers, headerServiceVersion),
    header(headers, headerServiceGroup),
  );
}

/**
 * Reads the request message of a unary or server-streaming call from its DATA chunks: the one envelope (see
 * `readSingleEnvelope`), then binary protobuf, a parse failure reported as connect's binary serialization reports it
 * (INTERNAL), so both lanes answer alike.
 */
export function parseRequest(
  method: DescMethod,
  chunks: Buffer[],
  total: number,
  readMaxBytes: number,
  kind: SingleRequestKind,
): unknown {
  const bytes = readSingleEnvelope(chunks, total, readMaxBytes, kind);
  try {
    return fromBinary(method.input, bytes, { readUnknownFields: true });
  } catch (e) {
    throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
  }
}

/**
 * Collects the request body of a call with a single request message and calls `done` once: at END_STREAM with the
 * chunks, or — as soon as more than one message of `readMaxBytes` has arrived — with RESOURCE_EXHAUSTED, without
 * buffering the rest.
 */
export function collectRequest(
  stream: http2.ServerHttp2Stream,
  readMaxBytes: number,
  done: (error: ConnectError | undefined, chunks: Buffer[], total: number) => void,
): void {
  const chunks: Buffer[] = [];
  let total = 0;
  let over = false;
  stream.on("data", (chunk: Buffer) => {
    if (over) return;
    total += chunk.length;
    if (total > readMaxBytes + 5) {
      over = true;
      const message = `message size is larger than configured readMaxBytes ${readMaxBytes}`;
      done(new ConnectError(message, Code.ResourceExhausted), chunks, total);
      return;
    }
    chunks.push(chunk);
  });
  stream.on("end", () => {
    if (!over) done(undefined, chunks, total);
  });
}

/** Any thrown value as the ConnectError a caller gets: itself if it is one, INTERNAL otherwise (as connect does). */
export function toConnectError(e: unknown): ConnectError {
  return e instanceof ConnectError ? e : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
}

/** A handler may return a message or its init shape; make it a message of the output type, as connect does. */
export function normalizeOutput(desc: DescMessage, out: unknown): never {
  const o = out as Record<string, unknown> | null;
  if (o !== null && typeof o === "object" && o.$typeName === desc.typeName) return o as never;
  return create(desc, o as never) as never;
}

/** The response HEADERS of a fast-lane call: status, content type and what the handler set. */
export function responseHeaders(ctx: LazyHandlerContext): http2.OutgoingHttpHeaders {
  const out: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": contentTypeResponse };
  ctx.responseHeaderIfSet?.forEach((v, k) => {
    out[k] = v;
  });
  return out;
}

/** Adds the trailers of a call — what the handler set, then `grpc-status` and `grpc-message` — to `out`. */
export function addTrailers(
  out: http2.OutgoingHttpHeaders,
  ctx: LazyHandlerContext,
  error: ConnectError | undefined,
): http2.OutgoingHttpHeaders {
  grpc.headersToNode(ctx.responseTrailerIfSet, out);
  return grpc.setTrailerStatus(out, error);
}

/**
 * Arms what ends a fast-lane call early once its target is known: the deadline (DEADLINE_EXCEEDED), the provider's
 * shutdown (`active`: every call's `fail`, cancelled together) and the client's reset or disconnect (CANCELED).
 * Returns the deadline's timer, for the call to clear when it finishes.
 */
export function armCallEnds(
  stream: http2.ServerHttp2Stream,
  timeoutMs: number | undefined,
  active: Set<(e: ConnectError) => void>,
  fail: (e: unknown) => void,
  isFinished: () => boolean,
): NodeJS.Timeout | undefined {
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => fail(new ConnectError("the operation timed out", Code.DeadlineExceeded)), timeoutMs);
  active.add(fail);
  stream.on("close", () => {
    if (!isFinished()) fail(new ConnectError("the client cancelled the call", Code.Canceled));
  });
  return timer;
}

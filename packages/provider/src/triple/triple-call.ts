import type { DescMethod } from "@bufbuild/protobuf";
import type { Compression } from "@connectrpc/connect/protocol";
import {
  Code,
  ConnectError,
  contentTypeJson,
  contentTypeProto,
  headerContentEncoding,
  headerContentLength,
  headerContentType,
  headerProtocolVersion,
  headerTrailerPrefix,
  tripleErrorReply,
  tripleProtocolVersion,
} from "@dubbo-mesh/protocol";
import type { RpcMeter, RpcTracing } from "@dubbo-mesh/runtime";
import { type ActiveCalls, CallEnd } from "../call/call-end.js";
import { type CallInfo, callInfoOf, spanConnectionOf } from "../call-info.js";
import { type NodeRequest, type NodeResponse, writeHead } from "../node-types.js";

/** Response bodies smaller than this go out uncompressed even when the client accepts gzip (connect's default). */
const compressMinBytes = 1024;

/** Dubbo's `tri-exception-code` of a business exception (the service method threw something of its own). */
const bizException = 3;

type OutgoingHeaders = Record<string, string | string[]>;

/** A serialized response message: bytes, or the JSON text of a JSON call (written as is, see `Codec.serializeText`). */
export type TripleBody = Uint8Array | string;

/**
 * One Triple HTTP unary call on the provider (`POST /<package.Service>/<Method>`, `application/json` or
 * `application/proto`), on node:http's request and response (or node:http2's compatibility pair): how it ends is
 * `CallEnd`'s, as on the gRPC engine; this writes the end in Triple's form — 200 with the message, its headers and
 * its trailers as `trailer-*` headers; or the HTTP status of the error's code with the JSON error body
 * (`tripleErrorReply`) — in one `writeHead` and one `end`. A client that goes away first (the response closes before
 * it is sent) cancels the call.
 */
export class TripleCall extends CallEnd<TripleBody> {
  readonly req: NodeRequest;
  readonly res: NodeResponse;
  /** True for `application/proto`, false for `application/json`. */
  readonly binary: boolean;
  /** The compression of the response body the client accepts, if any. */
  readonly #compression: Compression | null;

  constructor(
    method: DescMethod,
    req: NodeRequest,
    res: NodeResponse,
    binary: boolean,
    compression: Compression | null,
    timeoutMs: number | undefined,
    active: ActiveCalls,
    meter: RpcMeter | undefined,
    tracing: RpcTracing | undefined,
  ) {
    const trace = tracing?.startServer({
      system: "apache_dubbo",
      service: method.parent.typeName,
      method: method.name,
      headers: req.headers,
      connection: spanConnectionOf(req.socket),
    });
    super({ protocolName: "triple", method, headers: req.headers, timeoutMs, active, meter, trace });
    this.req = req;
    this.res = res;
    this.binary = binary;
    this.#compression = compression;
    res.on("close", this.#onClose);
  }

  url(): string {
    const req = this.req;
    const encrypted = (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
    const host = req.headers.host ?? req.headers[":authority"] ?? "localhost";
    return `${encrypted ? "https" : "http"}://${host}${req.url ?? "/"}`;
  }

  callInfo(): CallInfo {
    return callInfoOf(this.req.socket, this.req.httpVersion);
  }

  /** Answers 200 with the message (gzip-compressed when the client accepts it and it is worth it). */
  respondUnary(message: TripleBody): void {
    if (!this.decideEnd(undefined)) return;
    const out = this.#successHeaders();
    const compression = this.#compression;
    if (compression && byteLength(message) >= compressMinBytes) {
      const bytes = typeof message === "string" ? Buffer.from(message) : message;
      compression.compress(bytes).then(
        (packed) => {
          out[headerContentEncoding] = compression.name;
          this.#write(200, out, packed);
        },
        () => this.#write(200, out, message),
      );
      return;
    }
    this.#write(200, out, message);
  }

  /** Ends the call with an error (a unary call has no OK end without a message; one would answer an empty body). */
  finish(error: ConnectError | undefined): void {
    if (!this.decideEnd(error)) return;
    if (!error) {
      this.#write(200, this.#successHeaders(), new Uint8Array(0));
      return;
    }
    const header = new Headers(this.context.responseHeaderIfSet);
    header.set(headerProtocolVersion, tripleProtocolVersion);
    const exceptionCode = this.failureKind === "business" ? bizException : error.code;
    const reply = tripleErrorReply(header, error, exceptionCode);
    const out: OutgoingHeaders = {};
    header.forEach((value, key) => {
      out[key] = value;
    });
    const cookies = header.getSetCookie();
    if (cookies.length > 1) out["set-cookie"] = cookies;
    this.#write(reply.status, out, reply.body);
  }

  /**
   * The headers of a 200: the content type, the Triple protocol version, what the handler set, and its trailers as
   * `trailer-<name>` (Triple HTTP has no trailers of its own).
   */
  #successHeaders(): OutgoingHeaders {
    const out: OutgoingHeaders = {
      [headerContentType]: this.binary ? contentTypeProto : contentTypeJson,
      [headerProtocolVersion]: tripleProtocolVersion,
    };
    const header = this.context.responseHeaderIfSet;
    if (header) {
      header.forEach((value, key) => {
        out[key] = value;
      });
      const cookies = header.getSetCookie();
      if (cookies.length > 1) out["set-cookie"] = cookies;
    }
    this.context.responseTrailerIfSet?.forEach((value, key) => {
      out[`${headerTrailerPrefix}${key}`] = value;
    });
    return out;
  }

  #write(status: number, out: OutgoingHeaders, body: TripleBody): void {
    const res = this.res;
    if (res.headersSent || res.writableEnded || res.destroyed) return;
    out[headerContentLength] = String(byteLength(body));
    writeHead(res, status, out as Record<string, string>);
    res.end(body);
  }

  readonly #onClose = (): void => {
    if (this.ended) return;
    this.decideEnd(new ConnectError("the client went away before the call ended", Code.Canceled));
  };
}

function byteLength(body: TripleBody): number {
  return typeof body === "string" ? Buffer.byteLength(body) : body.byteLength;
}

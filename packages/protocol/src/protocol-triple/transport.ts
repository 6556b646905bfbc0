import type { DescMessage, DescMethodStreaming, DescMethodUnary, MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ContextValues,
  createContextValues,
  type Interceptor,
  type StreamResponse,
  type Transport,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  createAsyncIterable,
  createMethodSerializationLookup,
  createMethodUrl,
  readAllBytes,
  runStreamingCall,
  runUnaryCall,
  type UniversalClientFn,
} from "@connectrpc/connect/protocol";
import { contentTypeJson, contentTypeProto, parseContentType } from "./content-type.js";
import { errorFromJsonBytes } from "./error-json.js";
import {
  headerAccept,
  headerContentLength,
  headerContentType,
  headerProtocolVersion,
  headerServiceTimeout,
  tripleProtocolVersion,
} from "./headers.js";
import { contentTypeEventStream, parseSseStream, sseErrorEvent } from "./sse.js";

/** Options of `createTransport`, the Triple HTTP client transport (unary, and server streams as SSE). */
export interface TripleTransportOptions {
  /** Base URL of the provider, e.g. `http://127.0.0.1:50052`. */
  baseUrl: string;
  /** The HTTP client to send requests with (connect-node's `createNodeHttpClient` for HTTP/1.1 or HTTP/2). */
  httpClient: UniversalClientFn;
  /** Send `application/proto` (true, the default) or `application/json` (false). */
  useBinaryFormat?: boolean;
  /** Interceptors applied to every call, outermost first. */
  interceptors?: Interceptor[];
  /** Deadline for calls that set none, in ms; none by default. */
  defaultTimeoutMs?: number;
  /** Largest response body accepted, in bytes (the consumer's checked `readMaxBytes`, 4 MiB unless set). */
  readMaxBytes: number;
}

/**
 * Creates a connect `Transport` that speaks Triple HTTP: `POST /<service>/<method>`, the deadline in
 * `tri-service-timeout`, the error as a non-200 status with a JSON body in any Triple dialect. Server-streaming
 * methods are answered as Server-Sent Events (`text/event-stream`, one JSON message per event, an `error` event
 * ending the stream on failure), as Dubbo 3.3 serves them over HTTP/1.1. Client and bidi streaming fail with
 * UNIMPLEMENTED: they need gRPC.
 */
export function createTransport(options: TripleTransportOptions): Transport {
  const binary = options.useBinaryFormat ?? true;
  const readMaxBytes = options.readMaxBytes;
  return {
    async unary<I extends DescMessage, O extends DescMessage>(
      method: DescMethodUnary<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0] | undefined,
      input: MessageInitShape<I>,
      contextValues?: ContextValues,
    ): Promise<UnaryResponse<I, O>> {
      const serialization = createMethodSerializationLookup(method, undefined, undefined, {
        readMaxBytes,
        writeMaxBytes: Number.MAX_SAFE_INTEGER,
      });
      const effectiveTimeout =
        timeoutMs === undefined ? options.defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;
      const requestHeader = new Headers(header);
      requestHeader.set(headerContentType, binary ? contentTypeProto : contentTypeJson);
      requestHeader.set(headerProtocolVersion, tripleProtocolVersion);
      if (effectiveTimeout !== undefined) requestHeader.set(headerServiceTimeout, String(effectiveTimeout));
      return runUnaryCall<I, O>({
        interceptors: options.interceptors,
        signal,
        timeoutMs: effectiveTimeout,
        req: {
          stream: false,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: createMethodUrl(options.baseUrl, method),
          header: requestHeader,
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: async (req) => {
          const requestBody = serialization.getI(binary).serialize(req.message);
          req.header.set(headerContentLength, String(requestBody.byteLength));
          const res = await options.httpClient({
            url: req.url,
            method: req.requestMethod,
            header: req.header,
            signal: req.signal,
            body: createAsyncIterable([requestBody]),
          });
          const body = await readAllBytes(res.body, readMaxBytes, res.header.get(headerContentLength));
          const [responseHeader, trailer] = demuxTrailers(res.header);
          if (res.status !== 200) {
            const metadata = new Headers(responseHeader);
            for (const [k, v] of trailer) metadata.append(k, v);
            throw errorFromJsonBytes(body, res.status, metadata);
          }
          const type = parseContentType(res.header.get(headerContentType));
          if (type === undefined) {
            throw new ConnectError(
              `unexpected response content type "${res.header.get(headerContentType) ?? ""}"`,
              Code.Internal,
            );
          }
          return {
            stream: false,
            service: method.parent,
            method,
            header: responseHeader,
            trailer,
            message: serialization.getO(type.binary).parse(body),
          };
        },
      });
    },
    async stream<I extends DescMessage, O extends DescMessage>(
      method: DescMethodStreaming<I, O>,
      signal: AbortSignal | undefined,
      timeoutMs: number | undefined,
      header: ConstructorParameters<typeof Headers>[0] | undefined,
      input: AsyncIterable<MessageInitShape<I>>,
      contextValues?: ContextValues,
    ): Promise<StreamResponse<I, O>> {
      if (method.methodKind !== "server_streaming") {
        throw new ConnectError(
          `${method.parent.typeName}/${method.name} is a ${method.methodKind.replace("_", "-")} method: ` +
            "Triple HTTP carries unary and server-streaming calls; use gRPC for it",
          Code.Unimplemented,
        );
      }
      const serialization = createMethodSerializationLookup(method, undefined, undefined, {
        readMaxBytes,
        writeMaxBytes: Number.MAX_SAFE_INTEGER,
      });
      const effectiveTimeout =
        timeoutMs === undefined ? options.defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;
      const requestHeader = new Headers(header);
      requestHeader.set(headerContentType, binary ? contentTypeProto : contentTypeJson);
      requestHeader.set(headerAccept, contentTypeEventStream);
      requestHeader.set(headerProtocolVersion, tripleProtocolVersion);
      if (effectiveTimeout !== undefined) requestHeader.set(headerServiceTimeout, String(effectiveTimeout));
      return runStreamingCall<I, O>({
        interceptors: options.interceptors,
        signal,
        timeoutMs: effectiveTimeout,
        req: {
          stream: true,
          service: method.parent,
          method,
          requestMethod: "POST",
          url: createMethodUrl(options.baseUrl, method),
          header: requestHeader,
          contextValues: contextValues ?? createContextValues(),
          message: input,
        },
        next: async (req) => {
          const request = await single(req.message, method.name);
          const requestBody = serialization.getI(binary).serialize(request);
          req.header.set(headerContentLength, String(requestBody.byteLength));
          const res = await options.httpClient({
            url: req.url,
            method: req.requestMethod,
            header: req.header,
            signal: req.signal,
            body: createAsyncIterable([requestBody]),
          });
          if (res.status !== 200) {
            const body = await readAllBytes(res.body, readMaxBytes, res.header.get(headerContentLength));
            throw errorFromJsonBytes(body, res.status, res.header);
          }
          const contentType = res.header.get(headerContentType) ?? "";
          if (!contentType.toLowerCase().startsWith(contentTypeEventStream)) {
            throw new ConnectError(
              `unexpected content type "${contentType}" for a server stream: expected ${contentTypeEventStream}`,
              Code.Internal,
            );
          }
          const json = serialization.getO(false);
          const outputLooksLikeError = method.output.fields.some((f) => errorBodyKeys.has(f.jsonName));
          async function* messages() {
            for await (const event of parseSseStream(res.body, readMaxBytes)) {
              if (event.event === sseErrorEvent) {
                throw errorFromJsonBytes(new TextEncoder().encode(event.data), 500, res.header);
              }
              const data = new TextEncoder().encode(event.data);
              // Dubbo Java ends a failed SSE stream with a plain data event holding its error body; a message type
              // with fields of those names is read as a message.
              if (!outputLooksLikeError && isErrorBody(event.data)) throw errorFromJsonBytes(data, 500, res.header);
              yield json.parse(data);
            }
          }
          return {
            stream: true,
            service: method.parent,
            method,
            header: res.header,
            trailer: new Headers(),
            message: messages(),
          };
        },
      });
    },
  };
}

const errorBodyKeys = new Set(["status", "code", "message", "details"]);

/**
 * True for the JSON of a Triple error body in any dialect: an object of only `status`/`code`/`message`/`details`,
 * with a `message` and a `status` or `code`.
 */
function isErrorBody(text: string): boolean {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return false;
  }
  if (typeof v !== "object" || v === null || Array.isArray(v)) return false;
  const keys = Object.keys(v);
  return (
    keys.every((k) => errorBodyKeys.has(k)) &&
    keys.includes("message") &&
    (keys.includes("status") || keys.includes("code"))
  );
}

/** The one request message of a server-streaming call. */
async function single<T>(messages: AsyncIterable<T>, method: string): Promise<T> {
  let found: { value: T } | undefined;
  for await (const m of messages) {
    if (found) throw new ConnectError(`${method}: a server-streaming call takes one request message`, Code.Internal);
    found = { value: m };
  }
  if (!found) throw new ConnectError(`${method}: a server-streaming call takes one request message`, Code.Internal);
  return found.value;
}

/** Splits `trailer-<name>` response headers (trailers of an HTTP unary response) from the others. */
function demuxTrailers(all: Headers): [Headers, Headers] {
  const header = new Headers();
  const trailer = new Headers();
  all.forEach((value, key) => {
    if (key.startsWith("trailer-")) trailer.append(key.slice(8), value);
    else header.append(key, value);
  });
  return [header, trailer];
}

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
  runUnaryCall,
  type UniversalClientFn,
} from "@connectrpc/connect/protocol";
import { contentTypeJson, contentTypeProto, parseContentType } from "./content-type.js";
import { errorFromJsonBytes } from "./error-json.js";
import {
  headerContentLength,
  headerContentType,
  headerProtocolVersion,
  headerServiceTimeout,
  tripleProtocolVersion,
} from "./headers.js";

/** Options of `createTransport`, the Triple HTTP unary client transport. */
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
  /** Largest response body accepted, in bytes. Default 4 MiB, as gRPC's max receive message size. */
  readMaxBytes?: number;
}

/**
 * Creates a connect `Transport` that speaks Triple HTTP unary: `POST /<service>/<method>`, the deadline in
 * `tri-service-timeout`, the error as a non-200 status with a JSON body in any Triple dialect. Streaming methods fail
 * with UNIMPLEMENTED: Triple streams only over gRPC, so use the gRPC transport for them.
 */
export function createTransport(options: TripleTransportOptions): Transport {
  const binary = options.useBinaryFormat ?? true;
  const readMaxBytes = options.readMaxBytes ?? 4 * 1024 * 1024;
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
    ): Promise<StreamResponse<I, O>> {
      throw new ConnectError(
        `${method.parent.typeName}/${method.name}: Triple HTTP carries unary calls only; use gRPC for streaming`,
        Code.Unimplemented,
      );
    },
  };
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

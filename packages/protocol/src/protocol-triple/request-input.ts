import type { DescMessage, DescMethod, JsonValue, MessageShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression, MethodSerializationLookup, UniversalServerRequest } from "@connectrpc/connect/protocol";
import { parseContentType, type TripleContentType } from "./content-type.js";
import { decodeRequest, methodName, readRequestBody } from "./handler-context.js";
import { headerContentType } from "./headers.js";
import { assertJsonUtf8 } from "./json-utf8.js";
import { bindRequest, getBinding, type HttpBinding, kHttpBinding } from "./request-binding.js";

/**
 * How one Triple request carries its message: a plain Triple POST (the body is the message, JSON or binary), or a
 * REST-style call (`GET /<service>/<Method>?…` or a `google.api.http` rule) whose message is built from the URL
 * and an optional JSON body. Undefined when the request cannot be either (no Triple content type on a POST): 415.
 */
export type RequestShape = { kind: "triple"; type: TripleContentType } | { kind: "rest"; binding: HttpBinding };

/** Sorts a request into one of the shapes of `RequestShape`, or undefined for an unsupported content type. */
export function requestShape(req: UniversalServerRequest): RequestShape | undefined {
  const binding = req.contextValues?.get(kHttpBinding) ?? (req.method === "GET" ? getBinding : undefined);
  const type = parseContentType(req.header.get(headerContentType));
  if (binding === undefined) return type === undefined ? undefined : { kind: "triple", type };
  // A REST body is JSON; a rule without a body takes none (a content type, if any, is not looked at).
  if (binding.body !== undefined && req.header.get(headerContentType) !== null && (type === undefined || type.binary)) {
    return undefined;
  }
  return { kind: "rest", binding };
}

/** True when the response is binary protobuf: only for a plain Triple call that sent `application/proto`. */
export function binaryResponse(shape: RequestShape): boolean {
  return shape.kind === "triple" && shape.type.binary;
}

/**
 * Reads the request message of either shape: the whole body for a Triple POST; for a REST call, the JSON body (if
 * the rule binds one) placed per the rule, then path variables and query parameters (see `bindRequest`).
 */
export async function readRequestInput<I extends DescMessage, O extends DescMessage>(
  req: UniversalServerRequest,
  shape: RequestShape,
  method: DescMethod,
  serialization: MethodSerializationLookup<I, O>,
  readMaxBytes: number,
  compression: Compression | null,
): Promise<MessageShape<I>> {
  if (shape.kind === "triple") {
    const bytes = await readRequestBody(req, readMaxBytes, compression);
    const input = serialization.getI(shape.type.binary);
    return decodeRequest((b) => input.parse(b), shape.type.binary, bytes, method);
  }
  let body: JsonValue | undefined;
  if (shape.binding.body !== undefined) {
    const bytes = await readRequestBody(req, readMaxBytes, compression);
    if (bytes.byteLength > 0) {
      assertJsonUtf8(bytes, method.input);
      try {
        body = JSON.parse(new TextDecoder().decode(bytes)) as JsonValue;
      } catch (e) {
        throw new ConnectError(
          `malformed JSON request body of ${methodName(method)}: ${e instanceof Error ? e.message : e}`,
          Code.InvalidArgument,
        );
      }
    }
  }
  const query = new URL(req.url).searchParams;
  return bindRequest(method.input as I, shape.binding, body, query);
}

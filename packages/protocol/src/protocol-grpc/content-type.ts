/** `application/grpc`: binary protobuf messages, as gRPC's default. */
export const contentTypeGrpc = "application/grpc";
/** `application/grpc+proto`: binary protobuf messages. */
export const contentTypeProto = "application/grpc+proto";
/** `application/grpc+json`: protobuf's JSON mapping. */
export const contentTypeJson = "application/grpc+json";

/** The codec a gRPC content type names: binary protobuf or protobuf JSON. */
export type GrpcCodecKind = "proto" | "json";

/**
 * Matches every gRPC content type: `application/grpc`, optionally `+<subtype>`, optionally `;` parameters,
 * case-insensitive (media types are). The subtype is captured.
 */
export const contentTypeRegExp = /^application\/grpc(?:\+([^;\s]*))?\s*(?:;.*)?$/i;

/**
 * Parses a request's or response's content type: `"proto"` for `application/grpc` and `application/grpc+proto`,
 * `"json"` for `application/grpc+json` (parameters such as `; charset=utf-8` allowed, any case), undefined for
 * anything else — including gRPC with a codec this implementation does not have (`+thrift`).
 */
export function parseContentType(value: string | null | undefined): GrpcCodecKind | undefined {
  // The two values nearly every call carries, without a regular expression.
  if (value === contentTypeGrpc || value === contentTypeProto) return "proto";
  if (value === contentTypeJson) return "json";
  if (value === null || value === undefined) return undefined;
  const match = contentTypeRegExp.exec(value);
  if (!match) return undefined;
  const subtype = match[1]?.toLowerCase();
  if (subtype === undefined || subtype === "proto") return "proto";
  if (subtype === "json") return "json";
  return undefined;
}

/** The content type a response (or request) of a codec carries. */
export function contentTypeOf(kind: GrpcCodecKind): string {
  return kind === "json" ? contentTypeJson : contentTypeProto;
}

/** True when the value is some gRPC content type, known codec or not (gRPC's answer then differs from HTTP's). */
export function isGrpcContentType(value: string | null | undefined): boolean {
  return value !== null && value !== undefined && contentTypeRegExp.test(value);
}

/** Content type of a Triple unary call with a JSON body. */
export const contentTypeJson = "application/json";
/** Content type of a Triple unary call with a binary protobuf body. */
export const contentTypeProto = "application/proto";

/**
 * Matches the content types of Triple HTTP unary calls: `application/json` and `application/proto`, with an optional
 * `; charset=utf-8` (or any other parameter), case-insensitive.
 */
export const contentTypeRegExp = /^application\/(json|proto)(?:\s*;.*)?$/i;

/** What a Triple content type says about the body. */
export interface TripleContentType {
  /** True for `application/proto`, false for `application/json`. */
  binary: boolean;
}

const json: TripleContentType = Object.freeze({ binary: false });
const proto: TripleContentType = Object.freeze({ binary: true });

/** Parses a Triple content type; undefined when the value is not one. */
export function parseContentType(value: string | null): TripleContentType | undefined {
  if (value === null) return undefined;
  // The values clients send, answered without the regular expression.
  if (value === contentTypeJson) return json;
  if (value === contentTypeProto) return proto;
  const match = contentTypeRegExp.exec(value);
  if (!match) return undefined;
  return match[1]?.toLowerCase() === "proto" ? proto : json;
}

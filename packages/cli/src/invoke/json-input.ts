import { type DescMethod, type FileRegistry, fromJson, type JsonValue, type Message } from "@bufbuild/protobuf";
import { errorMessage } from "@dubbo-mesh/runtime";
import { UsageError } from "../args.js";

/**
 * Parses the `[json]` argument before anything is sent, so a typo fails fast with exit 2. Absent = `{}` (one empty
 * request) for unary and server streaming, and no messages at all for client streaming and bidi.
 */
export function parseJsonArgument(text: string | undefined): JsonValue | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as JsonValue;
  } catch (e) {
    throw new UsageError(`the request is not valid JSON: ${errorMessage(e)}`);
  }
}

/**
 * Turns the JSON argument into request messages of `method.input` with protobuf's JSON mapping (field names in
 * lowerCamelCase or as in the .proto; unknown fields are an error). Unary and server streaming take one object;
 * client streaming and bidi take an array of objects (a single object is one message).
 */
export function requestMessages(method: DescMethod, json: JsonValue | undefined, registry: FileRegistry): Message[] {
  const streaming = method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming";
  const items = json === undefined ? (streaming ? [] : [{}]) : Array.isArray(json) ? json : [json];
  if (!streaming && (Array.isArray(json) || items.length !== 1)) {
    throw new UsageError(
      `${method.name} is ${method.methodKind.replace("_", " ")}: give one JSON object, not an array`,
    );
  }
  return items.map((item, i) => {
    try {
      return fromJson(method.input, item, { registry });
    } catch (e) {
      const where = streaming ? ` (message ${i + 1})` : "";
      throw new UsageError(`the request does not fit ${method.input.typeName}${where}: ${errorMessage(e)}`);
    }
  });
}

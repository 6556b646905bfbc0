import {
  type DescEnum,
  type DescField,
  type DescMessage,
  fromJson,
  type JsonObject,
  type JsonValue,
  type MessageShape,
  ScalarType,
} from "@bufbuild/protobuf";
import { Code, ConnectError, createContextKey } from "@connectrpc/connect";

/**
 * How an HTTP request that is not a plain Triple POST maps to the request message (REST-style calls): which field
 * the body fills, and the values of the path template's variables. Query parameters fill the rest.
 */
export interface HttpBinding {
  /** "*" for the whole request, a field path for one field, undefined for no body (GET). */
  readonly body: string | undefined;
  /** Field path -> value, from the rule's path template. */
  readonly pathVariables: readonly (readonly [string, string])[];
  /** The rule, for messages (`GET /v1/greet/{name}`); undefined for `GET /<service>/<Method>`. */
  readonly rule?: string;
}

/** The context key the server sets when a request reached its method through an HTTP rule. */
export const kHttpBinding = createContextKey<HttpBinding | undefined>(undefined, {
  description: "dubbo-mesh HTTP rule binding",
});

/** The binding of `GET /<service>/<Method>?field=value`: no body, no path variables. */
export const getBinding: HttpBinding = { body: undefined, pathVariables: [] };

/**
 * Builds the request message of a REST-style call, as grpc-gateway, Connect's GET and Dubbo 3.3 REST bind it: the
 * body (already parsed JSON, placed per `binding.body`), then the path variables, then every query parameter —
 * named by a field's JSON name or proto name, dotted for nested messages (`page.size=10`), repeated for repeated
 * fields (`tag=a&tag=b`). A parameter naming no field, a value that does not fit its field's type, or a map field is
 * INVALID_ARGUMENT naming the parameter.
 */
export function bindRequest<Desc extends DescMessage>(
  schema: Desc,
  binding: HttpBinding,
  body: JsonValue | undefined,
  query: URLSearchParams,
): MessageShape<Desc> {
  let root: JsonObject = {};
  if (binding.body === "*") {
    if (body !== undefined) {
      if (typeof body !== "object" || body === null || Array.isArray(body)) {
        throw invalid(`the request body must be a JSON object (${schema.typeName})`);
      }
      root = body;
    }
  } else if (binding.body !== undefined && body !== undefined) {
    const { parent, key } = locate(schema, root, binding.body, "body field");
    parent[key] = body;
  }
  for (const [path, value] of binding.pathVariables) {
    const { parent, key, field } = locate(schema, root, path, "path variable");
    parent[key] = convert(field, value, `path variable ${path}`);
  }
  for (const [name, value] of query) {
    const { parent, key, field } = locate(schema, root, name, "query parameter");
    const converted = convert(field, value, `query parameter ${name}`);
    if (field.fieldKind === "list") {
      const list = parent[key];
      parent[key] = Array.isArray(list) ? [...list, converted] : [converted];
    } else {
      parent[key] = converted;
    }
  }
  try {
    return fromJson(schema, root);
  } catch (e) {
    throw invalid(
      `the request built from the URL does not fit ${schema.typeName}: ${e instanceof Error ? e.message : e}`,
    );
  }
}

function invalid(message: string): ConnectError {
  return new ConnectError(message, Code.InvalidArgument);
}

/** Walks a dotted field path, creating nested objects; returns where the last field's JSON value goes. */
function locate(
  schema: DescMessage,
  root: JsonObject,
  path: string,
  what: string,
): { parent: JsonObject; key: string; field: DescField } {
  const names = path.split(".");
  let message = schema;
  let parent = root;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] ?? "";
    const field = message.fields.find((f) => f.jsonName === name || f.name === name);
    if (!field) throw invalid(`unknown ${what} ${path}: ${message.typeName} has no field ${name}`);
    if (i === names.length - 1) {
      if (field.fieldKind === "map") throw invalid(`${what} ${path}: map fields cannot be set from the URL`);
      return { parent, key: field.jsonName, field };
    }
    if (field.fieldKind !== "message") throw invalid(`${what} ${path}: ${name} is not a message, it has no fields`);
    const next = parent[field.jsonName];
    const child: JsonObject = typeof next === "object" && next !== null && !Array.isArray(next) ? next : {};
    parent[field.jsonName] = child;
    parent = child;
    message = field.message;
  }
  throw invalid(`empty ${what}`);
}

/** One URL value as the JSON value of its field, or INVALID_ARGUMENT naming the parameter and the expected type. */
function convert(field: DescField, value: string, where: string): JsonValue {
  const kind = field.fieldKind === "list" ? field.listKind : field.fieldKind;
  if (kind === "enum") {
    const e = (field as { enum: DescEnum }).enum;
    if (/^-?\d+$/.test(value)) return Number(value);
    if (e.values.some((v) => v.name === value)) return value;
    throw invalid(`invalid value "${value}" for ${where}: expected one of ${e.values.map((v) => v.name).join(", ")}`);
  }
  if (kind === "message") {
    const m = (field as { message: DescMessage }).message;
    // Well-known types with a string JSON form (Timestamp, Duration, FieldMask, wrappers) take the value as it is.
    if (m.typeName.startsWith("google.protobuf.")) return value;
    throw invalid(`${where}: ${field.name} is a message (${m.typeName}); set its fields (${field.jsonName}.<field>=…)`);
  }
  const scalar = (field as { scalar: ScalarType }).scalar;
  const fail = (expected: string) => invalid(`invalid value "${value}" for ${where}: expected ${expected}`);
  switch (scalar) {
    case ScalarType.STRING:
      return value;
    case ScalarType.BOOL:
      if (value === "true" || value === "false") return value === "true";
      throw fail("true or false");
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      if (/^-?\d+$/.test(value) && Math.abs(Number(value)) <= 2 ** 31 && Number(value) < 2 ** 31) return Number(value);
      throw fail("a 32-bit integer");
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      if (/^\d+$/.test(value) && Number(value) < 2 ** 32) return Number(value);
      throw fail("an unsigned 32-bit integer");
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      if (/^-?\d+$/.test(value) && BigInt(value) >= -(2n ** 63n) && BigInt(value) < 2n ** 63n) return value;
      throw fail("a 64-bit integer");
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      if (/^\d+$/.test(value) && BigInt(value) < 2n ** 64n) return value;
      throw fail("an unsigned 64-bit integer");
    case ScalarType.FLOAT:
    case ScalarType.DOUBLE:
      if (value === "NaN" || value === "Infinity" || value === "-Infinity") return value;
      if (value.trim() !== "" && Number.isFinite(Number(value))) return Number(value);
      throw fail("a number");
    case ScalarType.BYTES:
      if (/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) return value;
      throw fail("base64");
  }
  throw fail("a scalar");
}

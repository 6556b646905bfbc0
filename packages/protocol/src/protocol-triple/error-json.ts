import { Code, ConnectError } from "@connectrpc/connect";
import { codeFromHttpStatus } from "./http-status.js";

const codeNames = new Map<string, Code>(
  Object.entries(Code)
    .filter((e): e is [string, Code] => typeof e[1] === "number")
    .map(([name, code]) => [name.replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase(), code]),
);
codeNames.set("cancelled", Code.Canceled);

/** The snake_case name of a gRPC code, as Connect and dubbo-go write it (`not_found`). */
export function codeToString(code: Code): string {
  for (const [name, value] of codeNames) if (value === code) return name;
  return "unknown";
}

/**
 * Serializes an error as the body of a failed Triple HTTP unary call:
 * `{"status": <gRPC code>, "code": "<name>", "message": "..."}`. `status` is what Dubbo's Triple spec and dubbo-js
 * read; `code` is what dubbo-go and Connect clients read, so every Triple dialect understands the same body.
 */
export function errorToJsonBytes(error: ConnectError): Uint8Array {
  const body: { status: number; code: string; message: string } = {
    status: error.code,
    code: codeToString(error.code),
    message: error.rawMessage,
  };
  return new TextEncoder().encode(JSON.stringify(body));
}

/**
 * Parses the error body of a failed Triple HTTP unary call in any dialect: `status` as a gRPC code number (dubbo-js,
 * this project) or as an HTTP status string (Dubbo Java), or `code` as a name (dubbo-go, Connect). A body that is not
 * such JSON yields an error with the code the HTTP status maps to.
 */
export function errorFromJsonBytes(bytes: Uint8Array, httpStatus: number, metadata: Headers): ConnectError {
  const fallback = codeFromHttpStatus(httpStatus);
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    return new ConnectError(`HTTP ${httpStatus}`, fallback, metadata);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return new ConnectError(`HTTP ${httpStatus}`, fallback, metadata);
  }
  const obj = parsed as Record<string, unknown>;
  let code = fallback;
  if (typeof obj.status === "number" && obj.status > 0 && obj.status <= 16) {
    code = obj.status as Code;
  } else if (typeof obj.code === "string" && codeNames.has(obj.code)) {
    code = codeNames.get(obj.code) ?? fallback;
  } else if (typeof obj.status === "string" && /^\d{3}$/.test(obj.status)) {
    code = codeFromHttpStatus(Number(obj.status));
  }
  const message = typeof obj.message === "string" ? obj.message : `HTTP ${httpStatus}`;
  return new ConnectError(message, code, metadata);
}

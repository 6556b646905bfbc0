import { Code, ConnectError } from "@connectrpc/connect";
import { headerExceptionCode } from "./headers.js";
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

/** The gRPC code of a snake_case name (`not_found`, Connect's and dubbo-go's spelling), or undefined. */
export function codeFromString(name: string): Code | undefined {
  return codeNames.get(name);
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
 * Parses the error body of a failed Triple HTTP call in any dialect and maps it to the right gRPC code:
 * - dubbo-js and this project: `{"status": <gRPC code>, …}` (a number, or its digits as a string);
 * - dubbo-go and Connect: `{"code": "invalid_argument", …}`;
 * - Dubbo Java 3.3: `{"status": "<HTTP status>", "message": …}` with the code in the `tri-exception-code` header
 *   (the gRPC code, or 3 = Dubbo's BIZ_EXCEPTION on a 5xx: a business exception, UNKNOWN), else by the HTTP status.
 * A body that is not such JSON yields an error with the code the HTTP status maps to.
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
  const status =
    typeof obj.status === "number"
      ? obj.status
      : typeof obj.status === "string" && /^\d{1,3}$/.test(obj.status)
        ? Number(obj.status)
        : undefined;
  let code = fallback;
  if (status !== undefined && status > 0 && status <= 16) {
    code = status as Code;
  } else if (typeof obj.code === "string" && codeNames.has(obj.code)) {
    code = codeNames.get(obj.code) ?? fallback;
  } else if (status !== undefined && status >= 100 && status <= 599) {
    code = codeFromExceptionCode(metadata.get(headerExceptionCode), status) ?? codeFromHttpStatus(status);
  }
  const message = typeof obj.message === "string" ? obj.message : `HTTP ${httpStatus}`;
  return new ConnectError(message, code, metadata);
}

/** The gRPC code of Dubbo's `tri-exception-code`, or undefined when absent, 0 or not a code. */
function codeFromExceptionCode(value: string | null, httpStatus: number): Code | undefined {
  if (value === null || !/^\d{1,2}$/.test(value)) return undefined;
  const n = Number(value);
  if (n === 3 && httpStatus >= 500) return Code.Unknown; // Dubbo's BIZ_EXCEPTION: the service threw
  return n > 0 && n <= 16 ? (n as Code) : undefined;
}

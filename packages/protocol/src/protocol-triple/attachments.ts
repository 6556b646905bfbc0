import { isProtocolHeader } from "../protocol-grpc/headers.js";
import { decodeMessage, encodeMessage } from "../protocol-grpc/trailer-status.js";
import {
  headerAccept,
  headerAcceptEncoding,
  headerCacheControl,
  headerConsumerAppName,
  headerContentEncoding,
  headerExceptionCode,
  headerHeaderConvert,
  headerProtocolVersion,
  headerServiceGroup,
  headerServiceTimeout,
  headerServiceVersion,
  headerTripleProtocolVersion,
  headerTripleTimeoutMs,
} from "./headers.js";

/** A Dubbo attachment's value: text (numbers and booleans are sent as their text) or bytes. */
export type AttachmentValue = string | number | boolean | Uint8Array;

/** The suffix of a binary metadata name, whose value is base64 (gRPC's and Dubbo 3.3's convention). */
const binSuffix = "-bin";

const tripleHeaders = new Set([
  headerServiceVersion,
  headerServiceGroup,
  headerServiceTimeout,
  headerTripleTimeoutMs,
  headerProtocolVersion,
  headerTripleProtocolVersion,
  headerConsumerAppName,
  headerExceptionCode,
  headerHeaderConvert,
  headerContentEncoding,
  headerAcceptEncoding,
  headerAccept,
  headerCacheControl,
  "host",
  "user-agent",
  "transfer-encoding",
  "keep-alive",
  "date",
]);

/** True for names that are the protocol's own (Triple, gRPC, HTTP), never an attachment. */
export function isReservedHeader(name: string): boolean {
  return isProtocolHeader(name) || tripleHeaders.has(name) || name.startsWith("trailer-");
}

/**
 * Writes Dubbo attachments into request or response metadata as Dubbo 3.3 does (`StreamUtils.convertAttachment`):
 * each name lower-cased (HTTP/2 allows no upper case), text values as they are, bytes base64 under the name plus
 * `-bin`; names of the protocol's own headers are skipped. When `convertNames` (default true) and some name had
 * upper-case letters, `tri-header-convert` carries the map back to the original spelling (percent-encoded JSON,
 * `{"userid":"userId"}`), so a Dubbo peer restores them.
 */
export function attachmentsToHeaders(
  attachments: Readonly<Record<string, AttachmentValue>>,
  into: Headers,
  convertNames = true,
): Headers {
  const renamed: Record<string, string> = {};
  let anyRenamed = false;
  for (const [name, value] of Object.entries(attachments)) {
    const lower = name.toLowerCase();
    if (isReservedHeader(lower)) continue;
    if (value instanceof Uint8Array) {
      into.set(lower.endsWith(binSuffix) ? lower : lower + binSuffix, Buffer.from(value).toString("base64"));
    } else {
      into.set(lower, String(value));
    }
    if (convertNames && lower !== name) {
      renamed[lower] = name;
      anyRenamed = true;
    }
  }
  if (anyRenamed) into.set(headerHeaderConvert, encodeMessage(JSON.stringify(renamed)));
  return into;
}

/**
 * Reads the attachments of request or response metadata, as Dubbo 3.3 does (`headersToMap`): every header that is
 * not the protocol's own; a `-bin` header's value decoded from base64 to bytes under the name without the suffix;
 * names restored to their original spelling through `tri-header-convert` when present (a malformed map is ignored).
 */
export function attachmentsFromHeaders(headers: Headers): Record<string, string | Uint8Array> {
  let original: Record<string, unknown> = {};
  const convert = headers.get(headerHeaderConvert);
  if (convert !== null) {
    try {
      const parsed: unknown = JSON.parse(decodeMessage(convert));
      if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) {
        original = parsed as Record<string, unknown>;
      }
    } catch {
      // Not a map: the names stay lower case.
    }
  }
  const out: Record<string, string | Uint8Array> = {};
  headers.forEach((value, name) => {
    if (isReservedHeader(name)) return;
    let key = name;
    let v: string | Uint8Array = value;
    if (name.endsWith(binSuffix) && name.length > binSuffix.length) {
      key = name.slice(0, -binSuffix.length);
      v = new Uint8Array(Buffer.from(value, "base64"));
    }
    const restored = original[key];
    out[typeof restored === "string" && restored.toLowerCase() === key ? restored : key] = v;
  });
  return out;
}

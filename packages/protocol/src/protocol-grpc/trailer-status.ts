import type * as http2 from "node:http2";
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  headerMessage,
  headerStatus,
  headerStatusDetailsBin,
  headersFromNode,
  headersToNode,
  nodeHeader,
  statusOk,
} from "./headers.js";

/**
 * Percent-encodes a status message for `grpc-message` (gRPC over HTTP/2: the message's UTF-8 bytes, each byte
 * outside 0x20-0x7E, and `%` itself, as `%XX`). Plain ASCII messages — nearly all — are returned as they are.
 */
export function encodeMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return message;
  let out = "";
  for (const byte of new TextEncoder().encode(message)) {
    out +=
      byte < 0x20 || byte > 0x7e || byte === 0x25
        ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}`
        : String.fromCharCode(byte);
  }
  return out;
}

/**
 * Decodes `grpc-message` leniently, as the gRPC spec requires of clients ("when decoding invalid values,
 * implementations MUST NOT error or throw away the message"): every valid `%XX` is decoded; a broken sequence such as
 * `%zz` or a trailing `%` is kept as sent; if the decoded bytes are not UTF-8, the value is returned as it came.
 */
export function decodeMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && isHex(value.charCodeAt(i + 1)) && isHex(value.charCodeAt(i + 2))) {
      bytes.push(Number.parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x100) {
      bytes.push(c); // node:http2 hands header bytes over as latin1: one char per byte
    } else {
      for (const b of new TextEncoder().encode(value.charAt(i))) bytes.push(b);
    }
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(new Uint8Array(bytes));
  } catch {
    return value;
  }
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

/**
 * Writes a call's status into a node:http2 header object — the trailers, or the one HEADERS frame of a
 * trailers-only response: `grpc-status`, and on an error `grpc-message` (percent-encoded), the error's own metadata
 * (unless it came off the wire from another server) and `grpc-status-details-bin` when it has details.
 */
export function setTrailerStatus(
  out: http2.OutgoingHttpHeaders,
  error: ConnectError | undefined,
): http2.OutgoingHttpHeaders {
  if (error === undefined) {
    out[headerStatus] = statusOk;
    return out;
  }
  if (!error.isWireError) headersToNode(error.metadata, out);
  out[headerStatus] = String(error.code);
  out[headerMessage] = encodeMessage(error.rawMessage);
  if (error.details.length > 0) out[headerStatusDetailsBin] = encodeStatusDetails(error);
  return out;
}

/**
 * Encodes an error as a base64 `google.rpc.Status` (code, message, details as `Any`) for `grpc-status-details-bin`.
 * Written with protobuf's wire writer, so no generated code for google.rpc.Status is needed.
 */
export function encodeStatusDetails(error: ConnectError): string {
  const w = new BinaryWriter();
  w.tag(1, 0).int32(error.code);
  if (error.rawMessage !== "") w.tag(2, 2).string(error.rawMessage);
  for (const d of error.details) {
    let typeName: string;
    let value: Uint8Array;
    if ("desc" in d) {
      const desc = d.desc as DescMessage;
      typeName = desc.typeName;
      value = toBinary(desc, create(desc, d.value as never));
    } else {
      typeName = d.type;
      value = d.value;
    }
    const any = new BinaryWriter().tag(1, 2).string(`type.googleapis.com/${typeName}`).tag(2, 2).bytes(value).finish();
    w.tag(3, 2).bytes(any);
  }
  // Unpadded base64, as gRPC's binary headers are sent; readers accept either.
  return Buffer.from(w.finish()).toString("base64").replace(/=+$/, "");
}

/** A google.rpc.Status read from `grpc-status-details-bin`. */
interface DecodedStatus {
  code: number;
  message: string;
  details: { type: string; value: Uint8Array }[];
}

function decodeStatusDetails(value: string): DecodedStatus | undefined {
  try {
    const r = new BinaryReader(Buffer.from(value, "base64"));
    const status: DecodedStatus = { code: 0, message: "", details: [] };
    while (r.pos < r.len) {
      const [field, wireType] = r.tag();
      if (field === 1 && wireType === 0) status.code = r.int32();
      else if (field === 2 && wireType === 2) status.message = r.string();
      else if (field === 3 && wireType === 2) {
        const a = new BinaryReader(r.bytes());
        let typeUrl = "";
        let bytes: Uint8Array = new Uint8Array(0);
        while (a.pos < a.len) {
          const [f, t] = a.tag();
          if (f === 1 && t === 2) typeUrl = a.string();
          else if (f === 2 && t === 2) bytes = a.bytes();
          else a.skip(t);
        }
        status.details.push({ type: typeUrl.slice(typeUrl.lastIndexOf("/") + 1), value: bytes });
      } else r.skip(wireType);
    }
    return status;
  } catch {
    return undefined;
  }
}

/**
 * Reads the status of a call from its trailers (or the headers of a trailers-only response), on the client side:
 * undefined for `grpc-status: 0` or no status at all (see `validateTrailer`), otherwise the error — code and
 * leniently decoded message, the details of `grpc-status-details-bin`, all of the trailers as metadata. A
 * `grpc-status` that is not a number is INTERNAL; a number outside gRPC's codes is UNKNOWN.
 */
export function readTrailerStatus(trailers: http2.IncomingHttpHeaders): ConnectError | undefined {
  const status = nodeHeader(trailers, headerStatus);
  if (status === undefined || status === statusOk) return undefined;
  const metadata = headersFromNode(trailers);
  let error: ConnectError;
  if (!/^\d+$/.test(status)) {
    error = new ConnectError(`protocol error: invalid grpc-status "${status}"`, Code.Internal, metadata);
  } else {
    const n = Number(status);
    const code = n >= 1 && n <= 16 ? (n as Code) : Code.Unknown;
    error = new ConnectError(decodeMessage(nodeHeader(trailers, headerMessage) ?? ""), code, metadata);
    const bin = nodeHeader(trailers, headerStatusDetailsBin);
    const decoded = bin === undefined ? undefined : decodeStatusDetails(bin);
    if (decoded && decoded.code === n) error.details = decoded.details;
  }
  error.isWireError = true;
  return error;
}

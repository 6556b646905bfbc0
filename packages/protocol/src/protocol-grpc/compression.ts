import * as zlib from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import { messageTooLarge } from "./envelope.js";

/** The message encodings this implementation speaks, in `grpc-encoding`'s names. */
export type GrpcEncoding = "identity" | "gzip";

/** What `grpc-accept-encoding` says on every response: the encodings this side decompresses. */
export const acceptEncodingValue = "gzip,identity";

/**
 * Reads a request's `grpc-encoding`: `identity` when absent, `gzip` or `identity` (any case) as sent. An encoding
 * this side does not have is UNIMPLEMENTED, as the gRPC compression spec says; the answer must then carry
 * `grpc-accept-encoding: gzip,identity` (`acceptEncodingValue`) so the client can choose again.
 */
export function parseEncoding(value: string | undefined): GrpcEncoding | ConnectError {
  if (value === undefined || value === "identity") return "identity";
  if (value === "gzip") return "gzip";
  const lower = value.trim().toLowerCase();
  if (lower === "identity" || lower === "") return "identity";
  if (lower === "gzip") return "gzip";
  return new ConnectError(
    `unsupported grpc-encoding "${value}": this server accepts ${acceptEncodingValue}`,
    Code.Unimplemented,
  );
}

/**
 * Reads a response's `grpc-encoding` on the client side: `identity` when absent, `gzip` or `identity` (any case).
 * Any other encoding is INTERNAL — the client offered only `acceptEncodingValue`, so the server broke the protocol.
 */
export function parseResponseEncoding(value: string | undefined): GrpcEncoding | ConnectError {
  const parsed = parseEncoding(value);
  if (!(parsed instanceof ConnectError)) return parsed;
  return new ConnectError(
    `protocol error: response grpc-encoding "${value}" was not offered (${acceptEncodingValue})`,
    Code.Internal,
  );
}

/**
 * The encoding a response uses: gzip when the request came gzip-compressed and the client accepts gzip (as grpc-go
 * answers in the request's encoding), identity otherwise.
 */
export function responseEncoding(request: GrpcEncoding, acceptEncoding: string | undefined): GrpcEncoding {
  if (request !== "gzip" || acceptEncoding === undefined) return "identity";
  return /(?:^|,)\s*gzip\s*(?:,|$)/i.test(acceptEncoding) ? "gzip" : "identity";
}

/**
 * Inflates a message that came with the compressed flag, stopping at `readMaxBytes` of output (node:zlib's
 * `maxOutputLength`, so a small bomb never inflates in memory): past it RESOURCE_EXHAUSTED naming the limit; bytes
 * that are not gzip INTERNAL ("decompression failed"), as gRPC's status-code table says for a supported algorithm.
 * A compressed message with encoding identity is INTERNAL (there is no codec to decompress it with).
 */
export function decompress(encoding: GrpcEncoding, data: Uint8Array, readMaxBytes: number): Promise<Uint8Array> {
  if (encoding === "identity") {
    return Promise.reject(
      new ConnectError("protocol error: received compressed envelope, but no grpc-encoding", Code.Internal),
    );
  }
  return new Promise((resolve, reject) => {
    // maxOutputLength must be at least 1; a limit of 0 still rejects any output past it below.
    zlib.gunzip(data, { maxOutputLength: Math.max(1, readMaxBytes) }, (err, out) => {
      if (err) {
        if ((err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") {
          reject(messageTooLarge(undefined, readMaxBytes, true));
        } else {
          reject(new ConnectError(`decompression failed: ${err.message}`, Code.Internal));
        }
        return;
      }
      if (out.length > readMaxBytes) reject(messageTooLarge(out.length, readMaxBytes, true));
      else resolve(out);
    });
  });
}

/** Compresses a message for sending with `grpc-encoding: gzip`. */
export function compress(data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    zlib.gzip(data, (err, out) =>
      err ? reject(new ConnectError(`compression failed: ${err.message}`)) : resolve(out),
    );
  });
}

import * as zlib from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import type { Compression } from "@connectrpc/connect/protocol";

/**
 * gzip for the bodies of Triple HTTP calls (`content-encoding` / `accept-encoding`) and of connect's gRPC-web and
 * Connect protocols: node:zlib, the inflated size capped at `readMaxBytes` (zlib's `maxOutputLength`, so a small bomb
 * never inflates in memory). Past the cap is RESOURCE_EXHAUSTED naming it; bytes that are not gzip are
 * INVALID_ARGUMENT "decompression failed" (connect-node's codes and words, which its clients expect); an empty body
 * is an empty message.
 */
export const compressionGzip: Compression = {
  name: "gzip",
  compress(bytes) {
    return new Promise((resolve, reject) => {
      zlib.gzip(bytes, (err, out) =>
        err ? reject(new ConnectError("compression failed", Code.Internal, undefined, undefined, err)) : resolve(out),
      );
    });
  },
  decompress(bytes, readMaxBytes) {
    if (bytes.length === 0) return Promise.resolve(new Uint8Array(0));
    return new Promise((resolve, reject) => {
      zlib.gunzip(bytes, { maxOutputLength: Math.max(1, readMaxBytes) }, (err, out) => {
        if (!err) {
          if (out.length > readMaxBytes) reject(tooLarge(readMaxBytes));
          else resolve(out);
          return;
        }
        const code = (err as NodeJS.ErrnoException).code ?? "";
        if (code === "ERR_BUFFER_TOO_LARGE") {
          reject(tooLarge(readMaxBytes, err));
          return;
        }
        const invalid = code === "Z_DATA_ERROR" || code === "ERR_PADDING_2" || code.startsWith("ERR__ERROR_FORMAT_");
        reject(
          new ConnectError(
            "decompression failed",
            invalid ? Code.InvalidArgument : Code.Internal,
            undefined,
            undefined,
            err,
          ),
        );
      });
    });
  },
};

function tooLarge(readMaxBytes: number, cause?: unknown): ConnectError {
  return new ConnectError(
    `message is larger than configured readMaxBytes ${readMaxBytes} after decompression`,
    Code.ResourceExhausted,
    undefined,
    undefined,
    cause,
  );
}

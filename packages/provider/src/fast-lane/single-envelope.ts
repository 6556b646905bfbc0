import { Code, ConnectError } from "@connectrpc/connect";

/** The kinds of call whose request is exactly one message, as connect names them in its errors. */
export type SingleRequestKind = "unary" | "server-streaming";

/**
 * Reads the one length-prefixed message of a unary or server-streaming gRPC request from its DATA chunks, with the
 * checks (and the codes and messages) of connect's general path, so both lanes answer bad input alike: a compressed
 * flag is INTERNAL (no grpc-encoding to decompress with), a prefix over the limit RESOURCE_EXHAUSTED, a cut-off
 * message INVALID_ARGUMENT, a missing or second message UNIMPLEMENTED (connect's codes; the gRPC spec names none).
 */
export function readSingleEnvelope(
  chunks: Buffer[],
  total: number,
  readMaxBytes: number,
  kind: SingleRequestKind,
): Uint8Array {
  const buf = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
  if (buf.length === 0) {
    throw new ConnectError(`protocol error: missing input message for ${kind} method`, Code.Unimplemented);
  }
  if (buf.length < 5) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  const flags = buf[0] ?? 0;
  const length = buf.readUInt32BE(1);
  if (length > readMaxBytes) {
    throw new ConnectError(
      `message size ${length} is larger than configured readMaxBytes ${readMaxBytes}`,
      Code.ResourceExhausted,
    );
  }
  if ((flags & 0b1) === 0b1) {
    throw new ConnectError("protocol error: received compressed envelope, but no grpc-encoding", Code.Internal);
  }
  if (buf.length < 5 + length) throw new ConnectError("protocol error: incomplete envelope", Code.InvalidArgument);
  if (buf.length > 5 + length) {
    throw new ConnectError(`protocol error: received extra input message for ${kind} method`, Code.Unimplemented);
  }
  return buf.subarray(5);
}

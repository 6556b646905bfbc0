import { expect } from "vitest";
import { GrpcCallError } from "../peers/grpc-js-client.js";

/** Binary metadata the greeter contract echoes: every byte class that base64 and HTTP/2 must carry unharmed. */
export const ECHO_BIN = Buffer.from([0x00, 0x01, 0x7f, 0x80, 0xfe, 0xff]);

/** Awaits a grpc-js call that must fail and returns its error (code, details, metadata). */
export async function rejection(promise: Promise<unknown>): Promise<GrpcCallError> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(GrpcCallError);
  return error as GrpcCallError;
}

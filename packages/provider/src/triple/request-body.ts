import { type ConnectError, grpc, headerContentLength } from "@dubbo-mesh/protocol";
import type { NodeRequest } from "../node-types.js";

/** Where a request body goes: all of it once it has arrived, or the error that stopped reading it. */
export interface BodySink {
  body(bytes: Uint8Array): void;
  error(error: ConnectError): void;
}

/**
 * Reads the whole body of a Triple HTTP request (node:http or node:http2's compatibility request), at most
 * `readMaxBytes`: a `content-length` above it is RESOURCE_EXHAUSTED before anything is read, and so is a body that
 * grows past it (nothing more is kept). Returns the function that stops reading (the call ended first). A client
 * that goes away mid-body is not this reader's to report: the call ends by its response's close.
 */
export function readRequestBody(req: NodeRequest, readMaxBytes: number, sink: BodySink): () => void {
  const declared = req.headers[headerContentLength];
  if (declared !== undefined) {
    const length = Number(declared);
    if (length > readMaxBytes) {
      sink.error(grpc.messageTooLarge(length, readMaxBytes));
      return stopNothing;
    }
  }
  let first: Buffer | undefined;
  let chunks: Buffer[] | undefined;
  let size = 0;
  const onData = (chunk: Buffer) => {
    size += chunk.length;
    if (size > readMaxBytes) {
      stop();
      sink.error(grpc.messageTooLarge(size, readMaxBytes));
      return;
    }
    if (first === undefined) first = chunk;
    else if (chunks === undefined) chunks = [first, chunk];
    else chunks.push(chunk);
  };
  // At the end, nothing more comes: the listeners can stay (the request is done with).
  const onEnd = () => {
    sink.body(chunks ? Buffer.concat(chunks, size) : (first ?? empty));
  };
  const stop = () => {
    req.off("data", onData);
    req.off("end", onEnd);
  };
  req.on("data", onData);
  req.on("end", onEnd);
  return stop;
}

const empty = new Uint8Array(0);

function stopNothing(): void {}

/**
 * gRPC calls on a node:http2 client session, by hand: POST framed messages, read the response's frames and
 * `grpc-status` from the trailers (or from the headers of a trailers-only response). Used by the raw client
 * contestant (which is also the bench's Node load client) and to probe servers before they are loaded.
 */
import { createFrameReader } from "./grpc-frame.mjs";

const BASE_HEADERS = { ":method": "POST", "content-type": "application/grpc", te: "trailers" };

/** Resolves with `{ grpcStatus, grpcMessage, body }` (body: the concatenated response DATA) of one call. */
export function rawCall(session, path, framedBody) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ...BASE_HEADERS, ":path": path });
    const chunks = [];
    let grpcStatus;
    let grpcMessage;
    const readStatus = (headers) => {
      if (headers["grpc-status"] !== undefined) {
        grpcStatus = Number(headers["grpc-status"]);
        grpcMessage = headers["grpc-message"];
      }
    };
    req.on("response", readStatus);
    req.on("trailers", readStatus);
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () =>
      resolve({
        grpcStatus,
        grpcMessage,
        body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
      }),
    );
    req.on("error", reject);
    req.end(framedBody);
  });
}

/**
 * A streaming call: `start(req)` writes (and may end) the request stream once it is open; `onMessage(payload, req)`
 * runs for each response message as it arrives (it may write more requests or end them). Resolves with
 * `{ grpcStatus, grpcMessage }` when the response ends; rejects on a stream error or when a callback throws.
 */
export function rawStreamCall(session, path, { start, onMessage }) {
  return new Promise((resolve, reject) => {
    const req = session.request({ ...BASE_HEADERS, ":path": path });
    let grpcStatus;
    let grpcMessage;
    let failed = false;
    const failWith = (err) => {
      failed = true;
      req.close();
      reject(err);
    };
    const readStatus = (headers) => {
      if (headers["grpc-status"] !== undefined) {
        grpcStatus = Number(headers["grpc-status"]);
        grpcMessage = headers["grpc-message"];
      }
    };
    const reader = createFrameReader((payload) => onMessage(payload, req));
    req.on("response", readStatus);
    req.on("trailers", readStatus);
    req.on("data", (chunk) => {
      if (failed) return;
      try {
        reader.push(chunk);
      } catch (err) {
        failWith(err);
      }
    });
    req.on("end", () => {
      if (!failed) resolve({ grpcStatus, grpcMessage });
    });
    req.on("error", (err) => {
      if (!failed) reject(err);
    });
    try {
      start(req);
    } catch (err) {
      failWith(err);
    }
  });
}

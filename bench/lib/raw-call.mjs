/**
 * One gRPC call on a node:http2 client session, by hand: POST a framed body, collect the response body, read
 * `grpc-status` from the trailers (or from the headers of a trailers-only response). Used by the raw client
 * contestant and to probe servers before they are loaded.
 */

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

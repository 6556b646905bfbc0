/**
 * Benchmark server: a minimal gRPC server on node:http2's stream API — the practical limit of a Node gRPC server.
 * Unary and server streaming read the whole request and decode the one length-prefixed GreetRequest; client streaming
 * counts the requests as they arrive and answers at the end; bidi answers each request as it arrives. Every message
 * is decoded and encoded with @bufbuild/protobuf; replies end with trailers `grpc-status: 0`. No deadlines, metadata,
 * limits or interceptors: nothing else a real framework must do. With the `DUBBO_SSL_SERVER_*` env of the TLS rows
 * it is `http2.createSecureServer` (HTTP/2 by ALPN only).
 */
import http2 from "node:http2";
import { clientStreamGreeting, greeting, streamCount, streamGreeting } from "../lib/greeting.mjs";
import { createFrameReader, decodeRequest, encodeResponse, unframe } from "../lib/grpc-frame.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";
import { serverTlsFromEnv } from "../lib/tls-certs.mjs";

const PREFIX = "/greet.v1.GreeterService/";
const MAX_REQUEST = 4 * 1024 * 1024;
const OK_HEADERS = { ":status": 200, "content-type": "application/grpc" };

function fail(stream, status, message) {
  if (stream.destroyed) return;
  if (stream.headersSent) {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.respond({ ...OK_HEADERS, "grpc-status": String(status), "grpc-message": message }, { endStream: true });
}

function answer(stream, frames) {
  if (stream.destroyed) return;
  stream.respond(OK_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  for (let i = 0; i < frames.length - 1; i++) stream.write(frames[i]);
  stream.end(frames[frames.length - 1]);
}

/** Unary and server streaming: the whole request, one message, then the reply (or n replies). */
function readOne(stream, path) {
  const chunks = [];
  let size = 0;
  stream.on("data", (chunk) => {
    size += chunk.length;
    if (size > MAX_REQUEST) fail(stream, 8, "request too large");
    else chunks.push(chunk);
  });
  stream.on("end", () => {
    if (size > MAX_REQUEST) return;
    let name;
    try {
      const payloads = unframe(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks), 2);
      if (payloads.length !== 1) throw new Error("expected one request message");
      name = decodeRequest(payloads[0]).name;
    } catch (err) {
      fail(stream, 13, String(err));
      return;
    }
    if (path === "Greet") {
      answer(stream, [encodeResponse(greeting(name))]);
      return;
    }
    const n = streamCount(name);
    const frames = new Array(n);
    for (let i = 0; i < n; i++) frames[i] = encodeResponse(streamGreeting(i + 1));
    answer(stream, frames);
  });
}

/** Client streaming: every request decoded as it arrives, one reply with their number at the end. */
function countAll(stream) {
  let count = 0;
  const reader = createFrameReader((payload) => {
    decodeRequest(payload);
    count++;
  });
  stream.on("data", (chunk) => {
    try {
      reader.push(chunk);
    } catch (err) {
      fail(stream, 13, String(err));
    }
  });
  stream.on("end", () => {
    if (reader.pending > 0) fail(stream, 13, "truncated gRPC frame");
    else answer(stream, [encodeResponse(clientStreamGreeting(count))]);
  });
}

/** Bidi: headers at once, one reply per request as it arrives, trailers when the client ends. */
function echoEach(stream) {
  stream.respond(OK_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  const reader = createFrameReader((payload) => stream.write(encodeResponse(greeting(decodeRequest(payload).name))));
  stream.on("data", (chunk) => {
    try {
      reader.push(chunk);
    } catch {
      fail(stream, 13, "bad request");
    }
  });
  stream.on("end", () => stream.end());
}

const tls = serverTlsFromEnv();
const server = tls
  ? http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false })
  : http2.createServer();
server.on("stream", (stream, headers) => {
  stream.on("error", () => {});
  const path = headers[":path"];
  const method = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : "";
  if (method === "Greet" || method === "GreetStream") readOne(stream, method);
  else if (method === "GreetClientStream") countAll(stream);
  else if (method === "GreetBidi") echoEach(stream);
  else {
    stream.resume();
    fail(stream, 12, `unknown method ${path}`);
  }
});
server.listen(requestedPort(), "127.0.0.1", () => announceListening(server.address().port, () => server.close()));

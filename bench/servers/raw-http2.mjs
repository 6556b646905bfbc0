/**
 * Benchmark server: a minimal gRPC server on node:http2's stream API — the practical limit of a Node gRPC server.
 * Reads the whole request, decodes the one length-prefixed GreetRequest with @bufbuild/protobuf, answers headers +
 * framed reply(ies) + trailers `grpc-status: 0`. No deadlines, metadata, limits or interceptors: nothing else a real
 * framework must do.
 */
import http2 from "node:http2";
import { greeting, streamCount, streamGreeting } from "../lib/greeting.mjs";
import { decodeRequest, encodeResponse, unframe } from "../lib/grpc-frame.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";

const GREET = "/greet.v1.GreeterService/Greet";
const GREET_STREAM = "/greet.v1.GreeterService/GreetStream";
const MAX_REQUEST = 4 * 1024 * 1024;

function fail(stream, status, message) {
  if (stream.destroyed) return;
  stream.respond(
    { ":status": 200, "content-type": "application/grpc", "grpc-status": String(status), "grpc-message": message },
    { endStream: true },
  );
}

function answer(stream, frames) {
  if (stream.destroyed) return;
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  for (let i = 0; i < frames.length - 1; i++) stream.write(frames[i]);
  stream.end(frames[frames.length - 1]);
}

const server = http2.createServer();
server.on("stream", (stream, headers) => {
  const path = headers[":path"];
  if (path !== GREET && path !== GREET_STREAM) {
    stream.resume();
    fail(stream, 12, `unknown method ${path}`);
    return;
  }
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
    if (path === GREET) {
      answer(stream, [encodeResponse(greeting(name))]);
      return;
    }
    const n = streamCount(name);
    const frames = new Array(n);
    for (let i = 0; i < n; i++) frames[i] = encodeResponse(streamGreeting(i + 1));
    answer(stream, frames);
  });
  stream.on("error", () => {});
});
server.listen(requestedPort(), "127.0.0.1", () => announceListening(server.address().port, () => server.close()));

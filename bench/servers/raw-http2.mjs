/**
 * Benchmark server: a minimal gRPC server on node:http2's stream API — the practical limit of a Node gRPC server.
 * Unary and server streaming read the whole request and decode the one length-prefixed GreetRequest; client streaming
 * counts the requests as they arrive and answers at the end; bidi answers each request as it arrives. Every message
 * is decoded and encoded with @bufbuild/protobuf; replies end with trailers `grpc-status: 0`. No deadlines, metadata,
 * limits or interceptors: nothing else a real framework must do. With the `DUBBO_SSL_SERVER_*` env of the TLS rows
 * it is `http2.createSecureServer` (HTTP/2 by ALPN only).
 *
 * With TRACING=sdk (issue 13's floor of the tracing cost) the OpenTelemetry SDK is registered as for the provider's
 * cost row (lib/otel-sdk.mjs) and every call is one SERVER span and nothing more — the least any tracing can do: the
 * provider's attributes given at startSpan (made once per connection), `rpc.grpc.status_code` set and the span ended
 * as the answer goes out; no context extracted, nothing run in the span. With TRACING=sdk-context it does what
 * issue 13 asks of a provider's tracing on top of that, and nothing else: the request's W3C context extracted as the
 * span's parent, and the span current (OpenTelemetry's `context.with`) while the call's answer is made — where a
 * handler's consumer calls and log lines would join the trace. The "listening" line says `unsupported` when no SDK
 * is installed.
 */
import http2 from "node:http2";
import { clientStreamGreeting, greeting, streamCount, streamGreeting } from "../lib/greeting.mjs";
import { createFrameReader, decodeRequest, encodeResponse, unframe } from "../lib/grpc-frame.mjs";
import { registerOtelSdk } from "../lib/otel-sdk.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";
import { serverTlsFromEnv } from "../lib/tls-certs.mjs";

const PREFIX = "/greet.v1.GreeterService/";
const MAX_REQUEST = 4 * 1024 * 1024;
const OK_HEADERS = { ":status": 200, "content-type": "application/grpc" };

const tracingMode = process.env.TRACING ?? "off";
const sdk = tracingMode === "sdk" || tracingMode === "sdk-context" ? await registerOtelSdk() : undefined;
const withContext = tracingMode === "sdk-context";
const api = sdk && !sdk.unsupported ? await import("@opentelemetry/api") : undefined;
const tracer = api?.trace.getTracer("bench-raw-http2");
/** startSpan options per connection and method, as a provider that makes them once would pass them. */
const spanOptions = new WeakMap();

/**
 * Starts the call's span (TRACING=sdk or sdk-context; under sdk-context a child of the request's W3C context, with the
 * context that has it current) and keeps both on the stream until `endSpan`.
 */
function startSpan(stream, method, headers) {
  let byMethod = spanOptions.get(stream.session);
  if (byMethod === undefined) {
    byMethod = new Map();
    spanOptions.set(stream.session, byMethod);
  }
  let options = byMethod.get(method);
  if (options === undefined) {
    const socket = stream.session.socket;
    const attributes = {
      "rpc.system": "grpc",
      "rpc.service": "greet.v1.GreeterService",
      "rpc.method": method,
      "server.address": socket.localAddress,
      "server.port": socket.localPort,
      "network.peer.address": socket.remoteAddress,
      "network.peer.port": socket.remotePort,
    };
    options = { kind: api.SpanKind.SERVER, attributes };
    byMethod.set(method, options);
  }
  if (!withContext) {
    stream.span = tracer.startSpan(`greet.v1.GreeterService/${method}`, options);
    return;
  }
  const parent = api.propagation.extract(api.context.active(), headers);
  stream.span = tracer.startSpan(`greet.v1.GreeterService/${method}`, options, parent);
  stream.spanContext = api.trace.setSpan(parent, stream.span);
}

/**
 * Calls `fn(stream, a, b, c)` with the call's span current under TRACING=sdk-context, as a provider runs its handler;
 * directly otherwise (no closure made per call, so the untraced rows do exactly what they did).
 */
function inSpan(fn, stream, a, b, c) {
  const ctx = stream.spanContext;
  if (ctx === undefined) return fn(stream, a, b, c);
  return api.context.with(ctx, fn, undefined, stream, a, b, c);
}

function endSpan(stream, status) {
  const span = stream.span;
  if (span === undefined) return;
  stream.span = undefined;
  stream.spanContext = undefined;
  span.setAttribute("rpc.grpc.status_code", status);
  span.end();
}

function fail(stream, status, message) {
  endSpan(stream, status);
  if (stream.destroyed) return;
  if (stream.headersSent) {
    stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
    return;
  }
  stream.respond({ ...OK_HEADERS, "grpc-status": String(status), "grpc-message": message }, { endStream: true });
}

function answer(stream, frames) {
  endSpan(stream, 0);
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
  stream.on("end", () => inSpan(answerOne, stream, path, chunks, size));
}

/** The answer of unary and server streaming, once the request is read. */
function answerOne(stream, path, chunks, size) {
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
}

/** The answer of client streaming, once every request is read. */
function answerCount(stream, reader, count) {
  if (reader.pending > 0) fail(stream, 13, "truncated gRPC frame");
  else answer(stream, [encodeResponse(clientStreamGreeting(count))]);
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
  stream.on("end", () => inSpan(answerCount, stream, reader, count));
}

/** Bidi's answer to one request. */
function echoOne(stream, payload) {
  stream.write(encodeResponse(greeting(decodeRequest(payload).name)));
}

/** Bidi: headers at once, one reply per request as it arrives, trailers when the client ends. */
function echoEach(stream) {
  stream.respond(OK_HEADERS, { waitForTrailers: true });
  stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  const reader = createFrameReader((payload) => inSpan(echoOne, stream, payload));
  stream.on("data", (chunk) => {
    try {
      reader.push(chunk);
    } catch {
      fail(stream, 13, "bad request");
    }
  });
  stream.on("end", () => {
    endSpan(stream, 0);
    stream.end();
  });
}

const tls = serverTlsFromEnv();
const server = tls
  ? http2.createSecureServer({ key: tls.key, cert: tls.cert, allowHTTP1: false })
  : http2.createServer();
server.on("stream", (stream, headers) => {
  stream.on("error", () => {});
  const path = headers[":path"];
  const method = path.startsWith(PREFIX) ? path.slice(PREFIX.length) : "";
  if (tracer) startSpan(stream, method, headers);
  if (method === "Greet" || method === "GreetStream") readOne(stream, method);
  else if (method === "GreetClientStream") countAll(stream);
  else if (method === "GreetBidi") echoEach(stream);
  else {
    stream.resume();
    fail(stream, 12, `unknown method ${path}`);
  }
});
server.listen(requestedPort(), "127.0.0.1", () =>
  announceListening(
    server.address().port,
    () => server.close(),
    sdk?.unsupported ? { unsupported: sdk.unsupported } : {},
  ),
);

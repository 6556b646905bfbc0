/**
 * Correctness probe of a benchmark server: h2load counts any HTTP 200 as success, and a gRPC error is an HTTP 200 too,
 * so before (and after) loading a server the runner makes real calls and checks the replies and `grpc-status: 0`.
 */
import http2 from "node:http2";
import { bidiName, clientStreamGreeting, greeting, streamGreeting } from "./greeting.mjs";
import { decodeResponse, decodeResponses, encodeRequest } from "./grpc-frame.mjs";
import { rawCall, rawStreamCall } from "./raw-call.mjs";

const PROBE_MESSAGES = 20;

function connect(url, ca) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, ca ? { ca } : {});
    session.once("connect", () => resolve(session));
    session.on("error", reject); // also later: an error after connecting fails the call in progress, not the runner
  });
}

function expectOk(method, res) {
  if (res.grpcStatus !== 0) throw new Error(`${method}: grpc-status ${res.grpcStatus} ${res.grpcMessage ?? ""}`);
}

function expectReply(method, actual, expected) {
  if (actual !== expected) throw new Error(`${method}: reply ${JSON.stringify(actual)}, expected ${expected}`);
}

/** GreetClientStream with PROBE_MESSAGES requests: one reply with their number. */
async function probeClientStream(session) {
  const replies = [];
  const res = await rawStreamCall(session, "/greet.v1.GreeterService/GreetClientStream", {
    start: (req) => {
      for (let i = 0; i < PROBE_MESSAGES; i++) req.write(encodeRequest("world"));
      req.end();
    },
    onMessage: (payload) => replies.push(decodeResponse(payload).greeting),
  });
  expectOk("GreetClientStream", res);
  if (replies.length !== 1) throw new Error(`GreetClientStream: ${replies.length} replies`);
  expectReply("GreetClientStream", replies[0], clientStreamGreeting(PROBE_MESSAGES));
}

/** GreetBidi ping-pong of PROBE_MESSAGES: each reply before the next request. */
async function probeBidi(session) {
  let i = 1;
  const res = await rawStreamCall(session, "/greet.v1.GreeterService/GreetBidi", {
    start: (req) => req.write(encodeRequest(bidiName(1))),
    onMessage: (payload, req) => {
      expectReply("GreetBidi", decodeResponse(payload).greeting, greeting(bidiName(i)));
      if (i < PROBE_MESSAGES) req.write(encodeRequest(bidiName(++i)));
      else req.end();
    },
  });
  expectOk("GreetBidi", res);
  if (i !== PROBE_MESSAGES) throw new Error(`GreetBidi: ${i} replies, expected ${PROBE_MESSAGES}`);
}

/**
 * Throws unless `Greet(name)` answers `hello, <name>`; if streamCount > 0, `GreetStream(stream:<n>)` n replies; and
 * for each of `kinds` ("client-stream", "bidi") a call of that kind answers right. An https:// `url` is verified
 * with the CA certificate `ca` (PEM).
 */
export async function probe(url, { name = "world", streamCount = 0, kinds = [], ca } = {}) {
  const session = await connect(url, ca);
  try {
    const unary = await rawCall(session, "/greet.v1.GreeterService/Greet", encodeRequest(name));
    expectOk("Greet", unary);
    const replies = decodeResponses(unary.body);
    if (replies.length !== 1) throw new Error(`Greet: ${replies.length} replies`);
    expectReply("Greet", replies[0].greeting, greeting(name));
    if (streamCount > 0) {
      const stream = await rawCall(
        session,
        "/greet.v1.GreeterService/GreetStream",
        encodeRequest(`stream:${streamCount}`),
      );
      expectOk("GreetStream", stream);
      const msgs = decodeResponses(stream.body);
      if (msgs.length !== streamCount || msgs.at(-1).greeting !== streamGreeting(streamCount)) {
        throw new Error(`GreetStream: got ${msgs.length} messages, expected ${streamCount}`);
      }
    }
    if (kinds.includes("client-stream")) await probeClientStream(session);
    if (kinds.includes("bidi")) await probeBidi(session);
  } finally {
    session.close();
  }
}

/** Throws unless Triple's HTTP/1.1 JSON unary `Greet(name)` answers 200 `{"greeting":"hello, <name>"}`. */
export async function probeJson(url, { name = "world" } = {}) {
  const res = await fetch(`${url}/greet.v1.GreeterService/Greet`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ name }),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`Greet over HTTP/1.1 JSON: HTTP ${res.status} ${text.slice(0, 200)}`);
  expectReply("Greet over HTTP/1.1 JSON", JSON.parse(text).greeting, greeting(name));
}

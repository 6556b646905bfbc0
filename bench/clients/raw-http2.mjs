/**
 * Client contestant: a minimal gRPC client on node:http2 — one session, per call a request stream with framed
 * GreetRequests (encoded per message, as a real client must), replies decoded with @bufbuild/protobuf as they arrive
 * and `grpc-status` checked — making calls of the kind KIND on the server at env URL. The practical limit of a Node
 * client; it is also the bench's Node load client for the provider's streaming rows (bench/lib/load-client.mjs).
 * With env TLS_CA (the TLS rows; URL is then https://) the session verifies the server with that CA.
 */
import { readFileSync } from "node:fs";
import http2 from "node:http2";
import { expectGreeting, loadConfig, runClientLoop } from "../lib/client-loop.mjs";
import { bidiName, clientStreamGreeting, greeting, streamGreeting } from "../lib/greeting.mjs";
import { decodeResponse, decodeResponses, encodeRequest } from "../lib/grpc-frame.mjs";
import { rawCall, rawStreamCall } from "../lib/raw-call.mjs";

const cfg = loadConfig();
const { messages, name } = cfg;
const session = http2.connect(process.env.URL, process.env.TLS_CA ? { ca: readFileSync(process.env.TLS_CA) } : {});
session.on("error", () => {});
const path = (method) => `/greet.v1.GreeterService/${method}`;

function ok(res) {
  if (res.grpcStatus !== 0) throw new Error(`grpc-status ${res.grpcStatus} ${res.grpcMessage ?? ""}`);
  return res;
}

const calls = {
  async unary() {
    const res = ok(await rawCall(session, path("Greet"), encodeRequest(name)));
    const replies = decodeResponses(res.body);
    if (replies.length !== 1) throw new Error(`${replies.length} replies to a unary call`);
    expectGreeting(replies[0].greeting, greeting(name));
  },
  async "server-stream"(received) {
    let i = 0;
    ok(
      await rawStreamCall(session, path("GreetStream"), {
        start: (req) => req.end(encodeRequest(`stream:${messages}`)),
        onMessage: (payload) => {
          expectGreeting(decodeResponse(payload).greeting, streamGreeting(++i));
          received();
        },
      }),
    );
    if (i !== messages) throw new Error(`got ${i} messages, expected ${messages}`);
  },
  async "client-stream"() {
    let replies = 0;
    ok(
      await rawStreamCall(session, path("GreetClientStream"), {
        start: (req) => {
          for (let i = 0; i < messages; i++) req.write(encodeRequest(name));
          req.end();
        },
        onMessage: (payload) => {
          replies++;
          expectGreeting(decodeResponse(payload).greeting, clientStreamGreeting(messages));
        },
      }),
    );
    if (replies !== 1) throw new Error(`${replies} replies to a client-streaming call`);
  },
  async bidi(received) {
    let i = 1;
    ok(
      await rawStreamCall(session, path("GreetBidi"), {
        start: (req) => req.write(encodeRequest(bidiName(1))),
        onMessage: (payload, req) => {
          expectGreeting(decodeResponse(payload).greeting, greeting(bidiName(i)));
          received();
          if (i < messages) req.write(encodeRequest(bidiName(++i)));
          else req.end();
        },
      }),
    );
    if (i !== messages) throw new Error(`got ${i} replies, expected ${messages}`);
  },
};

await runClientLoop(calls[cfg.kind], () => session.close(), cfg);

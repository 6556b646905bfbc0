/**
 * Correctness probe of a benchmark server: h2load counts any HTTP 200 as success, and a gRPC error is an HTTP 200 too,
 * so before (and after) loading a server the runner makes real calls and checks the replies and `grpc-status: 0`.
 */
import http2 from "node:http2";
import { greeting, streamGreeting } from "./greeting.mjs";
import { decodeResponses, encodeRequest } from "./grpc-frame.mjs";
import { rawCall } from "./raw-call.mjs";

function connect(url) {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url);
    session.once("connect", () => resolve(session));
    session.once("error", reject);
  });
}

/** Throws unless `Greet(name)` answers `hello, <name>` and, if streamCount > 0, `GreetStream(stream:<n>)` n replies. */
export async function probe(url, { name = "world", streamCount = 0 } = {}) {
  const session = await connect(url);
  try {
    const unary = await rawCall(session, "/greet.v1.GreeterService/Greet", encodeRequest(name));
    if (unary.grpcStatus !== 0) throw new Error(`Greet: grpc-status ${unary.grpcStatus} ${unary.grpcMessage ?? ""}`);
    const replies = decodeResponses(unary.body);
    if (replies.length !== 1 || replies[0].greeting !== greeting(name)) throw new Error("Greet: wrong reply");
    if (streamCount > 0) {
      const stream = await rawCall(
        session,
        "/greet.v1.GreeterService/GreetStream",
        encodeRequest(`stream:${streamCount}`),
      );
      if (stream.grpcStatus !== 0) throw new Error(`GreetStream: grpc-status ${stream.grpcStatus}`);
      const msgs = decodeResponses(stream.body);
      if (msgs.length !== streamCount || msgs.at(-1).greeting !== streamGreeting(streamCount)) {
        throw new Error(`GreetStream: got ${msgs.length} messages, expected ${streamCount}`);
      }
    }
  } finally {
    session.close();
  }
}

/**
 * Client contestant: a minimal gRPC client on node:http2 — one session, per call a request stream with the framed
 * GreetRequest, reply decoded with @bufbuild/protobuf and `grpc-status` checked. The practical limit of a Node client.
 */
import http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { expectGreeting, runClientLoop } from "../lib/client-loop.mjs";
import { GreetRequestSchema } from "../lib/greet-schema.mjs";
import { greeting } from "../lib/greeting.mjs";
import { decodeResponses, frame } from "../lib/grpc-frame.mjs";
import { rawCall } from "../lib/raw-call.mjs";

const name = process.env.NAME ?? "world";
const expected = greeting(name);
const session = http2.connect(process.env.URL);
session.on("error", () => {});

async function greet() {
  // Encode per call, as a real client must.
  const body = frame(toBinary(GreetRequestSchema, create(GreetRequestSchema, { name })));
  const res = await rawCall(session, "/greet.v1.GreeterService/Greet", body);
  if (res.grpcStatus !== 0) throw new Error(`grpc-status ${res.grpcStatus}`);
  return decodeResponses(res.body)[0];
}

await runClientLoop(
  async () => expectGreeting((await greet()).greeting, expected),
  () => session.close(),
);

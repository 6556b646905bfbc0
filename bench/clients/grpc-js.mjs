/**
 * Client contestant: @grpc/grpc-js — a generic `grpc.Client` with `makeUnaryRequest` and serialize/deserialize over
 * @bufbuild/protobuf (same codec as everyone) — calling unary Greet on the server at env URL (one HTTP/2 connection).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { expectGreeting, runClientLoop } from "../lib/client-loop.mjs";
import { GreetRequestSchema, GreetResponseSchema } from "../lib/greet-schema.mjs";
import { greeting } from "../lib/greeting.mjs";

const name = process.env.NAME ?? "world";
const expected = greeting(name);
const client = new grpc.Client(new URL(process.env.URL).host, grpc.credentials.createInsecure());
const serialize = (msg) => {
  const bytes = toBinary(GreetRequestSchema, create(GreetRequestSchema, msg));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
const deserialize = (buf) => fromBinary(GreetResponseSchema, buf);

const greet = (req) =>
  new Promise((resolve, reject) => {
    client.makeUnaryRequest("/greet.v1.GreeterService/Greet", serialize, deserialize, req, (err, res) =>
      err ? reject(err) : resolve(res),
    );
  });

await runClientLoop(
  async () => expectGreeting((await greet({ name })).greeting, expected),
  () => client.close(),
);

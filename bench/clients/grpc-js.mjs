/**
 * Client contestant: @grpc/grpc-js — a generic `grpc.Client` (`makeUnaryRequest`, `makeServerStreamRequest`,
 * `makeClientStreamRequest`, `makeBidiStreamRequest`) with serialize/deserialize over @bufbuild/protobuf (same codec
 * as everyone) — making calls of the kind KIND on the server at env URL (one HTTP/2 connection). With env TLS_CA
 * (the TLS rows) over `credentials.createSsl(ca)`.
 */
import { readFileSync } from "node:fs";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { expectGreeting, loadConfig, runClientLoop } from "../lib/client-loop.mjs";
import { GreetRequestSchema, GreetResponseSchema } from "../lib/greet-schema.mjs";
import { bidiName, clientStreamGreeting, greeting, streamGreeting } from "../lib/greeting.mjs";

const cfg = loadConfig();
const { messages, name } = cfg;
const credentials = process.env.TLS_CA
  ? grpc.credentials.createSsl(readFileSync(process.env.TLS_CA))
  : grpc.credentials.createInsecure();
const client = new grpc.Client(new URL(process.env.URL).host, credentials);
const serialize = (msg) => {
  const bytes = toBinary(GreetRequestSchema, create(GreetRequestSchema, msg));
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
const deserialize = (buf) => fromBinary(GreetResponseSchema, buf);
const path = (method) => `/greet.v1.GreeterService/${method}`;

/** Settles when a streaming call's status arrives: resolves on OK, rejects otherwise. */
function settle(call, resolve, reject, check = () => {}) {
  call.on("error", reject);
  call.on("status", (status) => {
    if (status.code !== grpc.status.OK) return reject(new Error(`grpc status ${status.code} ${status.details}`));
    try {
      check();
      resolve();
    } catch (err) {
      reject(err);
    }
  });
}

const calls = {
  unary: () =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(path("Greet"), serialize, deserialize, { name }, (err, res) => {
        if (err) return reject(err);
        try {
          expectGreeting(res.greeting, greeting(name));
          resolve();
        } catch (e) {
          reject(e);
        }
      });
    }),
  "server-stream": (received) =>
    new Promise((resolve, reject) => {
      const call = client.makeServerStreamRequest(path("GreetStream"), serialize, deserialize, {
        name: `stream:${messages}`,
      });
      let i = 0;
      call.on("data", (res) => {
        try {
          expectGreeting(res.greeting, streamGreeting(++i));
          received();
        } catch (err) {
          call.cancel();
          reject(err);
        }
      });
      settle(call, resolve, reject, () => {
        if (i !== messages) throw new Error(`got ${i} messages, expected ${messages}`);
      });
    }),
  "client-stream": () =>
    new Promise((resolve, reject) => {
      const call = client.makeClientStreamRequest(path("GreetClientStream"), serialize, deserialize, (err, res) => {
        if (err) return reject(err);
        try {
          expectGreeting(res.greeting, clientStreamGreeting(messages));
          resolve();
        } catch (e) {
          reject(e);
        }
      });
      const request = { name };
      for (let i = 0; i < messages; i++) call.write(request);
      call.end();
    }),
  bidi: (received) =>
    new Promise((resolve, reject) => {
      const call = client.makeBidiStreamRequest(path("GreetBidi"), serialize, deserialize);
      let i = 1;
      call.on("data", (res) => {
        try {
          expectGreeting(res.greeting, greeting(bidiName(i)));
        } catch (err) {
          call.cancel();
          reject(err);
          return;
        }
        received();
        if (i < messages) call.write({ name: bidiName(++i) });
        else call.end();
      });
      settle(call, resolve, reject, () => {
        if (i !== messages) throw new Error(`got ${i} replies, expected ${messages}`);
      });
      call.write({ name: bidiName(1) });
    }),
};

await runClientLoop(calls[cfg.kind], () => client.close(), cfg);

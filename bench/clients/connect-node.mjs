/**
 * Client contestant: plain @connectrpc/connect-node — `createClient(GreeterService, createGrpcTransport({ baseUrl,
 * httpVersion: "2" }))` — calling unary Greet on the server at env URL (one HTTP/2 connection).
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { expectGreeting, runClientLoop } from "../lib/client-loop.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";
import { greeting } from "../lib/greeting.mjs";

const name = process.env.NAME ?? "world";
const expected = greeting(name);
const client = createClient(GreeterService, createGrpcTransport({ baseUrl: process.env.URL, httpVersion: "2" }));

await runClientLoop(async () => expectGreeting((await client.greet({ name })).greeting, expected));

/**
 * Client contestant: plain @connectrpc/connect-node — `createClient(GreeterService, createGrpcTransport({ baseUrl,
 * httpVersion: "2" }))` — making calls of the kind KIND on the server at env URL (one HTTP/2 connection).
 */
import { createClient } from "@connectrpc/connect";
import { createGrpcTransport } from "@connectrpc/connect-node";
import { loadConfig, runClientLoop } from "../lib/client-loop.mjs";
import { connectCall } from "../lib/connect-calls.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";

const client = createClient(GreeterService, createGrpcTransport({ baseUrl: process.env.URL, httpVersion: "2" }));

await runClientLoop(connectCall(client, loadConfig()));

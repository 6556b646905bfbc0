/**
 * The workloads of the table.
 *
 * Provider rows, each driven by a load generator against every server contestant it names:
 * - `h2load`: unary Greet with a small, a 1 KiB and a 64 KiB name (16 connections x 32 streams, as issue 7
 *   specifies) and server-streaming GreetStream with `stream:<n>` (2 x 4: each call already carries many messages);
 * - `grpc-load`: client streaming and bidi ping-pong, 16 concurrent calls on one connection, 500 messages each (the
 *   shape of issue 11's table) — h2load cannot send a request stream, so the bench's own load client drives these
 *   (grpc-go or the raw node:http2 client, see lib/load-client.mjs);
 * - `h1load`: Triple's HTTP/1.1 JSON unary (`POST /greet.v1.GreeterService/Greet`, `application/json`) with
 *   `h2load --h1`, 64 connections of one request each; the raw column is a node:http JSON server and connect-node
 *   serves its Connect protocol (the same unary JSON exchange) on node:http.
 *
 * Consumer rows: each client contestant in its own process, one connection, against one fast server.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { create, toJsonString } from "@bufbuild/protobuf";
import { CLIENT_CONTESTANTS, SERVER_CONTESTANTS } from "./contestants.mjs";
import { GreetRequestSchema, GreetResponseSchema } from "./greet-schema.mjs";
import { greeting, streamGreeting } from "./greeting.mjs";
import { encodeRequest, encodeResponse } from "./grpc-frame.mjs";

/** Messages per GreetStream call in the h2load server-streaming workload. */
export const STREAM_MESSAGES = 1000;
/** Concurrent calls (on one connection) and messages per call of the streaming workloads of the bench's clients. */
export const STREAM_CALLS = 16;
export const CALL_MESSAGES = 500;

const streamShape = `${STREAM_CALLS} calls x ${CALL_MESSAGES} msgs`;

/** All provider workloads, in run order. */
export const SERVER_WORKLOADS = [
  {
    id: "unary-small",
    label: "unary small (5 B name)",
    driver: "h2load",
    method: "Greet",
    name: "world",
    clients: 16,
    streams: 32,
  },
  {
    id: "unary-1k",
    label: "unary 1 KiB",
    driver: "h2load",
    method: "Greet",
    name: "x".repeat(1024),
    clients: 16,
    streams: 32,
  },
  {
    id: "unary-64k",
    label: "unary 64 KiB",
    driver: "h2load",
    method: "Greet",
    name: "x".repeat(64 * 1024),
    clients: 16,
    streams: 32,
  },
  {
    id: "stream",
    label: `server-streaming (${STREAM_MESSAGES} msgs/call)`,
    driver: "h2load",
    method: "GreetStream",
    name: `stream:${STREAM_MESSAGES}`,
    messages: STREAM_MESSAGES,
    clients: 2,
    streams: 4,
  },
  {
    id: "client-stream",
    label: `client-streaming (${streamShape})`,
    driver: "grpc-load",
    kind: "client-stream",
    calls: STREAM_CALLS,
    messages: CALL_MESSAGES,
  },
  {
    id: "bidi",
    label: `bidi ping-pong (${streamShape})`,
    driver: "grpc-load",
    kind: "bidi",
    calls: STREAM_CALLS,
    messages: CALL_MESSAGES,
  },
  {
    id: "h1-json",
    label: "Triple HTTP/1.1 JSON unary (raw: node:http JSON server)",
    driver: "h1load",
    method: "Greet",
    name: "world",
    clients: 64,
    streams: 1,
    contestants: ["dubbo-mesh", "dubbo-mesh-app", "connect-node", "raw-http2"],
    servers: { "connect-node": "connect-node-h1", "raw-http2": "raw-http1-json" },
  },
].map((w) => ({ contestants: SERVER_CONTESTANTS, ...w }));

/** All consumer workloads, in run order (`client` is the unary row issue 7 named). */
export const CLIENT_WORKLOADS = [
  { id: "client", label: "consumer unary, 64 in flight", kind: "unary", calls: 64, messages: 1 },
  {
    id: "consumer-server-stream",
    label: `consumer server-streaming (${streamShape})`,
    kind: "server-stream",
    calls: STREAM_CALLS,
    messages: CALL_MESSAGES,
  },
  {
    id: "consumer-client-stream",
    label: `consumer client-streaming (${streamShape})`,
    kind: "client-stream",
    calls: STREAM_CALLS,
    messages: CALL_MESSAGES,
  },
  {
    id: "consumer-bidi",
    label: `consumer bidi ping-pong (${streamShape})`,
    kind: "bidi",
    calls: STREAM_CALLS,
    messages: CALL_MESSAGES,
  },
].map((w) => ({ contestants: CLIENT_CONTESTANTS, ...w }));

/** Server contestants of the TLS rows (issue 12): connect-node is left out (its TLS is node:http2's, as raw's). */
export const TLS_CONTESTANTS = ["dubbo-mesh", "dubbo-mesh-app", "grpc-js", "raw-http2"];

/**
 * The TLS rows (issue 12), each a suite of its own (`--only=tls` runs all three): unary small as the cleartext row
 * but over https (h2load, h2 by ALPN); new connections, each making one Greet call (h2load runs of `connections`
 * connections x 1 request, one after another); and the consumer's unary row against the raw node:http2 TLS server.
 */
export const TLS_UNARY = {
  id: "tls-unary-small",
  label: "unary small over TLS",
  driver: "h2load",
  method: "Greet",
  name: "world",
  clients: 16,
  streams: 32,
  contestants: TLS_CONTESTANTS,
};
export const TLS_HANDSHAKE = {
  id: "tls-handshake",
  label: "new TLS connection + 1 call (32 at a time)",
  method: "Greet",
  name: "world",
  connections: 32,
  contestants: TLS_CONTESTANTS,
};
export const TLS_CLIENT = {
  id: "tls-client",
  label: "consumer unary over TLS, 64 in flight",
  kind: "unary",
  calls: 64,
  messages: 1,
  contestants: ["dubbo-mesh", "grpc-js", "raw-http2"],
};
export const TLS_WORKLOADS = [TLS_UNARY, TLS_HANDSHAKE, TLS_CLIENT];

/** The request body of an h2load workload: a framed GreetRequest, or its JSON for HTTP/1.1. */
export function requestBody(workload) {
  if (workload.driver === "h1load")
    return toJsonString(GreetRequestSchema, create(GreetRequestSchema, { name: workload.name }));
  return encodeRequest(workload.name);
}

/** Writes an h2load workload's request body into `dir` and returns its path. */
export function writeRequestFile(dir, workload) {
  const path = join(dir, `${workload.id}.bin`);
  writeFileSync(path, requestBody(workload));
  return path;
}

/** Bytes of response bodies one successful call of an h2load workload must receive at least (replies, not errors). */
export function replyBytes(workload) {
  if (workload.driver === "h1load") {
    return Buffer.byteLength(
      toJsonString(GreetResponseSchema, create(GreetResponseSchema, { greeting: greeting(workload.name) })),
    );
  }
  if (!workload.messages) return encodeResponse(greeting(workload.name)).length;
  return workload.messages * encodeResponse(streamGreeting(1)).length;
}

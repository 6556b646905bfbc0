/**
 * The server workloads driven by h2load: unary Greet with a small, a 1 KiB and a 64 KiB name, and server-streaming
 * GreetStream with `stream:<n>` (n replies per call). Connection shape: 16 connections x 32 streams for unary, as the
 * issue specifies; 2 x 4 for streaming, where each call already carries many messages (more calls in flight would
 * make the calls so long that a few-second window counts only a handful of them).
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { greeting, streamGreeting } from "./greeting.mjs";
import { encodeRequest, encodeResponse } from "./grpc-frame.mjs";

/** Messages per GreetStream call in the streaming workload. */
export const STREAM_MESSAGES = 1000;

/** All server workloads, in run order. */
export const SERVER_WORKLOADS = [
  { id: "unary-small", label: "unary small (5 B name)", method: "Greet", name: "world", clients: 16, streams: 32 },
  { id: "unary-1k", label: "unary 1 KiB", method: "Greet", name: "x".repeat(1024), clients: 16, streams: 32 },
  { id: "unary-64k", label: "unary 64 KiB", method: "Greet", name: "x".repeat(64 * 1024), clients: 16, streams: 32 },
  {
    id: "stream",
    label: `server-streaming (${STREAM_MESSAGES} msgs/call)`,
    method: "GreetStream",
    name: `stream:${STREAM_MESSAGES}`,
    messages: STREAM_MESSAGES,
    clients: 2,
    streams: 4,
  },
];

/** Writes a workload's framed request into `dir` and returns its path. */
export function writeRequestFile(dir, workload) {
  const path = join(dir, `${workload.id}.bin`);
  writeFileSync(path, encodeRequest(workload.name));
  return path;
}

/** Bytes of gRPC frames one successful call of the workload must receive at least (to tell replies from errors). */
export function replyBytes(workload) {
  if (!workload.messages) return encodeResponse(greeting(workload.name)).length;
  return workload.messages * encodeResponse(streamGreeting(1)).length;
}

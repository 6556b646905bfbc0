import { Code, ConnectError } from "@connectrpc/connect";
import { headerRetryAfter } from "@dubbo-mesh/protocol";
import type { Attempt } from "./call.js";
import { HostResolutionError } from "./dns-lookup.js";

/**
 * Whether a failed attempt's request can have reached the provider's handler. "not-delivered" is a fact (nothing was
 * sent, or the provider said it did not process it: the attempt's progress is "not-started" or "refused") and makes
 * any call safe to retry; "maybe-delivered" ("processed") is everything else, safe to retry only for idempotent
 * methods.
 */
export type Delivery = "not-delivered" | "maybe-delivered";

/** A failed attempt: what the caller sees and whether the provider can have seen it. */
export interface ClassifiedFailure {
  delivery: Delivery;
  /** The error to surface, its code corrected where connect's differs from gRPC's meaning (see `classifyFailure`). */
  error: ConnectError;
}

/** Node system-call names of failures to establish a connection: connect(2) itself and getaddrinfo(3). */
const connectSyscalls = new Set(["connect", "getaddrinfo"]);

/**
 * Classifies a failed attempt from its error and its report (how far it got, whether its connection was lost, as the
 * wire layer wrote it).
 *
 * Observed with connect-node 2.2.0 on Node 24 (the error of a unary call; "handler" = reached it?). The consumer's own
 * gRPC transport gives the same codes for connection failures (`errorFromNodeReason`) and gRPC's codes for resets
 * (`grpc.errorFromResetCode`: REFUSED_STREAM is UNAVAILABLE already); connect-node's are what the Triple path gets:
 * | failure                                   | connect-node's error (cause)                  | handler | surfaced    |
 * |-------------------------------------------|-----------------------------------------------|---------|-------------|
 * | nothing listens                           | UNAVAILABLE (ECONNREFUSED, syscall connect)   | no      | as is       |
 * | no route (unreachable, prohibit, ...)     | INTERNAL (EHOSTUNREACH, EACCES, ...; connect) | no      | UNAVAILABLE |
 * | host unknown to the system resolver       | UNAVAILABLE (ENOTFOUND, getaddrinfo)          | no      | as is       |
 * | host unknown to `dns.servers`             | UNAVAILABLE (HostResolutionError)             | no      | as is       |
 * | no endpoint in rotation (ours, fail fast) | UNAVAILABLE (NoEndpointError)                 | no      | as is       |
 * | RST_STREAM(REFUSED_STREAM)                | INTERNAL (ERR_HTTP2_STREAM_ERROR)             | no      | UNAVAILABLE |
 * | GOAWAY(NO_ERROR), last-stream-id < ours   | INTERNAL (same; Node resets REFUSED_STREAM)   | no      | UNAVAILABLE |
 * | GOAWAY(error), last-stream-id < ours      | INTERNAL (ERR_HTTP2_SESSION_ERROR)            | no      | UNAVAILABLE |
 * | GOAWAY(error), last-stream-id >= ours     | INTERNAL (ERR_HTTP2_SESSION_ERROR)            | maybe   | UNAVAILABLE |
 * | connection closed after the request       | CANCELED (none; "... error code CANCEL")      | maybe   | UNAVAILABLE |
 * | same over HTTP/1.1 (Triple)               | ABORTED (ECONNRESET "socket hang up")         | maybe   | UNAVAILABLE |
 * | provider RST: CANCEL                      | CANCELED                                      | maybe   | as is       |
 * | provider RST: INTERNAL, ENHANCE_YOUR_CALM | INTERNAL (ERR_HTTP2_STREAM_ERROR)             | maybe   | as is       |
 * | HTTP 503 without grpc-status              | UNAVAILABLE                                   | maybe   | as is       |
 * | same with Retry-After, Triple HTTP/1.1    | UNAVAILABLE (admission control refused it)    | no      | as is       |
 * | a gRPC status from the provider           | that status                                   | maybe   | as is       |
 * (Rows "no" are retried for any method; "maybe" only for idempotent methods and only when UNAVAILABLE.)
 * A call that is cut off because its connection went away is UNAVAILABLE in gRPC's terms (as grpc-js reports it),
 * so those errors are re-coded; message, metadata and the original error (as `cause`) are kept.
 */
export function classifyFailure(reason: unknown, attempt: Attempt): ClassifiedFailure {
  const error = ConnectError.from(reason);
  if (attempt.progress !== "processed") {
    return { delivery: "not-delivered", error: asUnavailable(error) };
  }
  if (attempt.connectionLost || inChain(error, isReset)) {
    return { delivery: "maybe-delivered", error: asUnavailable(error) };
  }
  return { delivery: "maybe-delivered", error };
}

/**
 * What an attempt's failure says about its endpoint's connection: "connect" — none could be made (refused,
 * unreachable, unresolvable); "lost" — it ended under the attempt; undefined — the connection is not in question.
 */
export function connectionFailureOf(reason: unknown, attempt: Attempt): "connect" | "lost" | undefined {
  if (attempt.progress === "not-started" && isConnectFailure(reason)) return "connect";
  return attempt.connectionLost ? "lost" : undefined;
}

/**
 * Whether the failure of a Triple HTTP/1.1 attempt is the provider refusing it unprocessed for overload: HTTP 503
 * (UNAVAILABLE) with `Retry-After`, which is how the provider's admission control answers a request it did not read
 * (`dubbo.provider.executes`) — HTTP/1.1 has no REFUSED_STREAM. The attempt's progress is then "refused".
 */
export function isOverloadRefusal(reason: unknown): boolean {
  return reason instanceof ConnectError && reason.code === Code.Unavailable && reason.metadata.has(headerRetryAfter);
}

/** Whether an error (or any in its chain) is a failure to establish a connection: resolving the host, or connect(2). */
export function isConnectFailure(reason: unknown): boolean {
  return reason instanceof Error && inChain(reason, failedToConnect);
}

/**
 * The codes connect-node gives a call whose connection went away under it (see the table above): only these are
 * re-coded, so a DEADLINE_EXCEEDED or a caller's CANCELED that happen at the same time stay what they are.
 */
const lostCodes = new Set([Code.Canceled, Code.Internal, Code.Aborted, Code.Unknown]);

/** A failure to establish the connection: resolving the host, or connect(2). */
function failedToConnect(e: Error): boolean {
  if (e instanceof HostResolutionError) return true;
  return "syscall" in e && typeof e.syscall === "string" && connectSyscalls.has(e.syscall);
}

/** The peer reset an established connection (HTTP/1.1: "socket hang up"). */
function isReset(e: Error): boolean {
  return "code" in e && (e.code === "ECONNRESET" || e.code === "EPIPE");
}

/** Whether any error in the chain (`cause`s, and the `errors` of an AggregateError) passes `test`. */
export function inChain(error: Error, test: (e: Error) => boolean): boolean {
  const pending: unknown[] = [error];
  const seen = new Set<unknown>();
  while (pending.length > 0) {
    const e = pending.pop();
    if (!(e instanceof Error) || seen.has(e)) continue;
    seen.add(e);
    if (test(e)) return true;
    pending.push(e.cause);
    if (e instanceof AggregateError) pending.push(...e.errors); // several addresses tried (happy eyeballs)
  }
  return false;
}

function asUnavailable(error: ConnectError): ConnectError {
  if (!lostCodes.has(error.code)) return error;
  return new ConnectError(error.rawMessage, Code.Unavailable, error.metadata, undefined, error);
}

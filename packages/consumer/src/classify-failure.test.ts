import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { Attempt } from "./call.js";
import { classifyFailure, isOverloadRefusal } from "./classify-failure.js";
import { HostResolutionError } from "./dns-lookup.js";

const facts = (f: Partial<Attempt> = {}): Attempt => ({ progress: "not-started", connectionLost: false, ...f });
const sysError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall });

describe("classifyFailure", () => {
  it("connect(2) failures before any stream: not delivered, UNAVAILABLE", () => {
    for (const code of ["ECONNREFUSED", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT"]) {
      const err = new ConnectError(`connect ${code}`, Code.Internal, undefined, undefined, sysError(code, "connect"));
      const c = classifyFailure(err, facts());
      expect(c.delivery).toBe("not-delivered");
      expect(c.error.code).toBe(Code.Unavailable);
      expect(c.error.cause).toBe(err);
    }
  });

  it("resolution failures (getaddrinfo, our DNS servers): not delivered", () => {
    const gai = new ConnectError("x", Code.Unavailable, undefined, undefined, sysError("ENOTFOUND", "getaddrinfo"));
    expect(classifyFailure(gai, facts()).delivery).toBe("not-delivered");
    const dns = new HostResolutionError("a.b", ["127.0.0.1:53"], sysError("ESERVFAIL", "queryA"));
    const err = new ConnectError(dns.message, Code.Unavailable, undefined, undefined, dns);
    expect(classifyFailure(err, facts()).delivery).toBe("not-delivered");
  });

  it("a connect-syscall error after a stream opened is not taken as 'never sent'", () => {
    const err = new ConnectError("x", Code.Unavailable, undefined, undefined, sysError("ECONNREFUSED", "connect"));
    expect(classifyFailure(err, facts({ progress: "processed" })).delivery).toBe("maybe-delivered");
  });

  it("happy-eyeballs AggregateError of connect failures: not delivered", () => {
    const agg = new AggregateError([sysError("ECONNREFUSED", "connect"), sysError("ECONNREFUSED", "connect")]);
    expect(classifyFailure(new ConnectError("x", Code.Internal, undefined, undefined, agg), facts()).delivery).toBe(
      "not-delivered",
    );
  });

  it("a refused stream: not delivered, UNAVAILABLE", () => {
    const err = new ConnectError("Stream closed with error code NGHTTP2_REFUSED_STREAM", Code.Internal);
    const c = classifyFailure(err, facts({ progress: "refused" }));
    expect(c).toMatchObject({ delivery: "not-delivered", error: { code: Code.Unavailable } });
    expect(c.error.rawMessage).toBe(err.rawMessage);
  });

  it("a lost connection: maybe delivered, CANCELED re-coded to UNAVAILABLE", () => {
    const err = new ConnectError("http/2 stream closed with error code CANCEL (0x8)", Code.Canceled);
    const c = classifyFailure(err, facts({ progress: "processed", connectionLost: true }));
    expect(c).toMatchObject({ delivery: "maybe-delivered", error: { code: Code.Unavailable } });
  });

  it("a deadline stays DEADLINE_EXCEEDED whatever the stream's fate", () => {
    const late = new ConnectError("the operation timed out", Code.DeadlineExceeded);
    expect(classifyFailure(late, facts({ progress: "not-started" })).error).toBe(late);
  });

  it("a status from the provider: maybe delivered, unchanged", () => {
    const err = new ConnectError("down", Code.Unavailable);
    expect(classifyFailure(err, facts({ progress: "processed" }))).toEqual({ delivery: "maybe-delivered", error: err });
    const deadline = new ConnectError("late", Code.DeadlineExceeded);
    expect(classifyFailure(deadline, facts({ progress: "processed", connectionLost: true })).error).toBe(deadline);
  });

  it("a 503 with Retry-After (admission control over HTTP/1.1) is a refusal; without it, or another code, it is not", () => {
    const refusal = new ConnectError("HTTP 503", Code.Unavailable, new Headers({ "retry-after": "1" }));
    expect(isOverloadRefusal(refusal)).toBe(true);
    expect(isOverloadRefusal(new ConnectError("HTTP 503", Code.Unavailable))).toBe(false);
    expect(isOverloadRefusal(new ConnectError("x", Code.ResourceExhausted, new Headers({ "retry-after": "1" })))).toBe(
      false,
    );
  });
});

import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { health } from "../index.js";
import { decodeMessage, encodeMessage, readTrailerStatus, setTrailerStatus } from "./trailer-status.js";

describe("grpc-message", () => {
  it("percent-encodes bytes outside 0x20-0x7E and %, as UTF-8; plain ASCII stays as it is", () => {
    expect(encodeMessage("no provider for a.B")).toBe("no provider for a.B");
    expect(encodeMessage("100% done\n")).toBe("100%25 done%0A");
    expect(encodeMessage("héllo ✓")).toBe("h%C3%A9llo %E2%9C%93");
  });

  it("decodes what it encoded", () => {
    for (const s of ["plain", "100% done\n", "héllo ✓ \u{1F600}", ""]) expect(decodeMessage(encodeMessage(s))).toBe(s);
  });

  it("decodes leniently: a broken sequence is kept as sent, never an error", () => {
    expect(decodeMessage("bad %zz %")).toBe("bad %zz %");
    expect(decodeMessage("%4")).toBe("%4");
    expect(decodeMessage("ok %41 then %g1")).toBe("ok A then %g1");
    // Decodes to bytes that are not UTF-8: the value as it came.
    expect(decodeMessage("%FF%FE")).toBe("%FF%FE");
  });
});

describe("status trailers", () => {
  it("writes grpc-status 0 on success", () => {
    expect(setTrailerStatus({}, undefined)).toEqual({ "grpc-status": "0" });
  });

  it("writes code, encoded message and the error's metadata; reads them back on the client side", () => {
    const error = new ConnectError("nope: 100%", Code.NotFound, { "x-why": "missing", "grpc-status": "2" });
    const out = setTrailerStatus({}, error);
    expect(out).toEqual({ "x-why": "missing", "grpc-status": "5", "grpc-message": "nope: 100%25" });
    const back = readTrailerStatus(out as Record<string, string>);
    expect(back?.code).toBe(Code.NotFound);
    expect(back?.rawMessage).toBe("nope: 100%");
    expect(back?.metadata.get("x-why")).toBe("missing");
    expect(back?.isWireError).toBe(true);
  });

  it("round-trips error details through grpc-status-details-bin", () => {
    const detail = create(health.HealthCheckResponseSchema, {
      status: health.HealthCheckResponse_ServingStatus.SERVING,
    });
    const error = new ConnectError("with details", Code.FailedPrecondition);
    error.details.push({ desc: health.HealthCheckResponseSchema, value: detail });
    const out = setTrailerStatus({}, error);
    expect(typeof out["grpc-status-details-bin"]).toBe("string");
    const back = readTrailerStatus(out as Record<string, string>);
    expect(back?.findDetails(health.HealthCheckResponseSchema)[0]?.status).toBe(
      health.HealthCheckResponse_ServingStatus.SERVING,
    );
  });

  it("a wire error (from another server) is relayed without its metadata", () => {
    const error = new ConnectError("upstream", Code.Unavailable, { "x-upstream": "1" });
    error.isWireError = true;
    expect(setTrailerStatus({}, error)["x-upstream"]).toBeUndefined();
  });

  it("reads a missing or OK status as no error, a non-number as INTERNAL, an unknown number as UNKNOWN", () => {
    expect(readTrailerStatus({})).toBeUndefined();
    expect(readTrailerStatus({ "grpc-status": "0" })).toBeUndefined();
    expect(readTrailerStatus({ "grpc-status": "abc" })?.code).toBe(Code.Internal);
    expect(readTrailerStatus({ "grpc-status": "99", "grpc-message": "bad %zz %" })?.code).toBe(Code.Unknown);
    expect(readTrailerStatus({ "grpc-status": "3", "grpc-message": "bad %zz %" })?.rawMessage).toBe("bad %zz %");
  });
});

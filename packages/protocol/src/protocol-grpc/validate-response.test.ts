import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  codeFromHttpStatus,
  validateResponse,
  validateTrailer,
  validateUnaryMessageCount,
} from "./validate-response.js";

function thrown(f: () => void): ConnectError {
  try {
    f();
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("did not throw");
}

describe("gRPC response validation", () => {
  it("maps HTTP statuses as http-grpc-status-mapping.md", () => {
    expect(codeFromHttpStatus(400)).toBe(Code.Internal);
    expect(codeFromHttpStatus(401)).toBe(Code.Unauthenticated);
    expect(codeFromHttpStatus(403)).toBe(Code.PermissionDenied);
    expect(codeFromHttpStatus(404)).toBe(Code.Unimplemented);
    expect(codeFromHttpStatus(431)).toBe(Code.Internal);
    for (const s of [429, 502, 503, 504]) expect(codeFromHttpStatus(s)).toBe(Code.Unavailable);
    for (const s of [200, 500, 418]) expect(codeFromHttpStatus(s)).toBe(Code.Unknown);
  });

  it("accepts a 200 gRPC response and names its codec", () => {
    expect(validateResponse({ ":status": 200, "content-type": "application/grpc" })).toEqual({
      codec: "proto",
      trailersOnly: false,
      error: undefined,
    });
    expect(validateResponse({ ":status": 200, "content-type": "application/grpc+json" }).codec).toBe("json");
  });

  it("a non-200 status without grpc-status throws the mapped code", () => {
    const e = thrown(() => validateResponse({ ":status": 503, "content-type": "text/html" }));
    expect(e.code).toBe(Code.Unavailable);
    expect(e.rawMessage).toBe("HTTP 503");
  });

  it("a content type that is not gRPC is UNKNOWN naming it", () => {
    const e = thrown(() => validateResponse({ ":status": 200, "content-type": "text/html" }));
    expect(e.code).toBe(Code.Unknown);
    expect(e.rawMessage).toContain('"text/html"');
  });

  it("grpc-status in the headers is a trailers-only response, read as trailers", () => {
    const r = validateResponse({ ":status": 200, "content-type": "application/grpc", "grpc-status": "12" });
    expect(r.trailersOnly).toBe(true);
    expect(r.error?.code).toBe(Code.Unimplemented);
    expect(validateResponse({ ":status": 200, "grpc-status": "0" }).error).toBeUndefined();
  });

  it("trailers without grpc-status are UNKNOWN missing status; no trailers at all INTERNAL", () => {
    expect(validateTrailer({})?.rawMessage).toBe("protocol error: missing status");
    expect(validateTrailer({})?.code).toBe(Code.Unknown);
    expect(validateTrailer(undefined)?.code).toBe(Code.Internal);
    expect(validateTrailer({ "grpc-status": "0" })).toBeUndefined();
    expect(validateTrailer({ "grpc-status": "4" })?.code).toBe(Code.DeadlineExceeded);
  });

  it("a unary response with other than one message is INTERNAL", () => {
    expect(validateUnaryMessageCount(1)).toBeUndefined();
    expect(validateUnaryMessageCount(0)?.code).toBe(Code.Internal);
    expect(validateUnaryMessageCount(2)?.code).toBe(Code.Internal);
    expect(validateUnaryMessageCount(2)?.rawMessage).toBe("protocol error: 2 response messages for a unary method");
  });
});

import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { codeOf, outcomeKinds, outcomeOf } from "./rpc-outcome.js";

const kind = (code: number | string, hint?: Parameters<typeof outcomeOf>[1]) => outcomeKinds[outcomeOf(code, hint)];

describe("outcomeOf", () => {
  it("counts each gRPC code as Dubbo's metrics do", () => {
    expect(kind(0)).toBe("succeed");
    expect(kind(Code.DeadlineExceeded)).toBe("timeout");
    expect(kind(Code.ResourceExhausted)).toBe("limit");
    expect(kind(Code.Unavailable)).toBe("network");
    for (const c of [Code.PermissionDenied, Code.Unauthenticated, Code.Unimplemented]) {
      expect(kind(c)).toBe("service_unavailable");
    }
    for (const c of [
      Code.InvalidArgument,
      Code.NotFound,
      Code.AlreadyExists,
      Code.FailedPrecondition,
      Code.Aborted,
      Code.OutOfRange,
      Code.DataLoss,
    ]) {
      expect(kind(c)).toBe("business");
    }
    for (const c of [Code.Canceled, Code.Unknown, Code.Internal, 99]) expect(kind(c)).toBe("unknown");
  });

  it("takes names as connect and gRPC spell them", () => {
    expect(codeOf("OK")).toBe(0);
    expect(codeOf("DeadlineExceeded")).toBe(Code.DeadlineExceeded);
    expect(codeOf("DEADLINE_EXCEEDED")).toBe(Code.DeadlineExceeded);
    expect(codeOf("CANCELLED")).toBe(Code.Canceled);
    expect(codeOf("Canceled")).toBe(Code.Canceled);
    expect(codeOf("no such code")).toBeUndefined();
    expect(kind("NOT_FOUND")).toBe("business");
    expect(kind("bogus")).toBe("unknown");
  });

  it("lets the engine's hint decide a failure's kind, never a success's", () => {
    expect(kind(Code.Internal, "codec")).toBe("codec");
    expect(kind(Code.Internal, "business")).toBe("business");
    expect(kind(Code.Unavailable, "service_unavailable")).toBe("service_unavailable");
    expect(kind(0, "business")).toBe("succeed");
  });
});

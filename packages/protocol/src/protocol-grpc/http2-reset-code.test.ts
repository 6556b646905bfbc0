import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import {
  codeFromResetCode,
  errorFromResetCode,
  http2Error,
  resetCodeFromCode,
  resetCodeName,
} from "./http2-reset-code.js";

describe("HTTP/2 reset codes", () => {
  it("map to gRPC codes as PROTOCOL-HTTP2.md says", () => {
    const internal = [
      http2Error.noError,
      http2Error.protocolError,
      http2Error.internalError,
      http2Error.flowControlError,
      http2Error.settingsTimeout,
      http2Error.frameSizeError,
      http2Error.compressionError,
      http2Error.connectError,
    ];
    for (const rst of internal) expect(codeFromResetCode(rst)).toBe(Code.Internal);
    expect(codeFromResetCode(http2Error.refusedStream)).toBe(Code.Unavailable);
    expect(codeFromResetCode(http2Error.cancel)).toBe(Code.Canceled);
    expect(codeFromResetCode(http2Error.enhanceYourCalm)).toBe(Code.ResourceExhausted);
    expect(codeFromResetCode(http2Error.inadequateSecurity)).toBe(Code.PermissionDenied);
  });

  it("the reverse, for a side that resets instead of answering, maps back to the same code", () => {
    for (const code of [
      Code.Canceled,
      Code.Unavailable,
      Code.ResourceExhausted,
      Code.PermissionDenied,
      Code.Internal,
    ]) {
      expect(codeFromResetCode(resetCodeFromCode(code))).toBe(code);
    }
    expect(resetCodeFromCode(Code.DeadlineExceeded)).toBe(http2Error.cancel);
    expect(resetCodeFromCode(Code.NotFound)).toBe(http2Error.internalError);
  });

  it("names codes for messages", () => {
    expect(resetCodeName(7)).toBe("REFUSED_STREAM");
    expect(resetCodeName(0xd)).toBe("HTTP_1_1_REQUIRED");
    expect(resetCodeName(0x2a)).toBe("0x2a");
  });

  it("a client's error for a reset stream names the code and carries its gRPC code", () => {
    const e = errorFromResetCode(http2Error.refusedStream);
    expect(e.code).toBe(Code.Unavailable);
    expect(e.rawMessage).toBe("http/2 stream closed with error code REFUSED_STREAM (0x7)");
    expect(errorFromResetCode(http2Error.enhanceYourCalm).code).toBe(Code.ResourceExhausted);
    expect(errorFromResetCode(0x2a).rawMessage).toBe("http/2 stream closed with error code 0x2a (0x2a)");
  });
});

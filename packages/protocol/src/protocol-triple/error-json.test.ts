import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { errorFromJsonBytes } from "./error-json.js";

const parse = (body: string, http: number, headers: Record<string, string> = {}) =>
  errorFromJsonBytes(new TextEncoder().encode(body), http, new Headers(headers));

describe("errorFromJsonBytes reads every Triple dialect", () => {
  it.each([
    { body: '{"status":5,"code":"not_found","message":"m"}', http: 404, code: Code.NotFound },
    { body: '{"status":"3","message":"m"}', http: 400, code: Code.InvalidArgument },
    { body: '{"code":"resource_exhausted","message":"m"}', http: 429, code: Code.ResourceExhausted },
    { body: '{"status":"500","message":"m"}', http: 500, code: Code.Unknown },
    { body: '{"status":"503","message":"m"}', http: 503, code: Code.Unavailable },
    { body: '{"status":"500","message":"m"}', http: 500, headers: { "tri-exception-code": "3" }, code: Code.Unknown },
    {
      body: '{"status":"400","message":"m"}',
      http: 400,
      headers: { "tri-exception-code": "3" },
      code: Code.InvalidArgument,
    },
    {
      body: '{"status":"500","message":"m"}',
      http: 500,
      headers: { "tri-exception-code": "7" },
      code: Code.PermissionDenied,
    },
    { body: "<html>bad gateway</html>", http: 502, code: Code.Unavailable },
  ])("$body (HTTP $http, $headers) -> code $code", ({ body, http, headers, code }) => {
    expect(parse(body, http, headers).code).toBe(code);
  });
});

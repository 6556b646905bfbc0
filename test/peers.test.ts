import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGrpcJsGreeterClient, type GrpcJsGreeterClient } from "./peers/grpc-js-client.js";
import { type GrpcJsGreeter, startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { runPython } from "./peers/python-peer.js";
import { ECHO_BIN, rejection } from "./support/grpc-expect.js";

// Self-check of the independent peers against each other: if these fail, interop results mean nothing.

let greeter: GrpcJsGreeter;
let client: GrpcJsGreeterClient;

beforeAll(async () => {
  greeter = await startGrpcJsGreeter();
  client = createGrpcJsGreeterClient(greeter.target);
});

afterAll(async () => {
  client?.close();
  await greeter?.close();
});

describe("grpc-js greeter peer with the grpc-js client", () => {
  it("answers Greet and echoes x-echo as header and trailer and x-echo-bin as binary header", async () => {
    const result = await client.greet("world", { metadata: { "x-echo": "abc", "x-echo-bin": ECHO_BIN } });
    expect(result.greeting).toBe("hello, world");
    expect(result.headers["x-echo"]).toBe("abc");
    expect(result.trailers["x-echo-trailer"]).toBe("abc");
    const bin = result.headers["x-echo-bin"];
    expect(Buffer.isBuffer(bin)).toBe(true);
    expect(Buffer.compare(bin as Buffer, ECHO_BIN)).toBe(0);
    expect(result.headers["x-echo-trailer"]).toBeUndefined();
    expect(result.trailers["x-echo"]).toBeUndefined();
  });

  it("echoes nothing when nothing is sent", async () => {
    const result = await client.greet("quiet");
    expect(result.greeting).toBe("hello, quiet");
    expect(result.headers["x-echo"]).toBeUndefined();
    expect(result.headers["x-echo-bin"]).toBeUndefined();
    expect(result.trailers["x-echo-trailer"]).toBeUndefined();
  });

  it("streams three greetings with echoes", async () => {
    const result = await client.greetStream("ann", { metadata: { "x-echo": "s" } });
    expect(result.greetings).toEqual(["hello, ann #1", "hello, ann #2", "hello, ann #3"]);
    expect(result.headers["x-echo"]).toBe("s");
    expect(result.trailers["x-echo-trailer"]).toBe("s");
  });

  it("joins a client stream of names", async () => {
    const result = await client.greetClientStream(["ann", "bob", "cid"], { metadata: { "x-echo": "c" } });
    expect(result.greeting).toBe("hello, ann, bob, cid");
    expect(result.headers["x-echo"]).toBe("c");
    expect(result.trailers["x-echo-trailer"]).toBe("c");
  });

  it("answers bidi names one by one (interleaved)", async () => {
    const result = await client.greetBidi(["ann", "bob", "cid"], {
      metadata: { "x-echo": "b", "x-echo-bin": ECHO_BIN },
      deadlineMs: 5000,
    });
    expect(result.greetings).toEqual(["hello, ann", "hello, bob", "hello, cid"]);
    expect(result.headers["x-echo"]).toBe("b");
    expect(Buffer.compare(result.headers["x-echo-bin"] as Buffer, ECHO_BIN)).toBe(0);
    expect(result.trailers["x-echo-trailer"]).toBe("b");
  });

  it("fails a slow call with DEADLINE_EXCEEDED (4) at the deadline", async () => {
    const started = performance.now();
    const error = await rejection(client.greet("sleep:2000", { deadlineMs: 200 }));
    const elapsed = performance.now() - started;
    expect(error.code).toBe(4);
    expect(error.codeName).toBe("DEADLINE_EXCEEDED");
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(1500);
  });

  it("answers a short sleep normally", async () => {
    const result = await client.greet("sleep:50", { deadlineMs: 5000 });
    expect(result.greeting).toBe("hello, sleep:50");
  });

  it("fails error:5:<message> with NOT_FOUND (5) and that message, with echo headers and trailers", async () => {
    const error = await rejection(client.greet("error:5:no such user", { metadata: { "x-echo": "e" } }));
    expect(error.code).toBe(5);
    expect(error.codeName).toBe("NOT_FOUND");
    expect(error.details).toBe("no such user");
    expect(error.headers["x-echo"]).toBe("e");
    expect(error.trailers["x-echo-trailer"]).toBe("e");
  });

  it("passes other codes through (error:7 -> PERMISSION_DENIED)", async () => {
    const error = await rejection(client.greet("error:7:go away"));
    expect(error.code).toBe(7);
    expect(error.details).toBe("go away");
  });

  it("answers an unknown method with UNIMPLEMENTED (12)", async () => {
    const error = await rejection(client.unary("/fixture.v1.GreeterService/Nope", "x"));
    expect(error.code).toBe(12);
    expect(error.codeName).toBe("UNIMPLEMENTED");
  });

  it("records the request metadata of each call", async () => {
    await client.greet("recorded", { metadata: { "tri-service-version": "9.9.9" } });
    const last = greeter.calls.at(-1);
    expect(last?.method).toBe("Greet");
    expect(last?.metadata["tri-service-version"]).toBe("9.9.9");
  });
});

interface StepResult {
  ok: boolean;
  code?: string;
  details?: string;
  greeting?: string;
  greetings?: string[];
  headers?: Record<string, string>;
  trailers?: Record<string, string>;
}

interface GreeterClientReport {
  ok: boolean;
  steps: Record<string, StepResult>;
}

describe("python grpcio greeter client against the grpc-js greeter", () => {
  it("passes every step of `all` and reports concrete values", async () => {
    const run = await runPython("greeter_client.py", [greeter.target, "all"], { timeoutMs: 20_000 });
    expect(run.timedOut).toBe(false);
    expect(run.stderr).toBe("");
    const report = run.json as GreeterClientReport;
    expect(report.ok, run.stdout).toBe(true);
    expect(run.code).toBe(0);
    const { steps } = report;
    expect(Object.keys(steps)).toEqual([
      "unary",
      "server_stream",
      "client_stream",
      "bidi",
      "deadline",
      "error",
      "unimplemented",
    ]);
    expect(steps.unary?.greeting).toBe("hello, python");
    expect(steps.unary?.headers?.["x-echo"]).toBe("python-echo");
    expect(steps.unary?.headers?.["x-echo-bin"]).toBe(ECHO_BIN.toString("hex"));
    expect(steps.unary?.trailers?.["x-echo-trailer"]).toBe("python-echo");
    expect(steps.server_stream?.greetings).toEqual(["hello, python #1", "hello, python #2", "hello, python #3"]);
    expect(steps.client_stream?.greeting).toBe("hello, ann, bob, cid");
    expect(steps.bidi?.greetings).toEqual(["hello, ann", "hello, bob", "hello, cid"]);
    expect(steps.deadline?.code).toBe("DEADLINE_EXCEEDED");
    expect(steps.error?.code).toBe("NOT_FOUND");
    expect(steps.error?.details).toBe("no such user");
    expect(steps.unimplemented?.code).toBe("UNIMPLEMENTED");
  });

  it("sends tri-service-version and tri-service-group on every call when asked", async () => {
    const before = greeter.calls.length;
    const run = await runPython("greeter_client.py", [
      greeter.target,
      "unary,bidi",
      "--version",
      "1.0.0",
      "--group",
      "g1",
    ]);
    expect(run.code, run.stdout).toBe(0);
    const calls = greeter.calls.slice(before);
    expect(calls.map((call) => call.method)).toEqual(["Greet", "GreetBidi"]);
    for (const call of calls) {
      expect(call.metadata["tri-service-version"]).toBe("1.0.0");
      expect(call.metadata["tri-service-group"]).toBe("g1");
    }
  });

  it("exits 1 and reports failed steps when the target does not answer", async () => {
    // A port that just closed: every step must fail with UNAVAILABLE and the exit code must be 1.
    const dead = await startGrpcJsGreeter();
    const target = dead.target;
    await dead.close();
    const run = await runPython("greeter_client.py", [target, "unary,error"], { timeoutMs: 20_000 });
    expect(run.code).toBe(1);
    const report = run.json as GreeterClientReport;
    expect(report.ok).toBe(false);
    expect(report.steps.unary?.ok).toBe(false);
    expect(report.steps.unary?.code).toBe("UNAVAILABLE");
  });
});

describe("python grpcio health client against the grpc-js health service", () => {
  it("checks known and unknown services", async () => {
    const serving = await runPython("health_client.py", [greeter.target, "check", ""]);
    expect(serving.code).toBe(0);
    expect(serving.json).toEqual({ status: "SERVING" });
    const service = await runPython("health_client.py", [greeter.target, "check", "fixture.v1.GreeterService"]);
    expect(service.json).toEqual({ status: "SERVING" });
    const unknown = await runPython("health_client.py", [greeter.target, "check", "no.such.Service"]);
    expect(unknown.code).toBe(0);
    expect(unknown.json).toMatchObject({ code: "NOT_FOUND" });
  });

  it("watches status changes until the count is reached", async () => {
    const service = "watched.v1.Service";
    greeter.setServingStatus(service, "SERVING");
    const watching = runPython("health_client.py", [greeter.target, "watch", service, "2", "10"], {
      timeoutMs: 15_000,
    });
    for (let i = 0; i < 100 && greeter.healthWatchers(service) === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(greeter.healthWatchers(service)).toBe(1);
    greeter.setServingStatus(service, "NOT_SERVING");
    const run = await watching;
    expect(run.code).toBe(0);
    expect(run.lines).toEqual([{ status: "SERVING" }, { status: "NOT_SERVING" }]);
  });

  it("stops watching at the timeout (exit 1) and reports SERVICE_UNKNOWN for an unknown name", async () => {
    const started = performance.now();
    const run = await runPython("health_client.py", [greeter.target, "watch", "unknown.v1.Service", "3", "1"]);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([{ status: "SERVICE_UNKNOWN" }]);
    expect(performance.now() - started).toBeLessThan(8000);
  });
});

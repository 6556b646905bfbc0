// The provider's in-memory transport (@dubbo-mesh/provider/testing): the provider's dispatch, interceptors and
// routing without a port — every call kind, codes, metadata, deadlines and version/group routing.
import { Code, ConnectError, createClient, type Interceptor } from "@connectrpc/connect";
import { createInMemoryTransport } from "@dubbo-mesh/provider/testing";
import { describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";

const greeterOf = (...args: Parameters<typeof createInMemoryTransport>) =>
  createClient(GreeterService, createInMemoryTransport(...args));

async function* names(...list: string[]) {
  for (const name of list) yield { name };
}

async function rejection(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConnectError)) throw new Error(`expected a ConnectError, got ${String(error)}`);
  return error;
}

describe("createInMemoryTransport", () => {
  it("serves all four call kinds of a registered implementation", async () => {
    const greeter = greeterOf((s) => s.service(GreeterService, contractGreeter()));
    expect((await greeter.greet({ name: "alice" })).greeting).toBe("hello, alice");
    const stream: string[] = [];
    for await (const r of greeter.greetStream({ name: "bob" })) stream.push(r.greeting);
    expect(stream).toEqual(["hello, bob #1", "hello, bob #2", "hello, bob #3"]);
    expect((await greeter.greetClientStream(names("a", "b", "c"))).greeting).toBe("hello, a, b, c");
    const bidi: string[] = [];
    for await (const r of greeter.greetBidi(names("x", "y"))) bidi.push(r.greeting);
    expect(bidi).toEqual(["hello, x", "hello, y"]);
  });

  it("a handler's status reaches the caller with its code and message; a missing method is UNIMPLEMENTED", async () => {
    const greeter = greeterOf((s) => s.service(GreeterService, { greet: contractGreeter().greet }));
    const error = await rejection(greeter.greet({ name: "error:5:no such greeting" }));
    expect([error.code, error.rawMessage]).toEqual([Code.NotFound, "no such greeting"]);
    const missing = await rejection(greeter.greetClientStream(names("a")));
    expect(missing.code).toBe(Code.Unimplemented);
    expect(missing.rawMessage).toMatch(/does not implement GreetClientStream/);
  });

  it("routes by tri-service-version / tri-service-group as a provider does, falling back to the unversioned one", async () => {
    const register = (s: Parameters<Parameters<typeof createInMemoryTransport>[0]>[0]) =>
      s
        .service(GreeterService, contractGreeter("default"))
        .service(GreeterService, contractGreeter("v1"), { version: "1.0.0" })
        .service(GreeterService, contractGreeter("v2-blue"), { version: "2.0.0", group: "blue" });
    const greeter = greeterOf(register);
    const as = (headers: Record<string, string>) => greeter.greet({ name: "n" }, { headers });
    expect((await as({})).greeting).toBe("default, n");
    expect((await as({ "tri-service-version": "1.0.0" })).greeting).toBe("v1, n");
    expect((await as({ "tri-service-version": "2.0.0", "tri-service-group": "blue" })).greeting).toBe("v2-blue, n");
    expect((await as({ "tri-service-version": "9.9.9" })).greeting).toBe("default, n");
    const strict = greeterOf(register, { fallbackToDefault: false });
    const error = await rejection(strict.greet({ name: "n" }, { headers: { "tri-service-version": "9.9.9" } }));
    expect(error.code).toBe(Code.Unimplemented);
    expect(error.rawMessage).toMatch(/no provider for .*9\.9\.9/);
  });

  it("runs the provider's interceptors and carries headers and trailers both ways", async () => {
    const seen: string[] = [];
    const stamp: Interceptor = (next) => async (req) => {
      seen.push(`${req.method.name} ${req.header.get("x-echo") ?? ""}`);
      const res = await next(req);
      res.header.set("x-intercepted", "yes");
      return res;
    };
    const greeter = greeterOf((s) => s.service(GreeterService, contractGreeter()), { interceptors: [stamp] });
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const reply = await greeter.greet(
      { name: "carol" },
      { headers: { "x-echo": "ping" }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) },
    );
    expect(reply.greeting).toBe("hello, carol");
    expect(seen).toEqual(["Greet ping"]);
    expect([header?.get("x-echo"), header?.get("x-intercepted"), trailer?.get("x-echo-trailer")]).toEqual([
      "ping",
      "yes",
      "ping",
    ]);
  });

  it("a call's deadline ends a handler that outlives it: DEADLINE_EXCEEDED, the handler's signal aborted", async () => {
    let aborted: unknown;
    const greeter = greeterOf((s) =>
      s.service(GreeterService, {
        async greet(req, ctx) {
          await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
          aborted = ctx.signal.reason;
          return { greeting: req.name };
        },
      }),
    );
    const error = await rejection(greeter.greet({ name: "slow" }, { timeoutMs: 50 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    await expect.poll(() => aborted).toBeInstanceOf(ConnectError);
    expect((aborted as ConnectError).code).toBe(Code.DeadlineExceeded);
  });

  it("checks its options as createProvider does", () => {
    expect(() => createInMemoryTransport(() => {}, { readMaxBytes: 0 })).toThrow(
      "readMaxBytes (dubbo.protocol.max-message-size) must be a positive integer number of bytes up to 2147483647, got 0",
    );
  });
});

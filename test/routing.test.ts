import { Code, ConnectError, createConsumer } from "@dubbo-mesh/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const consumer = createConsumer();
afterAll(() => consumer.close());

async function greetVia(url: string, version?: string, group?: string, protocol?: "triple"): Promise<string> {
  const client = consumer.reference(GreeterService, { url, version, group, protocol, timeout: 5000 });
  return (await client.greet({ name: "x" })).greeting;
}

async function codeOf(p: Promise<unknown>): Promise<Code | undefined> {
  return p.then(
    () => undefined,
    (e: unknown) => ConnectError.from(e).code,
  );
}

describe("routing by (service, version, group) with fallback on (the default)", () => {
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider({}, (p) => {
      p.service(GreeterService, contractGreeter("v1"), { version: "1.0.0" });
      p.service(GreeterService, contractGreeter("v2"), { version: "2.0.0" });
      p.service(GreeterService, contractGreeter("v1-blue"), { version: "1.0.0", group: "blue" });
      p.service(GreeterService, contractGreeter("default"));
    });
  });
  afterAll(() => provider?.close());

  it.each([
    ["1.0.0", undefined, "v1, x"],
    ["2.0.0", undefined, "v2, x"],
    ["1.0.0", "blue", "v1-blue, x"],
    [undefined, undefined, "default, x"],
    ["3.0.0", undefined, "default, x"],
    ["2.0.0", "blue", "default, x"],
  ])("version %s group %s -> %s (gRPC and Triple alike)", async (version, group, expected) => {
    expect(await greetVia(provider.url, version, group)).toBe(expected);
    expect(await greetVia(provider.url, version, group, "triple")).toBe(expected);
  });

  it("keys are structured: version '1' + group '0.0' is not version '1.0' + group '0'", async () => {
    const p = await startContractProvider({ fallbackToDefault: false }, (s) => {
      s.service(GreeterService, contractGreeter("a"), { version: "1", group: "0.0" });
      s.service(GreeterService, contractGreeter("b"), { version: "1.0", group: "0" });
    });
    try {
      expect(await greetVia(p.url, "1", "0.0")).toBe("a, x");
      expect(await greetVia(p.url, "1.0", "0")).toBe("b, x");
      expect(await codeOf(greetVia(p.url, "10", "0"))).toBe(Code.Unimplemented);
    } finally {
      await p.close();
    }
  });
});

describe("routing with fallback off", () => {
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider({ fallbackToDefault: false }, (p) => {
      p.service(GreeterService, contractGreeter("v1"), { version: "1.0.0" });
      p.service(GreeterService, contractGreeter("default"));
    });
  });
  afterAll(() => provider?.close());

  it("exact matches only; a miss is UNIMPLEMENTED naming the key", async () => {
    expect(await greetVia(provider.url, "1.0.0")).toBe("v1, x");
    expect(await greetVia(provider.url)).toBe("default, x");
    const client = consumer.reference(GreeterService, { url: provider.url, version: "9.9.9" });
    const err = await client.greet({ name: "x" }).catch((e: unknown) => ConnectError.from(e));
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).code).toBe(Code.Unimplemented);
    expect((err as ConnectError).rawMessage).toContain("version=9.9.9");
  });
});

describe("a plain gRPC client (no Triple headers) reaches a service registered only with a version", () => {
  it("uses the only registration", async () => {
    const p = await startContractProvider({}, (s) =>
      s.service(GreeterService, contractGreeter("only"), { version: "1.0.0" }),
    );
    try {
      expect(await greetVia(p.url)).toBe("only, x");
    } finally {
      await p.close();
    }
  });
});

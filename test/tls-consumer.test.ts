import { readFileSync } from "node:fs";
import type { HandlerContext } from "@connectrpc/connect";
import { Code, ConnectError, type Consumer, type ConsumerOptions, createConsumer } from "@dubbo-mesh/consumer";
import { health } from "@dubbo-mesh/protocol";
import { callInfo } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import * as grpc from "@grpc/grpc-js";
import { dubbo } from "dubbo-mesh";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { startGrpcJsGreeter } from "./peers/grpc-js-greeter.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { type Dnsmasq, startDnsmasq } from "./support/dnsmasq.js";
import { GreeterService, type GreetRequest } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { createTestPki, SERVER_SANS } from "./support/test-pki.js";

const pki = createTestPki();
const meshCa = pki.ca("mesh-ca");
const otherCa = pki.ca("other-ca");
const server = meshCa.issue("greeter", { cn: "greeter", sans: SERVER_SANS });
const web = meshCa.issue("web", { cn: "web", sans: ["URI:spiffe://cluster.local/ns/default/sa/web"] });
const serverTls = { keyCertChainPath: server.cert, privateKeyPath: server.key };
const mutualTls = { ...serverTls, trustCertCollectionPath: meshCa.cert };
const clientTls = {
  trustCertCollectionPath: meshCa.cert,
  keyCertChainPath: web.cert,
  privateKeyPath: web.key,
};

const stops: (() => unknown)[] = [];
afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});
afterAll(() => pki.remove());

function consumer(options: ConsumerOptions): Consumer {
  const c = createConsumer({ env: {}, timeout: 5000, ...options });
  stops.push(() => c.close());
  return c;
}

async function provider(...args: Parameters<typeof startContractProvider>): Promise<TestProvider> {
  const p = await startContractProvider(...args);
  stops.push(() => p.close());
  return p;
}

async function failure(promise: Promise<unknown>): Promise<ConnectError> {
  try {
    await promise;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("expected the call to fail");
}

/** A greeter that says which address answered and who called (the verified client identity). */
function whoAnswered() {
  return {
    ...contractGreeter(),
    async greet(req: GreetRequest, ctx: HandlerContext) {
      const info = callInfo(ctx);
      return { greeting: `${req.name}@${info.localAddress} from ${info.peer?.spiffeId ?? "nobody"}` };
    },
  };
}

describe("consumer over TLS", () => {
  it("calls a grpc-js TLS server: unary, server and client streaming, bidi, health", async () => {
    const greeter = await startGrpcJsGreeter(
      grpc.ServerCredentials.createSsl(null, [
        { private_key: readFileSync(server.key), cert_chain: readFileSync(server.cert) },
      ]),
    );
    stops.push(() => greeter.close());
    const c = consumer({ tls: { trustCertCollectionPath: meshCa.cert } });
    const client = c.reference(GreeterService, { url: `localhost:${greeter.port}` });
    expect((await client.greet({ name: "grpc-js" })).greeting).toBe("hello, grpc-js");
    const streamed: string[] = [];
    for await (const r of client.greetStream({ name: "s" })) streamed.push(r.greeting);
    expect(streamed).toEqual(["hello, s #1", "hello, s #2", "hello, s #3"]);
    async function* names() {
      yield { name: "a" };
      yield { name: "b" };
    }
    expect((await client.greetClientStream(names())).greeting).toBe("hello, a, b");
    const bidi: string[] = [];
    for await (const r of client.greetBidi(names())) bidi.push(r.greeting);
    expect(bidi).toEqual(["hello, a", "hello, b"]);
    const probe = c.reference(health.Health, { url: `localhost:${greeter.port}` });
    expect((await probe.check({ service: "" })).status).toBe(health.HealthCheckResponse_ServingStatus.SERVING);
  });

  it("calls our mTLS provider with its client certificate over gRPC, Triple HTTP/1.1 and Triple h2", async () => {
    const p = await provider({ tls: mutualTls }, (s) => s.service(GreeterService, whoAnswered()));
    const c = consumer({ tls: clientTls });
    for (const ref of [
      { protocol: "grpc" as const },
      { protocol: "grpc" as const, fastLane: false },
      { protocol: "triple" as const, httpVersion: "1.1" as const },
      { protocol: "triple" as const, httpVersion: "2" as const, json: true },
    ]) {
      const client = c.reference(GreeterService, { url: `tri://localhost:${p.port}`, ...ref });
      expect((await client.greet({ name: "me" })).greeting).toBe(
        `me@127.0.0.1:${p.port} from spiffe://cluster.local/ns/default/sa/web`,
      );
    }
  });

  it("https:// in a url turns TLS on for that reference; tls: false keeps a reference cleartext", async () => {
    const secure = await provider({ tls: serverTls });
    const plain = await provider();
    const c = consumer({});
    const viaUrl = c.reference(GreeterService, {
      url: `https://localhost:${secure.port}`,
      tls: { trustCertCollectionPath: meshCa.cert },
    });
    expect((await viaUrl.greet({ name: "https" })).greeting).toBe("hello, https");
    const tlsConsumer = consumer({ tls: { trustCertCollectionPath: meshCa.cert } });
    const cleartext = tlsConsumer.reference(GreeterService, { url: plain.url, tls: false });
    expect((await cleartext.greet({ name: "plain" })).greeting).toBe("hello, plain");
  });

  it("client-side balancing dials each pod by IP and verifies the mesh name, not the IP", async () => {
    // 127.0.0.2 is in no SAN of the certificate: only the name check can pass for it.
    const first = await provider({ tls: serverTls, host: "127.0.0.2" }, (s) =>
      s.service(GreeterService, whoAnswered()),
    );
    await provider({ tls: serverTls, host: "127.0.0.3", port: first.port }, (s) =>
      s.service(GreeterService, whoAnswered()),
    );
    const dns: Dnsmasq = await startDnsmasq({ "greeter.default.svc.cluster.local": ["127.0.0.2", "127.0.0.3"] });
    stops.push(() => dns.stop());
    const c = consumer({
      tls: { trustCertCollectionPath: meshCa.cert },
      dns: { servers: [dns.server] },
      balancing: "client",
    });
    const client = c.reference(GreeterService, { providedBy: "greeter", providerPort: first.port });
    const answeredBy = new Set<string>();
    for (let i = 0; i < 6; i++) answeredBy.add((await client.greet({ name: "x" })).greeting.split("@")[1] ?? "");
    expect([...answeredBy].sort()).toEqual([
      `127.0.0.2:${first.port} from nobody`,
      `127.0.0.3:${first.port} from nobody`,
    ]);
    expect(c.endpoints(client).map((e) => e.health)).toEqual(["serving", "serving"]);
  });

  it("pins the server identity: the expected SPIFFE ID passes, another is refused", async () => {
    const p = await provider({ tls: serverTls });
    const c = consumer({ tls: { trustCertCollectionPath: meshCa.cert } });
    const pinned = c.reference(GreeterService, {
      url: `127.0.0.1:${p.port}`,
      tls: { serverIdentity: { principals: ["cluster.local/ns/default/sa/greeter"] } },
    });
    expect((await pinned.greet({ name: "pinned" })).greeting).toBe("hello, pinned");
    const wrong = c.reference(GreeterService, {
      url: `127.0.0.1:${p.port}`,
      retries: 0,
      tls: { serverIdentity: { principals: ["spiffe://cluster.local/ns/default/sa/impostor"] } },
    });
    const e = await failure(wrong.greet({ name: "x" }));
    expect(e.code).toBe(Code.Unavailable);
    expect(e.message).toContain(
      "server identity spiffe://cluster.local/ns/default/sa/greeter is not the expected spiffe://cluster.local/ns/default/sa/impostor",
    );
  });

  it("refuses a server from another CA, a name the certificate does not have, and a cleartext port", async () => {
    const p = await provider({ tls: serverTls });
    const plain = await provider();
    const strangers = consumer({ tls: { trustCertCollectionPath: otherCa.cert }, retries: 0 });
    const untrusted = await failure(strangers.reference(GreeterService, { url: `localhost:${p.port}` }).greet({}));
    expect(untrusted.code).toBe(Code.Unavailable);
    expect(untrusted.message).toMatch(/certificate/i);
    const c = consumer({ tls: { trustCertCollectionPath: meshCa.cert }, retries: 0 });
    const wrongName = await failure(
      c.reference(GreeterService, { url: `127.0.0.1:${p.port}`, tls: { serverName: "other.example" } }).greet({}),
    );
    expect(wrongName.code).toBe(Code.Unavailable);
    expect(wrongName.message).toContain("other.example");
    const cleartextPort = await failure(c.reference(GreeterService, { url: plain.url }).greet({}));
    expect(cleartextPort.code).toBe(Code.Unavailable);
    // Both providers still serve their own kind of client.
    expect((await c.reference(GreeterService, { url: `localhost:${p.port}` }).greet({ name: "ok" })).greeting).toBe(
      "hello, ok",
    );
  });

  it("bad client files stop createConsumer naming the key, the file and the problem", () => {
    expect(() => createConsumer({ tls: { ...clientTls, privateKeyPath: server.key } })).toThrow(
      `dubbo.ssl.client-private-key-path "${server.key}": does not match the certificate of dubbo.ssl.client-key-cert-chain-path "${web.cert}"`,
    );
    expect(() => createConsumer({ tls: { trustCertCollectionPath: `${pki.dir}/none.crt` } })).toThrow(
      `dubbo.ssl.client-trust-cert-collection-path "${pki.dir}/none.crt": no such file`,
    );
  });
});

describe("dubbo() consumer with dubbo.ssl.client-* from the environment", () => {
  it("calls an mTLS provider with the client certificate the env names", async () => {
    const p = await provider({ tls: mutualTls }, (s) => s.service(GreeterService, whoAnswered()));
    const app = dubbo({
      env: {
        DUBBO_APPLICATION_QOS_ENABLE: "false",
        DUBBO_SSL_CLIENT_TRUST_CERT_COLLECTION_PATH: meshCa.cert,
        DUBBO_SSL_CLIENT_KEY_CERT_CHAIN_PATH: web.cert,
        DUBBO_SSL_CLIENT_PRIVATE_KEY_PATH: web.key,
      },
      logger: silentLogger,
      handleSignals: false,
    });
    stops.push(() => app.stop());
    const client = app.reference(GreeterService, { url: `localhost:${p.port}` });
    expect((await client.greet({ name: "app" })).greeting).toBe(
      `app@127.0.0.1:${p.port} from spiffe://cluster.local/ns/default/sa/web`,
    );
  });
});

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import { createProvider, type ServerTlsOptions } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import { dubbo } from "dubbo-mesh";
import { afterAll, describe, expect, it } from "vitest";
import { createGrpcJsGreeterClient } from "./peers/grpc-js-client.js";
import { pythonTlsArgs } from "./peers/peer-tls.js";
import { runPython } from "./peers/python-peer.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { describeGreeterContract } from "./support/contract-suite.js";
import { GreeterService } from "./support/greeter-proto.js";
import { rejection } from "./support/grpc-expect.js";
import { curl } from "./support/raw-http.js";
import { createRecordingLogger } from "./support/recording-logger.js";
import { startContractProvider } from "./support/start-provider.js";
import { createTestPki, SERVER_SANS } from "./support/test-pki.js";

// Certificates made for this file by openssl: a mesh CA that issued the provider's and a client's certificate, and
// another CA whose client the provider must refuse.
const pki = createTestPki();
afterAll(() => pki.remove());
const meshCa = pki.ca("mesh-ca");
const otherCa = pki.ca("other-ca");
const server = meshCa.issue("greeter", { cn: "greeter", sans: SERVER_SANS });
const web = meshCa.issue("web", { cn: "web", sans: ["URI:spiffe://cluster.local/ns/default/sa/web"] });
const intruder = otherCa.issue("intruder", { cn: "web", sans: ["URI:spiffe://cluster.local/ns/default/sa/web"] });
const serverTls: ServerTlsOptions = { keyCertChainPath: server.cert, privateKeyPath: server.key };
const mutualTls: ServerTlsOptions = { ...serverTls, trustCertCollectionPath: meshCa.cert };

describeGreeterContract("provider over TLS (gRPC engine): grpc-js and Python grpcio, every call kind", async () => ({
  ...(await startContractProvider({ tls: serverTls })),
  tls: { cacert: meshCa.cert },
}));
describeGreeterContract("provider over mTLS, verified by its mesh name", async () => ({
  ...(await startContractProvider({ tls: mutualTls })),
  tls: { cacert: meshCa.cert, cert: web.cert, key: web.key, servername: "greeter.default.svc.cluster.local" },
}));
describeGreeterContract("provider over mTLS", async () => ({
  ...(await startContractProvider({ tls: mutualTls })),
  tls: { cacert: meshCa.cert, cert: web.cert, key: web.key },
}));

/** Opens a TLS connection and reports what the handshake gave, or the error that ended it. */
function handshake(
  port: number,
  options: tls.ConnectionOptions = {},
): Promise<{ ok: true; alpn: string | false; fingerprint: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    const socket = tls.connect({
      host: "127.0.0.1",
      port,
      ca: [pemOf(meshCa.cert)],
      servername: "localhost",
      ...options,
    });
    socket.once("secureConnect", () => {
      // Under TLS 1.3 a server that rejects the client certificate says so after the client's handshake is done:
      // read once to see whether the connection lives.
      socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      socket.once("data", () => {
        resolve({
          ok: true,
          alpn: socket.alpnProtocol ?? false,
          fingerprint: socket.getPeerX509Certificate()?.fingerprint256 ?? "",
        });
        socket.destroy();
      });
    });
    socket.once("error", (e: Error & { code?: string }) => resolve({ ok: false, error: e.code ?? e.message }));
    socket.once("close", () => resolve({ ok: false, error: "closed" }));
  });
}

function pemOf(path: string): Buffer {
  return readFileSync(path);
}

describe("provider TLS port", () => {
  it("serves health (Python grpcio) and Triple JSON over HTTPS to curl, HTTP/1.1 and HTTP/2 by ALPN", async () => {
    const p = await startContractProvider({ tls: serverTls });
    try {
      const health = await runPython("health_client.py", [
        p.target,
        "check",
        "",
        ...pythonTlsArgs({ cacert: meshCa.cert }),
      ]);
      expect(health.json).toEqual({ status: "SERVING" });
      for (const httpVersion of ["1.1", "2"] as const) {
        const r = await curl(`https://localhost:${p.port}/fixture.v1.GreeterService/Greet`, {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ name: "curl" }),
          args: ["--cacert", meshCa.cert],
          httpVersion,
        });
        expect(r.status).toBe(200);
        expect(JSON.parse(r.body.toString())).toEqual({ greeting: "hello, curl" });
      }
      expect((await handshake(p.port, { ALPNProtocols: ["h2", "http/1.1"] })).ok).toBe(true);
    } finally {
      await p.close();
    }
  });

  it("refuses cleartext clients on the TLS port and keeps serving TLS", async () => {
    const logger = createRecordingLogger();
    const p = await startContractProvider({ tls: serverTls, logger });
    const cleartext = createGrpcJsGreeterClient(p.target);
    const secure = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert });
    try {
      const refused = await rejection(cleartext.greet("plain", { deadlineMs: 3000 }));
      expect(refused.code).toBe(14); // UNAVAILABLE
      const http = await curl(`http://127.0.0.1:${p.port}/fixture.v1.GreeterService/Greet`, {
        headers: { "content-type": "application/json" },
        body: "{}",
      });
      expect(http.status).toBe(400);
      expect(http.body.toString()).toContain("TLS only");
      await logger.waitFor("cleartext-on-tls-port");
      expect((await secure.greet("still")).greeting).toBe("hello, still");
    } finally {
      cleartext.close();
      secure.close();
      await p.close();
    }
  });

  it("refuses a TLS client on a cleartext port and keeps serving cleartext", async () => {
    const logger = createRecordingLogger();
    const p = await startContractProvider({ logger });
    const secure = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert });
    const cleartext = createGrpcJsGreeterClient(p.target);
    try {
      expect((await rejection(secure.greet("tls", { deadlineMs: 3000 }))).code).toBe(14);
      expect((await handshake(p.port)).ok).toBe(false);
      await logger.waitFor("tls-on-cleartext-port");
      expect((await cleartext.greet("plain")).greeting).toBe("hello, plain");
    } finally {
      secure.close();
      cleartext.close();
      await p.close();
    }
  });

  it("under mTLS refuses a client without a certificate and one from another CA, and keeps serving", async () => {
    const logger = createRecordingLogger();
    const p = await startContractProvider({ tls: mutualTls, logger });
    const anonymous = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert });
    const foreign = createGrpcJsGreeterClient(p.target, {
      cacert: meshCa.cert,
      cert: intruder.cert,
      key: intruder.key,
    });
    const member = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert, cert: web.cert, key: web.key });
    try {
      expect((await rejection(anonymous.greet("anon", { deadlineMs: 3000 }))).code).toBe(14);
      expect((await rejection(foreign.greet("intruder", { deadlineMs: 3000 }))).code).toBe(14);
      const python = await runPython("greeter_client.py", [
        p.target,
        "unary",
        ...pythonTlsArgs({ cacert: meshCa.cert, cert: intruder.cert, key: intruder.key }),
      ]);
      expect(python.code).not.toBe(0);
      expect((await handshake(p.port)).ok).toBe(false);
      await logger.waitFor("tls-handshake-failed");
      expect((await member.greet("member")).greeting).toBe("hello, member");
    } finally {
      anonymous.close();
      foreign.close();
      member.close();
      await p.close();
    }
  });

  it("permissive mode serves TLS and cleartext on one port", async () => {
    const p = await startContractProvider({ tls: { ...serverTls, permissive: true } });
    const secure = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert });
    const cleartext = createGrpcJsGreeterClient(p.target);
    try {
      expect((await secure.greet("tls")).greeting).toBe("hello, tls");
      expect((await cleartext.greet("plain")).greeting).toBe("hello, plain");
      const s = await secure.greetStream("s");
      expect(s.greetings).toHaveLength(3);
      const http = await curl(`http://127.0.0.1:${p.port}/fixture.v1.GreeterService/Greet`, {
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ name: "h1" }),
      });
      expect(JSON.parse(http.body.toString())).toEqual({ greeting: "hello, h1" });
    } finally {
      secure.close();
      cleartext.close();
      await p.close();
    }
  });

  it("200 TLS handshakes at once do not stall calls in progress", async () => {
    const p = await startContractProvider({ tls: serverTls });
    const client = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert });
    try {
      await client.greet("warm-up");
      let handshakesDone = 0;
      let callsDuringStorm = 0;
      let failures = 0;
      let storm = true;
      const calls = (async () => {
        while (storm) {
          try {
            await client.greet("busy");
            if (handshakesDone < 200) callsDuringStorm++;
          } catch {
            failures++;
          }
        }
      })();
      const results = await Promise.all(
        Array.from({ length: 200 }, () => handshake(p.port).finally(() => handshakesDone++)),
      );
      storm = false;
      await calls;
      expect(results.filter((r) => r.ok)).toHaveLength(200);
      expect(failures).toBe(0);
      // Calls kept completing while the handshakes were being done, not only after the last one.
      expect(callsDuringStorm).toBeGreaterThan(0);
    } finally {
      client.close();
      await p.close();
    }
  });
});

describe("provider TLS files at start-up", () => {
  const dir = join(pki.dir, "bad");
  mkdirSync(dir, { recursive: true });
  const garbage = join(dir, "garbage.pem");
  writeFileSync(garbage, "not a certificate\n");
  const expired = meshCa.issue("expired", {
    cn: "old",
    sans: SERVER_SANS,
    startDate: "20200101000000Z",
    endDate: "20210101000000Z",
  });
  const future = meshCa.issue("future", {
    cn: "new",
    sans: SERVER_SANS,
    startDate: "20990101000000Z",
    endDate: "21000101000000Z",
  });
  const locked = meshCa.issue("locked", { cn: "greeter", sans: SERVER_SANS, password: "s3cret" });

  const startWith = (tlsOptions: ServerTlsOptions) =>
    createProvider({ port: 0, host: "127.0.0.1", logger: silentLogger, tls: tlsOptions })
      .service(GreeterService, contractGreeter())
      .start();

  it.each([
    [
      "a missing certificate file",
      { ...serverTls, keyCertChainPath: join(dir, "nope.crt") },
      `dubbo.ssl.server-key-cert-chain-path "${join(dir, "nope.crt")}": no such file`,
    ],
    [
      "a directory instead of a key file",
      { ...serverTls, privateKeyPath: dir },
      `dubbo.ssl.server-private-key-path "${dir}": is a directory, not a file`,
    ],
    [
      "a file that is no certificate",
      { ...serverTls, keyCertChainPath: garbage },
      `dubbo.ssl.server-key-cert-chain-path "${garbage}": is not a PEM file with a certificate`,
    ],
    [
      "a key of another certificate",
      { ...serverTls, privateKeyPath: web.key },
      `dubbo.ssl.server-private-key-path "${web.key}": does not match the certificate of dubbo.ssl.server-key-cert-chain-path "${server.cert}"`,
    ],
    [
      "an expired certificate",
      { keyCertChainPath: expired.cert, privateKeyPath: expired.key },
      `dubbo.ssl.server-key-cert-chain-path "${expired.cert}": the certificate has expired (valid until 2021-01-01T00:00:00.000Z)`,
    ],
    [
      "a certificate not valid yet",
      { keyCertChainPath: future.cert, privateKeyPath: future.key },
      `dubbo.ssl.server-key-cert-chain-path "${future.cert}": the certificate is not valid yet (valid from 2099-01-01T00:00:00.000Z)`,
    ],
    [
      "an encrypted key without its password",
      { keyCertChainPath: locked.cert, privateKeyPath: locked.key },
      `dubbo.ssl.server-private-key-path "${locked.key}": is encrypted and dubbo.ssl.server-key-password is not set`,
    ],
    [
      "an encrypted key with a wrong password",
      { keyCertChainPath: locked.cert, privateKeyPath: locked.key, keyPassword: "guess" },
      `dubbo.ssl.server-private-key-path "${locked.key}": cannot be decrypted with dubbo.ssl.server-key-password`,
    ],
    [
      "a certificate without its key",
      { keyCertChainPath: server.cert },
      "dubbo.ssl.server-private-key-path: not set, but dubbo.ssl.server-key-cert-chain-path is",
    ],
    [
      "a missing trust collection",
      { ...serverTls, trustCertCollectionPath: join(dir, "ca.crt") },
      `dubbo.ssl.server-trust-cert-collection-path "${join(dir, "ca.crt")}": no such file`,
    ],
  ])("stops start-up on %s, naming the key, the file and the problem", async (_label, options, message) => {
    await expect(startWith(options)).rejects.toThrow(message);
  });

  it("starts with an encrypted key and its password", async () => {
    const p = await startContractProvider({
      tls: { keyCertChainPath: locked.cert, privateKeyPath: locked.key, keyPassword: "s3cret" },
    });
    const client = createGrpcJsGreeterClient(p.target, { cacert: meshCa.cert });
    try {
      expect((await client.greet("locked")).greeting).toBe("hello, locked");
    } finally {
      client.close();
      await p.close();
    }
  });
});

describe("dubbo() application with dubbo.ssl.* from the environment", () => {
  const env = (extra: Record<string, string>) => ({
    DUBBO_PROTOCOL_PORT: "0",
    DUBBO_PROTOCOL_HOST: "127.0.0.1",
    DUBBO_APPLICATION_QOS_ENABLE: "false",
    DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH: server.cert,
    DUBBO_SSL_SERVER_PRIVATE_KEY_PATH: server.key,
    ...extra,
  });

  it("serves mTLS on the protocol port", async () => {
    const app = dubbo({
      env: env({ DUBBO_SSL_SERVER_TRUST_CERT_COLLECTION_PATH: meshCa.cert }),
      logger: silentLogger,
      handleSignals: false,
    }).service(GreeterService, contractGreeter());
    const { protocolPort } = await app.start();
    const client = createGrpcJsGreeterClient(`127.0.0.1:${protocolPort}`, {
      cacert: meshCa.cert,
      cert: web.cert,
      key: web.key,
    });
    try {
      expect((await client.greet("app")).greeting).toBe("hello, app");
    } finally {
      client.close();
      await app.stop();
    }
  });

  it("stops start-up with one message naming the key, the file and the problem", async () => {
    const logger = createRecordingLogger();
    const app = dubbo({
      env: env({ DUBBO_SSL_SERVER_PRIVATE_KEY_PATH: web.key }),
      logger,
      handleSignals: false,
    }).service(GreeterService, contractGreeter());
    const message = `dubbo.ssl.server-private-key-path "${web.key}": does not match the certificate of dubbo.ssl.server-key-cert-chain-path "${server.cert}"`;
    await expect(app.start()).rejects.toThrow(message);
    expect((await logger.waitFor("application-start-failed")).error).toBe(message);
  });
});

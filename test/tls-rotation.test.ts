import { X509Certificate } from "node:crypto";
import { copyFileSync, mkdirSync, renameSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import * as tls from "node:tls";
import type { HandlerContext } from "@connectrpc/connect";
import { createConsumer } from "@dubbo-mesh/consumer";
import { callInfo } from "@dubbo-mesh/provider";
import { afterAll, describe, expect, it } from "vitest";
import { createGrpcJsGreeterClient } from "./peers/grpc-js-client.js";
import { GreeterService } from "./support/greeter-proto.js";
import { connectH2, grpcFrame, grpcStatus, h2Request } from "./support/raw-http.js";
import { createRecordingLogger } from "./support/recording-logger.js";
import { startContractProvider } from "./support/start-provider.js";
import { createTestPki, type IssuedCert, pem, SERVER_SANS } from "./support/test-pki.js";

const pki = createTestPki();
afterAll(() => pki.remove());
const ca = pki.ca("mesh-ca");
const first = ca.issue("first", { cn: "greeter", sans: SERVER_SANS });
const second = ca.issue("second", { cn: "greeter", sans: SERVER_SANS });
const expired = ca.issue("expired", {
  cn: "greeter",
  sans: SERVER_SANS,
  startDate: "20200101000000Z",
  endDate: "20210101000000Z",
});
const other = ca.issue("other", { cn: "other", sans: SERVER_SANS });
const webV1 = ca.issue("web-v1", { cn: "web", sans: ["URI:spiffe://cluster.local/ns/default/sa/web-v1"] });
const webV2 = ca.issue("web-v2", { cn: "web", sans: ["URI:spiffe://cluster.local/ns/default/sa/web-v2"] });

/**
 * A directory laid out as Kubernetes mounts a Secret: `tls.crt` and `tls.key` are symlinks into `..data`, itself a
 * symlink to a timestamped directory; an update writes a new directory and swaps `..data` in one rename.
 */
function secretVolume(dir: string) {
  mkdirSync(dir, { recursive: true });
  let version = 0;
  const publish = (cert: string, key: string) => {
    const revision = `..rev${++version}`;
    mkdirSync(join(dir, revision));
    copyFileSync(cert, join(dir, revision, "tls.crt"));
    copyFileSync(key, join(dir, revision, "tls.key"));
    symlinkSync(revision, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  };
  return {
    cert: join(dir, "tls.crt"),
    key: join(dir, "tls.key"),
    init(pair: IssuedCert) {
      publish(pair.cert, pair.key);
      symlinkSync("..data/tls.crt", join(dir, "tls.crt"));
      symlinkSync("..data/tls.key", join(dir, "tls.key"));
    },
    update: (pair: IssuedCert | { cert: string; key: string }) => publish(pair.cert, pair.key),
  };
}

/** The fingerprint of the certificate a new connection is served. */
function servedFingerprint(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: "127.0.0.1", port, servername: "localhost", ca: [pem(ca.cert)] });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerX509Certificate()?.fingerprint256 ?? "");
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

async function servedEventually(port: number, fingerprint: string): Promise<void> {
  while ((await servedFingerprint(port)) !== fingerprint) await new Promise((r) => setImmediate(r));
}

const fingerprintOf = (pair: IssuedCert) => new X509Certificate(pem(pair.cert)).fingerprint256;

describe("certificate rotation without restart", () => {
  it("new connections get the new certificate, open ones go on, bad files are refused loudly: zero failed calls", async () => {
    const volume = secretVolume(join(pki.dir, "secret"));
    volume.init(first);
    const logger = createRecordingLogger();
    const p = await startContractProvider({
      tls: { keyCertChainPath: volume.cert, privateKeyPath: volume.key },
      logger,
    });
    const consumer = createConsumer({ env: {}, tls: { trustCertCollectionPath: ca.cert }, timeout: 5000 });
    const steady = consumer.reference(GreeterService, { url: `localhost:${p.port}` });
    const open = await connectH2(`https://localhost:${p.port}`, { ca: pem(ca.cert) });
    const healthCheck = () =>
      h2Request(open, {
        path: "/grpc.health.v1.Health/Check",
        headers: { "content-type": "application/grpc", te: "trailers" },
        body: grpcFrame(new Uint8Array()),
      });
    let load = true;
    let ok = 0;
    const failures: unknown[] = [];
    const loops = [
      // Calls on long-lived connections...
      ...Array.from({ length: 4 }, async () => {
        while (load) {
          await steady.greet({ name: "steady" }).then(
            () => ok++,
            (e) => failures.push(e),
          );
        }
      }),
      // ...and a new connection (a new handshake) for every call.
      (async () => {
        while (load) {
          const fresh = createGrpcJsGreeterClient(`127.0.0.1:${p.port}`, { cacert: ca.cert, servername: "localhost" });
          await fresh.greet("fresh").then(
            () => ok++,
            (e) => failures.push(e),
          );
          fresh.close();
        }
      })(),
    ];
    try {
      expect(await servedFingerprint(p.port)).toBe(fingerprintOf(first));
      // The session opened before the rotation: one TLS connection, made with the first certificate.
      expect((open.socket as tls.TLSSocket).getPeerX509Certificate()?.fingerprint256).toBe(fingerprintOf(first));

      volume.update(second);
      await logger.waitFor("tls-reloaded", (e) => e.fingerprint256 === fingerprintOf(second));
      await servedEventually(p.port, fingerprintOf(second));
      // The connection opened before the rotation still serves calls (an HTTP/2 session never reconnects).
      expect(grpcStatus(await healthCheck())).toBe(0);
      expect(open.closed || open.destroyed).toBe(false);

      volume.update(expired);
      const rejected = await logger.waitFor("tls-reload-rejected");
      expect(rejected.level).toBe("error");
      expect(rejected.error).toContain("the certificate has expired");
      expect(await servedFingerprint(p.port)).toBe(fingerprintOf(second));

      volume.update({ cert: other.cert, key: first.key });
      await logger.waitFor("tls-reload-rejected", (e) => String(e.error).includes("does not match the certificate"));
      expect(await servedFingerprint(p.port)).toBe(fingerprintOf(second));

      volume.update(first);
      await servedEventually(p.port, fingerprintOf(first));
    } finally {
      load = false;
      await Promise.all(loops);
      open.close();
      consumer.close();
      await p.close();
    }
    expect(failures).toEqual([]);
    expect(ok).toBeGreaterThan(0);
  });
});

describe("client certificate rotation without restart", () => {
  it("the consumer's new connections present the renewed client certificate; no call fails", async () => {
    const volume = secretVolume(join(pki.dir, "client-secret"));
    volume.init(webV1);
    const logger = createRecordingLogger();
    // Connections turn over every ~300 ms (max connection age), so new ones keep being made under load.
    const p = await startContractProvider(
      {
        tls: { keyCertChainPath: first.cert, privateKeyPath: first.key, trustCertCollectionPath: ca.cert },
        maxConnectionAge: 300,
        maxConnectionAgeGrace: 5000,
      },
      (provider) =>
        provider.service(GreeterService, {
          async greet(_req: unknown, ctx: HandlerContext) {
            return { greeting: callInfo(ctx).peer?.spiffeId ?? "nobody" };
          },
        }),
    );
    const consumer = createConsumer({
      env: {},
      logger,
      timeout: 5000,
      tls: { trustCertCollectionPath: ca.cert, keyCertChainPath: volume.cert, privateKeyPath: volume.key },
    });
    const greeter = consumer.reference(GreeterService, { url: `localhost:${p.port}` });
    const failures: unknown[] = [];
    const call = () =>
      greeter.greet({ name: "x" }).then(
        (r) => r.greeting,
        (e) => {
          failures.push(e);
          return "failed";
        },
      );
    try {
      expect(await call()).toBe("spiffe://cluster.local/ns/default/sa/web-v1");
      volume.update(webV2);
      await logger.waitFor("tls-reloaded", (e) => e.side === "client");
      while ((await call()) !== "spiffe://cluster.local/ns/default/sa/web-v2") {
        // calls go on over the old connection until the provider ages it out and the consumer reconnects
      }
    } finally {
      consumer.close();
      await p.close();
    }
    expect(failures).toEqual([]);
  });
});

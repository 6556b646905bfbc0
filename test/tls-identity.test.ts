import type { HandlerContext, Interceptor } from "@connectrpc/connect";
import { callInfo, type ServerTlsOptions } from "@dubbo-mesh/provider";
import { afterAll, describe, expect, it } from "vitest";
import { createGrpcJsGreeterClient } from "./peers/grpc-js-client.js";
import { pythonTlsArgs } from "./peers/peer-tls.js";
import { runPython } from "./peers/python-peer.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService, type GreetRequest } from "./support/greeter-proto.js";
import { rejection } from "./support/grpc-expect.js";
import { curl } from "./support/raw-http.js";
import { startContractProvider } from "./support/start-provider.js";
import { createTestPki, SERVER_SANS } from "./support/test-pki.js";

const pki = createTestPki();
afterAll(() => pki.remove());
const ca = pki.ca("mesh-ca");
const server = ca.issue("greeter", { cn: "greeter", sans: SERVER_SANS });
const web = ca.issue("web", {
  cn: "web",
  sans: ["URI:spiffe://cluster.local/ns/default/sa/web", "DNS:web.default.svc.cluster.local"],
});
const batch = ca.issue("batch", { cn: "batch", sans: ["URI:spiffe://cluster.local/ns/jobs/sa/batch"] });
const partner = ca.issue("partner", { cn: "partner", sans: ["URI:spiffe://partner.example/ns/x/sa/y"] });
const mutual: ServerTlsOptions = {
  keyCertChainPath: server.cert,
  privateKeyPath: server.key,
  trustCertCollectionPath: ca.cert,
};

/** A greeter whose Greet answers with who called, as the handler sees it through the call context. */
function whoAmI() {
  return {
    ...contractGreeter(),
    async greet(req: GreetRequest, ctx: HandlerContext) {
      const info = callInfo(ctx);
      const peer = info.peer;
      return {
        greeting: [req.name, info.secure, peer?.spiffeId, peer?.dnsNames.join("+"), peer?.subject].join("|"),
      };
    },
  };
}

const passThrough: Interceptor = (next) => (req) => next(req);

describe.each([
  ["gRPC engine", [] as Interceptor[]],
  ["gRPC engine under an interceptor (connect's plain context)", [passThrough]],
])("peer identity and authorization (%s)", (_path, interceptors) => {
  it("the handler sees the verified client identity: SPIFFE ID, DNS SANs, subject", async () => {
    const p = await startContractProvider({ tls: mutual, interceptors }, (provider) =>
      provider.service(GreeterService, whoAmI()),
    );
    const client = createGrpcJsGreeterClient(p.target, { cacert: ca.cert, cert: web.cert, key: web.key });
    try {
      expect((await client.greet("me")).greeting).toBe(
        "me|true|spiffe://cluster.local/ns/default/sa/web|web.default.svc.cluster.local|CN=web",
      );
    } finally {
      client.close();
      await p.close();
    }
  });

  it("authorization lets allowed principals and trust domains in and answers others PERMISSION_DENIED", async () => {
    const p = await startContractProvider({ tls: mutual, interceptors }, (provider) =>
      provider.service(GreeterService, contractGreeter(), {
        authorization: { principals: ["cluster.local/ns/default/*"], trustDomains: ["partner.example"] },
      }),
    );
    const clients = {
      web: createGrpcJsGreeterClient(p.target, { cacert: ca.cert, cert: web.cert, key: web.key }),
      partner: createGrpcJsGreeterClient(p.target, { cacert: ca.cert, cert: partner.cert, key: partner.key }),
      batch: createGrpcJsGreeterClient(p.target, { cacert: ca.cert, cert: batch.cert, key: batch.key }),
    };
    try {
      expect((await clients.web.greet("w")).greeting).toBe("hello, w");
      expect((await clients.partner.greet("p")).greeting).toBe("hello, p");
      const denied = await rejection(clients.batch.greet("b"));
      expect(denied.code).toBe(7);
      // connect's encoder percent-encodes ':' and '/' in grpc-message and grpc-js decodes it with decodeURI, which
      // leaves those escaped: decode here what a grpc-go or grpcio client would show.
      expect(decodeURIComponent(denied.details)).toBe(
        "spiffe://cluster.local/ns/jobs/sa/batch may not call fixture.v1.GreeterService",
      );
      // Every call kind is checked, not only unary.
      expect((await rejection(clients.batch.greetStream("b"))).code).toBe(7);
      expect((await rejection(clients.batch.greetBidi(["b"]))).code).toBe(7);
      expect((await rejection(clients.batch.greetClientStream(["b"]))).code).toBe(7);
      expect((await clients.web.greetBidi(["x"])).greetings).toEqual(["hello, x"]);
      // Health is not behind the service's rule.
      const health = await runPython("health_client.py", [
        p.target,
        "check",
        "",
        ...pythonTlsArgs({ cacert: ca.cert, cert: batch.cert, key: batch.key }),
      ]);
      expect(health.json).toEqual({ status: "SERVING" });
    } finally {
      for (const c of Object.values(clients)) c.close();
      await p.close();
    }
  });
});

describe("authorization over HTTP/1.1 and permissive cleartext", () => {
  it("Triple over HTTPS/1.1 carries the client certificate's identity; cleartext callers are denied", async () => {
    const p = await startContractProvider({ tls: { ...mutual, permissive: true } }, (provider) =>
      provider.service(GreeterService, contractGreeter(), {
        authorization: { principals: ["spiffe://cluster.local/ns/default/sa/web"] },
      }),
    );
    const json = { "content-type": "application/json" };
    try {
      const allowed = await curl(`https://localhost:${p.port}/fixture.v1.GreeterService/Greet`, {
        headers: json,
        body: JSON.stringify({ name: "curl" }),
        args: ["--cacert", ca.cert, "--cert", web.cert, "--key", web.key],
      });
      expect(JSON.parse(allowed.body.toString())).toEqual({ greeting: "hello, curl" });
      const denied = await curl(`https://localhost:${p.port}/fixture.v1.GreeterService/Greet`, {
        headers: json,
        body: JSON.stringify({ name: "curl" }),
        args: ["--cacert", ca.cert, "--cert", batch.cert, "--key", batch.key],
      });
      expect(denied.status).toBe(403);
      expect(JSON.parse(denied.body.toString()).code).toBe("permission_denied");
      const cleartext = createGrpcJsGreeterClient(p.target);
      try {
        const e = await rejection(cleartext.greet("plain"));
        expect(e.code).toBe(7);
        expect(e.details).toBe("a caller without a verified client certificate may not call fixture.v1.GreeterService");
      } finally {
        cleartext.close();
      }
    } finally {
      await p.close();
    }
  });
});

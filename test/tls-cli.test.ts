import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "./peers/protos.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";
import { createTestPki, SERVER_SANS } from "./support/test-pki.js";

const bin = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const GREET = "fixture.v1.GreeterService/Greet";

async function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [bin, ...args], { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

const pki = createTestPki();
const ca = pki.ca("mesh-ca");
const server = ca.issue("greeter", { cn: "greeter", sans: SERVER_SANS });
const web = ca.issue("web", { cn: "web", sans: ["URI:spiffe://cluster.local/ns/default/sa/web"] });
let provider: TestProvider;
beforeAll(async () => {
  provider = await startContractProvider({
    tls: { keyCertChainPath: server.cert, privateKeyPath: server.key, trustCertCollectionPath: ca.cert },
  });
});
afterAll(async () => {
  await provider?.close();
  pki.remove();
});

describe("dubbo-mesh invoke and health over mTLS (grpcurl's flags)", () => {
  const mtls = () => ["--cacert", ca.cert, "--cert", web.cert, "--key", web.key];

  it("invoke learns the schema through reflection over mTLS and calls gRPC and Triple HTTP/1.1", async () => {
    const grpcCall = await cli(["invoke", `localhost:${provider.port}`, GREET, '{"name":"tls"}', ...mtls()]);
    expect(grpcCall.stderr).toBe("");
    expect(JSON.parse(grpcCall.stdout)).toEqual({ greeting: "hello, tls" });
    const triple = await cli(["invoke", `localhost:${provider.port}`, GREET, '{"name":"h1"}', "--http1", ...mtls()]);
    expect(JSON.parse(triple.stdout)).toEqual({ greeting: "hello, h1" });
    // --servername: the certificate is checked against the mesh name while the target is the IP.
    const named = await cli([
      "invoke",
      provider.target,
      GREET,
      '{"name":"sni"}',
      ...mtls(),
      "--servername",
      "greeter.default.svc.cluster.local",
    ]);
    expect(JSON.parse(named.stdout)).toEqual({ greeting: "hello, sni" });
  });

  it("health exits 0 SERVING over mTLS; without TLS or a client certificate the check fails (exit 2)", async () => {
    const ok = await cli(["health", `localhost:${provider.port}`, ...mtls()]);
    expect(ok.stdout.trim()).toBe("SERVING");
    expect(ok.code).toBe(0);
    const cleartext = await cli(["health", `localhost:${provider.port}`]);
    expect(cleartext.code).toBe(2);
    expect(JSON.parse(cleartext.stderr).code).toBe("Unavailable");
    const noCert = await cli(["health", `localhost:${provider.port}`, "--cacert", ca.cert]);
    expect(noCert.code).toBe(2);
    const wrongName = await cli(["health", provider.target, ...mtls(), "--servername", "other.example"]);
    expect(wrongName.code).toBe(2);
    expect(wrongName.stderr).toContain("other.example");
  });

  it("bad TLS flags are usage errors naming the flag and the file", async () => {
    const lonely = await cli(["health", provider.target, "--cert", web.cert]);
    expect(lonely.code).toBe(2);
    expect(lonely.stderr).toContain("--cert and --key go together");
    const missing = await cli(["invoke", provider.target, GREET, "--cacert", `${pki.dir}/nope.crt`]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain(`--cacert "${pki.dir}/nope.crt": no such file`);
  });
});

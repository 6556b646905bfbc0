import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { generateManifests, ManifestOptionError, renderManifests, TLS_MOUNT_PATH } from "@dubbo-mesh/cli";
import { meshAddress } from "@dubbo-mesh/consumer";
import { loadConfig } from "@dubbo-mesh/runtime";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

const base = { app: "greeter-provider", image: "dubbo-mesh/greeter-provider:0.1.0", namespace: "demo" };

/** The container env of the Deployment as name -> value. */
function envOf(models: ReturnType<typeof generateManifests>): Record<string, string> {
  const deployment = models.find((m) => m.kind === "Deployment") as unknown as {
    spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
  };
  const env = deployment.spec.template.spec.containers[0]?.env ?? [];
  return Object.fromEntries(env.filter((e) => e.value !== undefined).map((e) => [e.name, e.value as string]));
}

describe("manifests with a TLS Secret (proxyless mTLS)", () => {
  it("a cert-manager Certificate for the mesh name and SPIFFE ID, the Secret mounted whole, DUBBO_SSL_* into it", () => {
    const models = generateManifests({
      ...base,
      tls: { secretName: "greeter-tls", issuer: { kind: "ClusterIssuer", name: "mesh-ca" } },
    });
    for (const m of models) m.validate();
    const certificate = models.find((m) => m.kind === "Certificate") as unknown as {
      spec: { secretName: string; dnsNames: string[]; uris: string[]; usages: string[]; issuerRef: object };
    };
    // The name a consumer's providedBy dials is the name the certificate carries, so verification passes.
    expect(certificate.spec.dnsNames).toContain(
      meshAddress({ providedBy: "greeter-provider" }, { POD_NAMESPACE: "demo" }).host,
    );
    expect(certificate.spec.uris).toEqual(["spiffe://cluster.local/ns/demo/sa/greeter-provider"]);
    expect(certificate.spec.usages).toEqual(expect.arrayContaining(["server auth", "client auth"]));
    expect(certificate.spec.secretName).toBe("greeter-tls");
    const pod = (
      models.find((m) => m.kind === "Deployment") as unknown as {
        spec: { template: { spec: { volumes: object[]; containers: { volumeMounts: object[] }[] } } };
      }
    ).spec.template.spec;
    expect(pod.volumes).toEqual([{ name: "tls", secret: { secretName: "greeter-tls" } }]);
    // A whole-volume mount (no subPath): Kubernetes' Secret updates reach the files, and the provider rotates.
    expect(pod.containers[0]?.volumeMounts).toEqual([{ name: "tls", mountPath: TLS_MOUNT_PATH, readOnly: true }]);
    // What the env sets is what the application's config loader reads.
    const { ssl } = loadConfig({ env: envOf(models), cwd: "/" }).values;
    expect(ssl).toMatchObject({
      serverKeyCertChainPath: `${TLS_MOUNT_PATH}/tls.crt`,
      serverPrivateKeyPath: `${TLS_MOUNT_PATH}/tls.key`,
      serverTrustCertCollectionPath: `${TLS_MOUNT_PATH}/ca.crt`,
      clientTrustCertCollectionPath: `${TLS_MOUNT_PATH}/ca.crt`,
      clientKeyCertChainPath: `${TLS_MOUNT_PATH}/tls.crt`,
    });
    const yaml = parseAllDocuments(
      renderManifests({ ...base, tls: { secretName: "greeter-tls", issuer: { kind: "Issuer", name: "ca" } } }),
    );
    expect(yaml.map((d) => d.get("kind"))).toContain("Certificate");
  });

  it("a plain Secret: no Certificate; server-only TLS; a consumer gets only the client keys", () => {
    const plain = generateManifests({ ...base, tls: { secretName: "tls", mutual: false } });
    expect(plain.map((m) => m.kind)).not.toContain("Certificate");
    expect(envOf(plain).DUBBO_SSL_SERVER_TRUST_CERT_COLLECTION_PATH).toBeUndefined();
    expect(envOf(plain).DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH).toBe(`${TLS_MOUNT_PATH}/tls.crt`);
    const consumer = envOf(
      generateManifests({ ...base, app: "web", role: "consumer", tls: { secretName: "web-tls" } }),
    );
    expect(consumer.DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH).toBeUndefined();
    expect(consumer.DUBBO_SSL_CLIENT_PRIVATE_KEY_PATH).toBe(`${TLS_MOUNT_PATH}/tls.key`);
  });

  it("refuses TLS together with Istio, and bad names", () => {
    expect(() => generateManifests({ ...base, istio: true, tls: { secretName: "tls" } })).toThrow(ManifestOptionError);
    expect(() => generateManifests({ ...base, istio: true, tls: { secretName: "tls" } })).toThrow(/sidecars do mTLS/);
    expect(() => generateManifests({ ...base, tls: { secretName: "Bad_Name" } })).toThrow(/tls\.secretName/);
  });
});

describe("dubbo-mesh manifests --tls-secret --cert-issuer", () => {
  const bin = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
  const run = (args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, [bin, "manifests", ...args], (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
      ),
    );

  it("prints the Certificate and the TLS wiring; bad flag values exit 2 naming the flag", async () => {
    const ok = await run([
      "--app",
      "greeter",
      "--image",
      "g:1",
      "--tls-secret",
      "greeter-tls",
      "--cert-issuer",
      "ClusterIssuer/mesh-ca",
    ]);
    expect(ok.code).toBe(0);
    const kinds = parseAllDocuments(ok.stdout).map((d) => d.get("kind"));
    expect(kinds).toEqual(["Namespace", "ServiceAccount", "Certificate", "Service", "Deployment"]);
    expect(ok.stdout).toContain("DUBBO_SSL_SERVER_TRUST_CERT_COLLECTION_PATH");
    const badIssuer = await run(["--app", "g", "--image", "g:1", "--tls-secret", "t", "--cert-issuer", "mesh-ca"]);
    expect(badIssuer.code).toBe(2);
    expect(badIssuer.stderr).toContain("--cert-issuer expects ClusterIssuer/<name> or Issuer/<name>");
    const orphan = await run(["--app", "g", "--image", "g:1", "--tls-server-only"]);
    expect(orphan.code).toBe(2);
  });
});

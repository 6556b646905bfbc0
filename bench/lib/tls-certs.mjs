/**
 * Certificates of the TLS rows, made with openssl at the start of a run into the run's temporary directory: a CA and
 * a server certificate it signs for `localhost` / 127.0.0.1 (SAN DNS:localhost, IP:127.0.0.1), both ECDSA P-256
 * (what SPIFFE/Istio-style workload certificates use; an RSA-2048 key would add the same ~1 ms of signing to every
 * server's handshake). The servers read the provider's own env keys (`DUBBO_SSL_SERVER_*`), so the greeter
 * application takes them as a deployment would; the bench's other servers read the same two variables.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

function openssl(args) {
  execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * Writes `ca.crt`, `server.crt`, `server.key` into `dir` and returns `{ caPath, certPath, keyPath, ca, serverEnv }`
 * (`ca`: the CA certificate's PEM; `serverEnv`: the environment that makes a bench server serve TLS).
 */
export function makeTlsCertificates(dir) {
  const caKey = join(dir, "ca.key");
  const caPath = join(dir, "ca.crt");
  const keyPath = join(dir, "server.key");
  const csr = join(dir, "server.csr");
  const certPath = join(dir, "server.crt");
  const ext = join(dir, "server.ext");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  openssl(["req", "-x509", ...ec, "-keyout", caKey, "-out", caPath, "-days", "2", "-subj", "/CN=dubbo-mesh bench CA"]);
  openssl(["req", ...ec, "-keyout", keyPath, "-out", csr, "-subj", "/CN=localhost"]);
  writeFileSync(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  openssl(
    ["x509", "-req", "-in", csr, "-CA", caPath, "-CAkey", caKey, "-CAcreateserial", "-days", "2"].concat([
      "-extfile",
      ext,
      "-out",
      certPath,
    ]),
  );
  return {
    caPath,
    certPath,
    keyPath,
    ca: readFileSync(caPath),
    serverEnv: { DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH: certPath, DUBBO_SSL_SERVER_PRIVATE_KEY_PATH: keyPath },
  };
}

/**
 * In a bench server process: `{ key, cert }` (PEM) when the runner asked it to serve TLS (`DUBBO_SSL_SERVER_*` set),
 * else undefined.
 */
export function serverTlsFromEnv(env = process.env) {
  const certPath = env.DUBBO_SSL_SERVER_KEY_CERT_CHAIN_PATH;
  const keyPath = env.DUBBO_SSL_SERVER_PRIVATE_KEY_PATH;
  if (!certPath || !keyPath) return undefined;
  return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

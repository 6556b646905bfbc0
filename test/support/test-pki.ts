import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A key pair issued by a test CA: PEM file paths. */
export interface IssuedCert {
  readonly cert: string;
  readonly key: string;
}

/** What `issue` needs: the names, and optionally a validity window other than "now until tomorrow". */
export interface IssueOptions {
  /** Subject common name. */
  cn: string;
  /** subjectAltName entries, e.g. `["DNS:localhost", "IP:127.0.0.1", "URI:spiffe://cluster.local/ns/a/sa/b"]`. */
  sans?: readonly string[];
  /** openssl ca dates, `YYYYMMDDHHMMSSZ`; default valid from now for 2 days. */
  startDate?: string;
  endDate?: string;
  /** Encrypt the private key (PKCS#8, AES-256) with this password. */
  password?: string;
}

/** A certificate authority made for one test run. */
export interface TestCa {
  /** Its certificate, the trust collection that verifies what it issues. */
  readonly cert: string;
  /** Issues a certificate for `options` into a new pair of files named after `name`. */
  issue(name: string, options: IssueOptions): IssuedCert;
}

/** A temporary directory of test CAs, made with Debian's openssl. */
export interface TestPki {
  readonly dir: string;
  /** Makes a new CA (a self-signed certificate with CA:TRUE). */
  ca(name: string): TestCa;
  /** Removes the directory. */
  remove(): void;
}

/** SANs of the test server certificates: the loopback names and the mesh name of a `greeter` provider. */
export const SERVER_SANS = [
  "DNS:localhost",
  "DNS:greeter.default.svc.cluster.local",
  "IP:127.0.0.1",
  "URI:spiffe://cluster.local/ns/default/sa/greeter",
];

function openssl(args: string[], cwd: string): void {
  execFileSync("openssl", args, { cwd, stdio: ["ignore", "ignore", "pipe"] });
}

/** Creates an empty test PKI in a new temporary directory. EC P-256 keys: fast to make and to handshake. */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "dubbo-tls-"));
  return {
    dir,
    remove: () => rmSync(dir, { recursive: true, force: true }),
    ca(name) {
      const caDir = join(dir, name);
      mkdirSync(join(caDir, "new"), { recursive: true });
      writeFileSync(join(caDir, "index.txt"), "");
      writeFileSync(join(caDir, "serial"), `${Date.now().toString(16).padStart(16, "0")}\n`);
      writeFileSync(
        join(caDir, "ca.cnf"),
        [
          "[ca]",
          "default_ca = test",
          "[test]",
          `dir = ${caDir}`,
          `database = ${caDir}/index.txt`,
          `new_certs_dir = ${caDir}/new`,
          `serial = ${caDir}/serial`,
          "default_md = sha256",
          "policy = any",
          "unique_subject = no",
          "[any]",
          "commonName = supplied",
          "",
        ].join("\n"),
      );
      const caKey = join(caDir, "ca.key");
      const caCert = join(caDir, "ca.crt");
      openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", caKey], caDir);
      openssl(
        [
          "req",
          "-x509",
          "-new",
          "-key",
          caKey,
          "-subj",
          `/CN=${name}`,
          "-days",
          "3",
          "-addext",
          "basicConstraints=critical,CA:TRUE",
          "-addext",
          "keyUsage=critical,keyCertSign,cRLSign",
          "-out",
          caCert,
        ],
        caDir,
      );
      return {
        cert: caCert,
        issue(certName, options) {
          const key = join(caDir, `${certName}.key`);
          const csr = join(caDir, `${certName}.csr`);
          const cert = join(caDir, `${certName}.crt`);
          const ext = join(caDir, `${certName}.ext`);
          openssl(["ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", `${key}.ec`], caDir);
          if (options.password === undefined) {
            openssl(["pkcs8", "-topk8", "-nocrypt", "-in", `${key}.ec`, "-out", key], caDir);
          } else {
            const pass = `pass:${options.password}`;
            openssl(
              ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", `${key}.ec`, "-out", key, "-passout", pass],
              caDir,
            );
          }
          openssl(["req", "-new", "-key", `${key}.ec`, "-subj", `/CN=${options.cn}`, "-out", csr], caDir);
          const lines = ["[ext]", "basicConstraints = CA:FALSE", "keyUsage = critical,digitalSignature"];
          lines.push("extendedKeyUsage = serverAuth,clientAuth");
          if (options.sans && options.sans.length > 0) lines.push(`subjectAltName = ${options.sans.join(",")}`);
          writeFileSync(ext, `${lines.join("\n")}\n`);
          const dates =
            options.startDate !== undefined && options.endDate !== undefined
              ? ["-startdate", options.startDate, "-enddate", options.endDate]
              : ["-days", "2"];
          openssl(
            [
              "ca",
              "-batch",
              "-notext",
              "-config",
              join(caDir, "ca.cnf"),
              "-cert",
              caCert,
              "-keyfile",
              caKey,
              "-in",
              csr,
              "-out",
              cert,
              "-extfile",
              ext,
              "-extensions",
              "ext",
              ...dates,
            ],
            caDir,
          );
          return { cert, key };
        },
      };
    },
  };
}

/** Reads a PEM file as a Buffer (for grpc-js credentials). */
export function pem(path: string): Buffer {
  return readFileSync(path);
}

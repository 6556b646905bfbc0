import { createPrivateKey, type KeyObject, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { errorMessage } from "../error-message.js";
import { TlsFileError } from "./tls-file-error.js";

/**
 * The files of one side's TLS, as Dubbo Java's `SslConfig` names them (`dubbo.ssl.<side>-...`): a certificate chain
 * and its private key (optionally encrypted with a password), and a collection of trusted CA certificates.
 */
export interface TlsFiles {
  /** PEM certificate chain, leaf first (`dubbo.ssl.<side>-key-cert-chain-path`). */
  keyCertChainPath?: string;
  /** PEM private key of the leaf, PKCS#8 or traditional, maybe encrypted (`dubbo.ssl.<side>-private-key-path`). */
  privateKeyPath?: string;
  /** Password of an encrypted private key (`dubbo.ssl.<side>-key-password`). */
  keyPassword?: string;
  /** PEM CA certificates to verify the peer with (`dubbo.ssl.<side>-trust-cert-collection-path`). */
  trustCertCollectionPath?: string;
}

/** Which side's keys a `TlsFiles` is, for the key names in messages. */
export type TlsSide = "server" | "client";

/** The configuration key of a `TlsFiles` field on a side, e.g. `dubbo.ssl.server-private-key-path`. */
export function tlsKeyName(side: TlsSide, field: keyof TlsFiles): string {
  const suffix = {
    keyCertChainPath: "key-cert-chain-path",
    privateKeyPath: "private-key-path",
    keyPassword: "key-password",
    trustCertCollectionPath: "trust-cert-collection-path",
  }[field];
  return `dubbo.ssl.${side}-${suffix}`;
}

/** TLS files read and checked: what `node:tls` needs, plus the leaf certificate for validity and identity. */
export interface TlsMaterial {
  /** The certificate chain as read (PEM). Undefined when no key pair is configured. */
  readonly cert: Buffer | undefined;
  /** The private key as read (PEM). */
  readonly key: Buffer | undefined;
  readonly passphrase: string | undefined;
  /** The trusted CA certificates as read (PEM); undefined = not configured. */
  readonly ca: Buffer | undefined;
  /** The parsed leaf certificate of `cert`. */
  readonly leaf: X509Certificate | undefined;
  /** The raw bytes of every file read, in a fixed order, to tell whether anything changed. */
  readonly fingerprint: string;
}

/**
 * Reads and checks one side's TLS files: every path set must be a readable PEM file; a chain needs its key and the
 * other way round; the key must open with the password and match the leaf certificate; the leaf must be valid at
 * `now` (not expired, not yet valid); the trust collection must hold at least one certificate. Throws a
 * `TlsFileError` naming the key, the file and the problem.
 */
export function loadTlsMaterial(side: TlsSide, files: TlsFiles, now: Date = new Date()): TlsMaterial {
  const name = (field: keyof TlsFiles) => tlsKeyName(side, field);
  const { keyCertChainPath: certPath, privateKeyPath: keyPath } = files;
  if (certPath !== undefined && keyPath === undefined) {
    throw new TlsFileError(name("privateKeyPath"), undefined, `not set, but ${name("keyCertChainPath")} is`);
  }
  if (keyPath !== undefined && certPath === undefined) {
    throw new TlsFileError(name("keyCertChainPath"), undefined, `not set, but ${name("privateKeyPath")} is`);
  }
  let cert: Buffer | undefined;
  let key: Buffer | undefined;
  let leaf: X509Certificate | undefined;
  if (certPath !== undefined && keyPath !== undefined) {
    cert = readPem(name("keyCertChainPath"), certPath, "CERTIFICATE");
    key = readPem(name("privateKeyPath"), keyPath, "PRIVATE KEY");
    leaf = parseCertificate(name("keyCertChainPath"), certPath, cert);
    const privateKey = parseKey(name("privateKeyPath"), keyPath, key, files.keyPassword, name("keyPassword"));
    if (!leaf.checkPrivateKey(privateKey)) {
      throw new TlsFileError(
        name("privateKeyPath"),
        keyPath,
        `does not match the certificate of ${name("keyCertChainPath")} ${JSON.stringify(certPath)}`,
      );
    }
    checkValidity(name("keyCertChainPath"), certPath, leaf, now);
  }
  let ca: Buffer | undefined;
  const caPath = files.trustCertCollectionPath;
  if (caPath !== undefined) {
    ca = readPem(name("trustCertCollectionPath"), caPath, "CERTIFICATE");
    parseCertificate(name("trustCertCollectionPath"), caPath, ca);
  }
  const fingerprint = [cert, key, ca].map((b) => b?.toString("base64") ?? "").join("|");
  return { cert, key, passphrase: files.keyPassword, ca, leaf, fingerprint };
}

/** The paths of the files a `TlsFiles` names, for watching. */
export function tlsFilePaths(files: TlsFiles): string[] {
  return [files.keyCertChainPath, files.privateKeyPath, files.trustCertCollectionPath].filter(
    (p): p is string => p !== undefined,
  );
}

function readPem(key: string, path: string, label: "CERTIFICATE" | "PRIVATE KEY"): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES" || code === "EPERM"
          ? "not readable (permission denied)"
          : code === "EISDIR"
            ? "is a directory, not a file"
            : `cannot be read (${code ?? String(e)})`;
    throw new TlsFileError(key, path, problem);
  }
  const text = bytes.toString("latin1");
  const found = label === "CERTIFICATE" ? /-----BEGIN CERTIFICATE-----/ : /-----BEGIN [A-Z ]*PRIVATE KEY-----/;
  if (!found.test(text)) {
    throw new TlsFileError(
      key,
      path,
      bytes.length === 0 ? "is empty" : `is not a PEM file with a ${label.toLowerCase()} (no -----BEGIN ${label}-----)`,
    );
  }
  return bytes;
}

function parseCertificate(key: string, path: string, pem: Buffer): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (e) {
    throw new TlsFileError(key, path, `holds no valid certificate (${errorMessage(e)})`);
  }
}

function parseKey(
  key: string,
  path: string,
  pem: Buffer,
  passphrase: string | undefined,
  passwordKey: string,
): KeyObject {
  const text = pem.toString("latin1");
  if (passphrase === undefined && /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new TlsFileError(key, path, `is encrypted and ${passwordKey} is not set`);
  }
  try {
    return createPrivateKey(passphrase === undefined ? { key: pem } : { key: pem, passphrase });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_MISSING_PASSPHRASE") {
      throw new TlsFileError(key, path, `is encrypted and ${passwordKey} is not set`);
    }
    const message = errorMessage(e);
    if (passphrase !== undefined && /bad decrypt|decrypt/i.test(message)) {
      throw new TlsFileError(key, path, `cannot be decrypted with ${passwordKey} (wrong password?)`);
    }
    throw new TlsFileError(key, path, `holds no usable private key (${message})`);
  }
}

function checkValidity(key: string, path: string, leaf: X509Certificate, now: Date): void {
  const from = new Date(leaf.validFrom);
  const to = new Date(leaf.validTo);
  if (now < from) throw new TlsFileError(key, path, `the certificate is not valid yet (valid from ${iso(from)})`);
  if (now > to) throw new TlsFileError(key, path, `the certificate has expired (valid until ${iso(to)})`);
}

function iso(d: Date): string {
  return Number.isNaN(d.getTime()) ? "an unreadable date" : d.toISOString();
}

import type { ClientTlsOptions } from "@dubbo-mesh/consumer";
import { booleanFlag, type OptionSpecs, type ParsedArgs, stringFlag, UsageError } from "./args.js";

/** The TLS flags of the commands that call a server, with grpcurl's names and habits. */
export const tlsOptionSpecs: OptionSpecs = {
  tls: {
    type: "boolean",
    description: "Call over TLS, verifying the server with the system's CAs (or --cacert). Implied by the flags below.",
  },
  cacert: {
    type: "string",
    valueName: "file",
    description: "PEM CA certificates that verify the server (dubbo.ssl.client-trust-cert-collection-path).",
  },
  cert: { type: "string", valueName: "file", description: "PEM client certificate chain, for mTLS (with --key)." },
  key: { type: "string", valueName: "file", description: "PEM private key of --cert." },
  servername: {
    type: "string",
    valueName: "name",
    description: "Verify the server certificate against this name (and send it as SNI) instead of the target's host.",
  },
};

/**
 * The consumer TLS setting the flags ask for: undefined (cleartext — unless the target is written `https://`) when
 * none is given; files are not reloaded (the command is over in moments). `--cert` without `--key` or the other way
 * round is a `UsageError`.
 */
export function tlsFromFlags(args: ParsedArgs): ClientTlsOptions | undefined {
  const cacert = stringFlag(args, "cacert");
  const cert = stringFlag(args, "cert");
  const key = stringFlag(args, "key");
  const servername = stringFlag(args, "servername");
  if ((cert === undefined) !== (key === undefined)) throw new UsageError("--cert and --key go together (mTLS)");
  if (!booleanFlag(args, "tls") && [cacert, cert, servername].every((v) => v === undefined)) return undefined;
  return {
    reload: false,
    ...(cacert === undefined ? {} : { trustCertCollectionPath: cacert }),
    ...(cert === undefined ? {} : { keyCertChainPath: cert, privateKeyPath: key }),
    ...(servername === undefined ? {} : { serverName: servername }),
  };
}

/** Creates the command's consumer; unusable TLS files are a `UsageError` naming the flag's key, file and problem. */
export function withTlsFiles<T>(create: () => T): T {
  try {
    return create();
  } catch (e) {
    if (e instanceof Error && e.name === "TlsFileError") {
      const flags: Record<string, string> = {
        "dubbo.ssl.client-trust-cert-collection-path": "--cacert",
        "dubbo.ssl.client-key-cert-chain-path": "--cert",
        "dubbo.ssl.client-private-key-path": "--key",
      };
      throw new UsageError(e.message.replace(/dubbo\.ssl\.client-[a-z-]+/g, (k) => flags[k] ?? k));
    }
    throw e;
  }
}

import { readFileSync } from "node:fs";
import * as grpc from "@grpc/grpc-js";

/** How a test peer client speaks TLS: PEM file paths, as grpcurl's flags name them. */
export interface PeerTls {
  /** CA certificates that verify the server. */
  readonly cacert: string;
  /** Client certificate and key, for mTLS. */
  readonly cert?: string;
  readonly key?: string;
  /** The name the server's certificate is checked against, instead of the target's host. */
  readonly servername?: string;
}

/** grpc-js channel credentials and options for `tls` (insecure without it). */
export function grpcJsChannel(tls: PeerTls | undefined): {
  credentials: grpc.ChannelCredentials;
  options: grpc.ChannelOptions;
} {
  if (!tls) return { credentials: grpc.credentials.createInsecure(), options: {} };
  const credentials = grpc.credentials.createSsl(
    readFileSync(tls.cacert),
    tls.key === undefined ? null : readFileSync(tls.key),
    tls.cert === undefined ? null : readFileSync(tls.cert),
  );
  const options = tls.servername === undefined ? {} : { "grpc.ssl_target_name_override": tls.servername };
  return { credentials, options };
}

/** The Python peers' flags for `tls` (none without it). */
export function pythonTlsArgs(tls: PeerTls | undefined): string[] {
  if (!tls) return [];
  return [
    "--tls",
    "--cacert",
    tls.cacert,
    ...(tls.cert === undefined ? [] : ["--cert", tls.cert]),
    ...(tls.key === undefined ? [] : ["--key", tls.key]),
    ...(tls.servername === undefined ? [] : ["--servername", tls.servername]),
  ];
}

/**
 * A TLS file that cannot be used: missing, unreadable, not PEM, a key that does not match its certificate, a
 * certificate outside its validity period. The message names the configuration key, the file and what is wrong, e.g.
 * `dubbo.ssl.server-private-key-path "/etc/tls/tls.key": does not match the certificate of
 * dubbo.ssl.server-key-cert-chain-path "/etc/tls/tls.crt"`. It stops start-up; at rotation it is logged and the
 * certificate in use is kept.
 */
export class TlsFileError extends Error {
  override readonly name = "TlsFileError";
  /** The configuration key the file was given by, e.g. `dubbo.ssl.server-private-key-path`. */
  readonly key: string;
  /** The file's path as configured (undefined when the key is missing). */
  readonly file: string | undefined;

  constructor(key: string, file: string | undefined, problem: string) {
    super(file === undefined ? `${key}: ${problem}` : `${key} ${JSON.stringify(file)}: ${problem}`);
    this.key = key;
    this.file = file;
  }
}

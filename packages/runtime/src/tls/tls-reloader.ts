import { errorMessage } from "../error-message.js";
import type { Logger } from "../logger.js";
import { type FileWatch, type WatchFilesOptions, watchFiles } from "./file-watcher.js";
import { loadTlsMaterial, type TlsFiles, type TlsMaterial, type TlsSide, tlsFilePaths } from "./tls-material.js";

/** Options of `reloadTlsOnChange`. */
export interface TlsReloadOptions extends WatchFilesOptions {
  side: TlsSide;
  files: TlsFiles;
  /** The material in use now (loaded at start-up). */
  current: TlsMaterial;
  /** Puts new material in use for new connections; may throw (then the old material stays). */
  apply(material: TlsMaterial): void;
  logger: Logger;
}

/**
 * Rotation without restart: watches one side's TLS files (see `watchFiles`) and, when their content changed,
 * reloads and checks them (`loadTlsMaterial`) and hands them to `apply` — so new connections use the new certificate
 * while open ones go on. Material that fails the checks (a key that does not match, an expired or not yet valid
 * certificate, a file half-written) is logged as an error, `tls-reload-rejected`, naming the key, file and problem,
 * and the material in use is kept; the next change is tried again.
 */
export function reloadTlsOnChange(options: TlsReloadOptions): FileWatch {
  let inUse = options.current.fingerprint;
  let lastRejected: string | undefined;
  const check = () => {
    let material: TlsMaterial;
    try {
      material = loadTlsMaterial(options.side, options.files);
    } catch (e) {
      const message = errorMessage(e);
      if (message === lastRejected) return; // logged once per distinct problem, not once per poll
      lastRejected = message;
      options.logger.error({ event: "tls-reload-rejected", side: options.side, error: message, kept: "previous" });
      return;
    }
    if (material.fingerprint === inUse) return;
    try {
      options.apply(material);
    } catch (e) {
      const message = errorMessage(e);
      if (message === lastRejected) return;
      lastRejected = message;
      options.logger.error({ event: "tls-reload-rejected", side: options.side, error: message, kept: "previous" });
      return;
    }
    inUse = material.fingerprint;
    lastRejected = undefined;
    options.logger.info({
      event: "tls-reloaded",
      side: options.side,
      subject: material.leaf?.subject.replace(/\n/g, ", "),
      validTo: material.leaf?.validTo,
      fingerprint256: material.leaf?.fingerprint256,
    });
  };
  return watchFiles(tlsFilePaths(options.files), check, options);
}

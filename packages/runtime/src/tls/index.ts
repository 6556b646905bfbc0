/** TLS for both sides: checked key and certificate files, peer identity, principal rules, rotation. */
export { type FileWatch, type WatchFilesOptions, watchFiles } from "./file-watcher.js";
export { type PeerIdentity, parseSubjectAltName, peerIdentityOf, type SubjectAltName } from "./peer-identity.js";
export { checkPrincipalRule, matchesPrincipalRule, type PrincipalRule, trustDomainOf } from "./principals.js";
export { TlsFileError } from "./tls-file-error.js";
export {
  loadTlsMaterial,
  type TlsFiles,
  type TlsMaterial,
  type TlsSide,
  tlsFilePaths,
  tlsKeyName,
} from "./tls-material.js";
export { reloadTlsOnChange, type TlsReloadOptions } from "./tls-reloader.js";

import { isLoopback, normalizePeerAddress } from "./peer-address.js";
import { hasPermission, maxPermission, type PermissionLevel } from "./permission-level.js";
import type { ValidatedQosOptions } from "./qos-options.js";

/** What a refused peer reads before the connection closes (over HTTP, as the body of a 403). */
export const foreignPeerRefusal =
  "Foreign IP not permitted. Add it to dubbo.application.qos-accept-foreign-ip-whitelist.";

/** How a peer was classified when it connected. */
export type PeerKind = "loopback" | "whitelisted" | "anonymous";

/** PeerAccess is decided once per connection, from the peer address. */
export interface PeerAccess {
  /** The peer address as printed in logs (normalized), or `unknown`. */
  readonly peer: string;
  readonly kind: PeerKind;
  /** False: refuse the connection (a foreign peer, not whitelisted, and acceptForeignIp is false). */
  readonly accepted: boolean;
  /** The level of the peer's commands. */
  readonly level: PermissionLevel;
}

/**
 * resolvePeerAccess classifies a peer as Dubbo does: loopback gets PRIVATE; a whitelisted address gets
 * PROTECTED (or the anonymous level, if that is higher); anyone else is refused unless acceptForeignIp is
 * true, and then gets the anonymous level (default PUBLIC).
 */
export function resolvePeerAccess(remoteAddress: string | undefined, options: ValidatedQosOptions): PeerAccess {
  const address = normalizePeerAddress(remoteAddress);
  if (address === undefined) {
    return { peer: remoteAddress ?? "unknown", kind: "anonymous", accepted: false, level: "NONE" };
  }
  if (isLoopback(address)) {
    return { peer: address.address, kind: "loopback", accepted: true, level: "PRIVATE" };
  }
  if (options.whitelist.matches(address)) {
    const level = maxPermission("PROTECTED", options.anonymousLevel);
    return { peer: address.address, kind: "whitelisted", accepted: true, level };
  }
  return {
    peer: address.address,
    kind: "anonymous",
    accepted: options.acceptForeignIp,
    level: options.anonymousLevel,
  };
}

/**
 * mayRun tells whether a peer may run a command: its level reaches the command's level, or the command
 * (by its canonical name or the alias used) is in anonymousAllowCommands.
 */
export function mayRun(
  access: PeerAccess,
  command: { readonly name: string; readonly level: PermissionLevel },
  invokedAs: string,
  options: ValidatedQosOptions,
): boolean {
  if (!access.accepted) {
    return false;
  }
  return (
    hasPermission(access.level, command.level) ||
    options.anonymousAllowCommands.has(command.name) ||
    options.anonymousAllowCommands.has(invokedAs)
  );
}

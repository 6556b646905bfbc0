/**
 * Access levels of QOS commands and peers, lowest first, as Dubbo's PermissionLevel. A peer may run a
 * command when its level is at least the command's level. `NONE` grants nothing (unlike Dubbo, where an
 * anonymous level of NONE disables the check entirely).
 */
export const permissionLevels = ["NONE", "PUBLIC", "PROTECTED", "PRIVATE"] as const;

/** One of permissionLevels. */
export type PermissionLevel = (typeof permissionLevels)[number];

/** permissionRank orders levels: NONE 0, PUBLIC 1, PROTECTED 2, PRIVATE 3. */
export function permissionRank(level: PermissionLevel): number {
  return permissionLevels.indexOf(level);
}

/** hasPermission tells whether a peer at `peer` level may run a command that needs `required`. */
export function hasPermission(peer: PermissionLevel, required: PermissionLevel): boolean {
  return permissionRank(peer) >= permissionRank(required) && peer !== "NONE";
}

/** maxPermission returns the higher of two levels. */
export function maxPermission(a: PermissionLevel, b: PermissionLevel): PermissionLevel {
  return permissionRank(a) >= permissionRank(b) ? a : b;
}

/** parsePermissionLevel reads a level case-insensitively (`public`, `PROTECTED`); undefined if unknown. */
export function parsePermissionLevel(value: string): PermissionLevel | undefined {
  const upper = value.trim().toUpperCase();
  return permissionLevels.find((level) => level === upper);
}

/** Which code a run measured: the commit of the repository and whether packages/ or samples/ had local changes. */
import { spawnSync } from "node:child_process";

/** `{ commit, dirty }` (commit "unknown" outside git). */
export function gitInfo() {
  const git = (...args) => spawnSync("git", args, { encoding: "utf8" });
  const head = git("rev-parse", "--short", "HEAD");
  if (head.status !== 0) return { commit: "unknown", dirty: false };
  const status = git("status", "--porcelain", "--", "packages", "samples");
  return { commit: head.stdout.trim(), dirty: status.stdout.trim().length > 0 };
}

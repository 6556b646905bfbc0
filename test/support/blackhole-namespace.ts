import { execFileSync } from "node:child_process";

/**
 * An address that never answers: a network namespace of the test's own behind a veth pair, whose route back to the
 * host is a blackhole. A SYN to `deadIp` reaches the namespace and its SYN-ACK (or RST) is dropped there, so the
 * host's connect(2) hangs (the kernel retries SYN for about two minutes) — a node that vanished, or a packet filter
 * that drops. All traffic stays between the host and that namespace.
 */
export interface BlackholeNamespace {
  /** The namespace's address: connections to any port of it never complete. */
  readonly deadIp: string;
  /** Deletes the namespace and the veth pair. */
  remove(): void;
}

const prefix = "dmb";

/** Why namespaces cannot be made here (not Linux, not root, no `ip netns`), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== "linux") return "not Linux";
  if (process.getuid?.() !== 0) return "not running as root";
  try {
    execFileSync("ip", ["netns", "list"], { stdio: "ignore" });
    return undefined;
  } catch (error) {
    return `\`ip netns list\` failed: ${(error as Error).message}`;
  }
}

/** Creates the namespace (removing those of earlier runs whose process is gone). */
export function createBlackholeNamespace(): BlackholeNamespace {
  removeStale();
  const name = `${prefix}${process.pid}`;
  const hostVeth = `${name}h`;
  const { hostIp, nsIp } = freeSubnet();
  const ip = (...args: string[]) => execFileSync("ip", args, { stdio: "pipe" });
  const inside = (...args: string[]) => ip("netns", "exec", name, "ip", ...args);
  const remove = () => {
    try {
      ip("netns", "delete", name);
    } catch {
      // already gone
    }
    try {
      ip("link", "delete", hostVeth);
    } catch {
      // deleting the namespace took the pair with it
    }
  };
  ip("netns", "add", name);
  try {
    ip("link", "add", hostVeth, "type", "veth", "peer", "name", `${name}n`);
    ip("link", "set", `${name}n`, "netns", name);
    ip("addr", "add", `${hostIp}/30`, "dev", hostVeth);
    ip("link", "set", hostVeth, "up");
    inside("addr", "add", `${nsIp}/30`, "dev", `${name}n`);
    inside("link", "set", `${name}n`, "up");
    inside("route", "add", "blackhole", `${hostIp}/32`);
  } catch (error) {
    remove();
    throw error;
  }
  return { deadIp: nsIp, remove };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Deletes namespaces and veths left by earlier runs whose process is gone; live runs are left alone. */
function removeStale(): void {
  const namespaces = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  for (const match of namespaces.matchAll(new RegExp(`^${prefix}(\\d+)\\b`, "gm"))) {
    if (!isAlive(Number(match[1])))
      execFileSync("ip", ["netns", "delete", `${prefix}${match[1]}`], { stdio: "ignore" });
  }
  const links = execFileSync("ip", ["-o", "link", "show"], { encoding: "utf8" });
  for (const match of links.matchAll(new RegExp(`^\\d+: (${prefix}(\\d+)h)[@:]`, "gm"))) {
    if (match[1] !== undefined && !isAlive(Number(match[2]))) {
      execFileSync("ip", ["link", "delete", match[1]], { stdio: "ignore" });
    }
  }
}

/** A /30 in 10.214.0.0/16 not in use on this host, starting from one derived from the pid. */
function freeSubnet(): { hostIp: string; nsIp: string } {
  const used = execFileSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
  for (let attempt = 0; attempt < 16384; attempt++) {
    const index = (process.pid + attempt) % 16384;
    const base = `10.214.${index >> 6}.`;
    const low = (index % 64) * 4;
    if (!used.includes(`${base}${low + 1}/`) && !used.includes(`${base}${low + 2}/`)) {
      return { hostIp: `${base}${low + 1}`, nsIp: `${base}${low + 2}` };
    }
  }
  throw new Error("no free /30 in 10.214.0.0/16");
}

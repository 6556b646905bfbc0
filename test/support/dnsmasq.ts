import { type ChildProcess, spawn } from "node:child_process";
import * as dgram from "node:dgram";
import { Resolver } from "node:dns/promises";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";

/** Names and their IPv4 addresses; a name with several addresses is a headless Service. */
export type DnsRecords = Record<string, string | string[]>;

/** Options of `startDnsmasq`. */
export interface DnsmasqOptions {
  /** TTL of the answers, in seconds (`--local-ttl`). Default 0, dnsmasq's own default for local names. */
  ttlSeconds?: number;
}

/** A running dnsmasq (Debian's), authoritative for `cluster.local` like a cluster's DNS. */
export interface Dnsmasq {
  /** Its port on 127.0.0.1, UDP and TCP: `dns: { servers: [\`127.0.0.1:${port}\`] }`. */
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly server: string;
  /** Everything it logged (every query, with `--log-queries`). */
  log(): string;
  /** Replaces the records: rewrites its hosts file, sends SIGHUP (it re-reads it) and waits until it answers so. */
  setRecords(records: DnsRecords): Promise<void>;
  /** Stops it (SIGTERM) and removes its files. */
  stop(): Promise<void>;
}

/** A free port on 127.0.0.1 for both UDP and TCP (dnsmasq serves both). */
export async function freeDnsPort(): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket("udp4");
    await new Promise<void>((resolve) => udp.bind(0, "127.0.0.1", resolve));
    const port = udp.address().port;
    const tcp = net.createServer();
    const ok = await new Promise<boolean>((resolve) => {
      tcp.once("error", () => resolve(false));
      tcp.listen(port, "127.0.0.1", () => resolve(true));
    });
    await new Promise<void>((resolve) => udp.close(() => resolve()));
    if (ok) {
      await new Promise<void>((resolve) => tcp.close(() => resolve()));
      return port;
    }
  }
}

function hostsFile(records: DnsRecords): string {
  const lines: string[] = [];
  for (const [name, ips] of Object.entries(records)) {
    for (const ip of Array.isArray(ips) ? ips : [ips]) lines.push(`${ip} ${name}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Starts dnsmasq on a free port of 127.0.0.1 answering `records` from an `--addn-hosts` file (so they can be changed
 * with `setRecords`), NXDOMAIN for other names of `cluster.local` (as the cluster DNS; dnsmasq would say REFUSED),
 * logging every query. Resolves once it answers the first name.
 */
export async function startDnsmasq(records: DnsRecords, options: DnsmasqOptions = {}): Promise<Dnsmasq> {
  const dir = mkdtempSync(join(tmpdir(), "dubbo-mesh-dnsmasq-"));
  const hostsPath = join(dir, "hosts");
  writeFileSync(hostsPath, hostsFile(records));
  const port = await freeDnsPort();
  const args = [
    "--no-daemon",
    "--no-resolv",
    "--no-hosts",
    `--port=${port}`,
    "--listen-address=127.0.0.1",
    "--bind-interfaces",
    "--local=/cluster.local/",
    `--addn-hosts=${hostsPath}`,
    `--local-ttl=${options.ttlSeconds ?? 0}`,
    "--log-queries",
    "--log-facility=-",
  ];
  const child: ChildProcess = spawn("dnsmasq", args, { stdio: ["ignore", "pipe", "pipe"] });
  let log = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (log += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (log += s));
  const exited = once(child, "exit");
  const resolver = new Resolver({ timeout: 200, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);

  /** Waits until dnsmasq answers `name` with exactly `ips` (in any order). */
  const answers = async (name: string, ips: string[]) => {
    const want = [...ips].sort().join(",");
    let last = "";
    for (let i = 0; i < 50; i++) {
      if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${log}`);
      try {
        last = (await resolver.resolve4(name)).sort().join(",");
        if (last === want) return;
      } catch (e) {
        last = String(e);
      }
      await sleep(100);
    }
    throw new Error(`dnsmasq does not answer ${name} with ${want} (last: ${last})\n${log}`);
  };
  const firstAnswer = (r: DnsRecords) => {
    const [name, ips] = Object.entries(r)[0] ?? [];
    return name === undefined || ips === undefined ? Promise.resolve() : answers(name, [ips].flat());
  };

  await firstAnswer(records).catch((e: unknown) => {
    child.kill("SIGKILL");
    throw e;
  });
  return {
    port,
    server: `127.0.0.1:${port}`,
    log: () => log,
    async setRecords(next) {
      writeFileSync(hostsPath, hostsFile(next));
      child.kill("SIGHUP");
      await firstAnswer(next);
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

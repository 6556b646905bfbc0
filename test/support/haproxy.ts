/**
 * A real HAProxy (Debian's haproxy 2.6) in front of gRPC providers, standing in for the Envoy of a service mesh:
 * HTTP/2 on both sides, round-robin per request, and an active gRPC health check (`grpc.health.v1.Health/Check`)
 * that takes a server out of rotation as soon as it reports NOT_SERVING.
 *
 * Why the health check is a `tcp-check` that speaks raw HTTP/2 and not an `http-check`:
 * HAProxy's `http-check send` cannot send NUL bytes, so it cannot send the 5-byte gRPC frame of a HealthCheckRequest
 * (`00 00000000`: not compressed, length 0). It sends a call with no message at all, which a conforming gRPC server
 * answers `grpc-status: 12` "missing input message for unary method" with no body (measured on our provider; grpc-js
 * does the same) — never SERVING. A `tcp-check` can `send-binary` anything, so it sends the HTTP/2 connection preface,
 * an empty SETTINGS frame, a HEADERS frame (HPACK literals, no Huffman, no dynamic table: nothing to negotiate) and a
 * DATA frame carrying the framed empty HealthCheckRequest (service "" = the whole server). Then it expects:
 *   1. a DATA frame on stream 1 holding a 7-byte gRPC message `00 00000002 08 0X` — a HealthCheckResponse with some
 *      status X — and after it the trailers, a HEADERS frame with END_STREAM on stream 1 (waits for them, up to
 *      `timeout check`), so the call is complete before HAProxy hangs up;
 *   2. `min-recv 0` (conclusive at once, no waiting): that DATA frame with X = 1, SERVING.
 * So NOT_SERVING (X = 2) fails the check in a few milliseconds rather than by timeout, and a refused connection fails
 * it at layer 4. This works against any gRPC server, not only ours.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { h2Frame, h2Preface, hpackLiteral } from "./h2-frames.js";

/** One server of the backend. */
export interface HaproxyBackend {
  /** Server name in the config, logs and stats. Letters, digits, `-`, `_`. */
  name: string;
  host: string;
  port: number;
}

/** Options of `startHaproxy`. */
export interface HaproxyOptions {
  backends: HaproxyBackend[];
  healthCheck?: {
    /** Interval between checks of a server (`inter`, also `fastinter`/`downinter`). Default 250 ms. */
    intervalMs?: number;
    /** Consecutive failed checks before a server is DOWN (`fall`). Default 1. */
    fall?: number;
    /** Consecutive passed checks before a DOWN server is UP again (`rise`). Default 2. */
    rise?: number;
    /** How long one check may take once connected (`timeout check`). Default 2 × interval, at least 500 ms. */
    timeoutMs?: number;
  };
  /**
   * `retries` with `retry-on conn-failure` and `option redispatch`: further attempts, on another server, of a request
   * whose server connection failed. Default 0, none — on purpose: HAProxy 2.6 counts an HTTP/2 server connection that
   * dies with streams open (before any response) as a connection failure, and replays those requests on another
   * server although the dead server had received them and was running them (measured: 10 `sleep:1000` calls in flight
   * on a provider killed mid-call were all redispatched, "+1" in the log, and answered by the other provider). That
   * replays non-idempotent calls and would hide a provider that drops in-flight calls. Without retries HAProxy
   * answers those streams RST_STREAM(REFUSED_STREAM) — "not processed", which they were — so a client that retries
   * refused streams (ours does by default) replays them too; tests that count failures turn client retries off.
   */
  retries?: number;
}

/** A server's state as HAProxy's `show stat` reports it. */
export interface HaproxyServerStat {
  /** `UP`, `DOWN`, `UP 1/2` (going down), `DOWN 1/2` (coming up), `MAINT`, `no check`. */
  status: string;
  /** Requests (HTTP/2 streams) handled so far (`stot`). */
  total: number;
  /** Requests being handled now (`scur`). */
  current: number;
  /** Last check result, e.g. `L7OK`, `L7RSP`, `L4CON`. */
  checkStatus: string;
}

/** A running HAProxy; see `startHaproxy`. */
export interface Haproxy {
  /** The frontend port on 127.0.0.1 (HTTP/2 with prior knowledge). */
  readonly port: number;
  /** `http://127.0.0.1:<port>`, a reference url. */
  readonly url: string;
  /** The generated configuration. */
  readonly config: string;
  /** Everything HAProxy printed on stderr: alerts, server UP/DOWN, abnormal requests (normal ones are not logged). */
  logs(): string;
  /** Server states from the stats socket (`show stat`), by server name. */
  stats(): Promise<Map<string, HaproxyServerStat>>;
  /** Resolves when the server's status is exactly `status` (e.g. "UP", "DOWN"); rejects after `timeoutMs`. */
  waitForStatus(server: string, status: string, timeoutMs?: number): Promise<void>;
  /** Stops HAProxy (SIGTERM, then SIGKILL after 2 s) and removes its directory. */
  stop(): Promise<void>;
}

const BACKEND = "providers";

/** Starts `haproxy -f <generated cfg> -db` in the foreground as a child process; resolves once its stats socket answers. */
export async function startHaproxy(options: HaproxyOptions): Promise<Haproxy> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "dubbo-mesh-haproxy-"));
  const socketPath = join(dir, "admin.sock");
  const config = haproxyConfig(options, port, socketPath);
  const cfgPath = join(dir, "haproxy.cfg");
  writeFileSync(cfgPath, config);

  const child: ChildProcess = spawn("haproxy", ["-f", cfgPath, "-db"], { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout?.setEncoding("utf8").on("data", (s: string) => (output += s));
  child.stderr?.setEncoding("utf8").on("data", (s: string) => (output += s));
  const exited = once(child, "exit");
  let exitedNow = false;
  void exited.then(() => (exitedNow = true));

  const stats = async (): Promise<Map<string, HaproxyServerStat>> =>
    parseStats(await adminCommand(socketPath, "show stat"));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const killer = setTimeout(() => child.kill("SIGKILL"), 2000);
      await exited;
      clearTimeout(killer);
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 10_000;
  for (;;) {
    if (exitedNow) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`haproxy exited at start-up:\n${output}\nconfig:\n${config}`);
    }
    try {
      await stats();
      break;
    } catch (e) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`haproxy did not answer on its stats socket: ${String(e)}\n${output}`);
      }
      await sleep(50);
    }
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    config,
    logs: () => output,
    stats,
    async waitForStatus(server, status, timeoutMs = 10_000) {
      const end = Date.now() + timeoutMs;
      let last: HaproxyServerStat | undefined;
      while (Date.now() < end) {
        last = (await stats()).get(server);
        if (last?.status === status) return;
        await sleep(25);
      }
      throw new Error(
        `HAProxy did not report ${server} ${status} within ${timeoutMs} ms (last: ${JSON.stringify(last)})`,
      );
    },
    stop,
  };
}

/** The HAProxy configuration for these options, frontend on 127.0.0.1:`port`. */
export function haproxyConfig(options: HaproxyOptions, port: number, socketPath: string): string {
  const hc = options.healthCheck ?? {};
  const inter = hc.intervalMs ?? 250;
  const fall = hc.fall ?? 1;
  const rise = hc.rise ?? 2;
  const checkTimeout = hc.timeoutMs ?? Math.max(500, 2 * inter);
  const retries = options.retries ?? 0;
  const [preface, headers, data] = grpcHealthCheckFrames();
  return `# generated by test/support/haproxy.ts
global
  log stderr format raw local0 info
  stats socket ${socketPath} mode 600 level admin
  # Hundreds of requests per second through two threads is plenty; keep the process small.
  nbthread 2

defaults
  mode http
  log global
  option httplog
  # Log only abnormal requests (with HAProxy's termination state), not every call. Measured on 2.6.12: requests lost
  # with a server connection that dies are not logged at all (the client gets RST_STREAM REFUSED_STREAM); callers
  # must count failures themselves.
  option dontlog-normal
  timeout connect 1s
  timeout client 30s
  timeout server 30s
  timeout check ${checkTimeout}ms

frontend grpc
  # HTTP/2 with prior knowledge (h2c), what gRPC clients speak; one client connection is balanced per request.
  bind 127.0.0.1:${port} proto h2
  default_backend ${BACKEND}

backend ${BACKEND}
  balance roundrobin
${retryLines(retries)}  # Active gRPC health check (grpc.health.v1.Health/Check, service ""), raw HTTP/2 frames: see test/support/haproxy.ts.
  option tcp-check
  tcp-check connect
  tcp-check send-binary ${preface} comment "HTTP/2 preface and empty SETTINGS"
  tcp-check send-binary ${headers} comment "HEADERS POST /grpc.health.v1.Health/Check"
  tcp-check send-binary ${data} comment "DATA: empty HealthCheckRequest, END_STREAM"
  # Wait for the whole response, the HealthCheckResponse DATA frame then the trailers, whatever the status: HAProxy
  # closes a check connection with a TCP reset, and a check that hangs up mid-call is harsher than any mesh checker.
  tcp-check expect rbinary ^(..)*?0000070000000000010000000002080[0-9A-Fa-f](..)*?[0-9A-Fa-f]{6}010500000001 comment "a HealthCheckResponse and trailers"
  tcp-check expect min-recv 0 binary 00000700000000000100000000020801 comment "status SERVING"
  # fall ${fall}: one NOT_SERVING answer takes a server out; rise ${rise}: back after ${rise} good answers in a row.
  default-server proto h2 check inter ${inter} fastinter ${inter} downinter ${inter} fall ${fall} rise ${rise}
${options.backends.map((b) => `  server ${b.name} ${b.host}:${b.port}`).join("\n")}
`;
}

function retryLines(retries: number): string {
  if (retries === 0) {
    return `  # No retries: every failed request reaches the caller, so a provider that drops calls cannot hide.
  retry-on none
  retries 0
`;
  }
  return `  retry-on conn-failure
  retries ${retries}
  option redispatch 1
`;
}

/**
 * The bytes the health check sends, as hex for `tcp-check send-binary`: [preface + SETTINGS, HEADERS, DATA], all on
 * stream 1. HEADERS uses HPACK "literal header field without indexing" (RFC 7541 §6.2.2) with plain strings.
 */
export function grpcHealthCheckFrames(): [string, string, string] {
  const preface = h2Preface();
  const block = Buffer.concat([
    Buffer.from([0x83]), // :method POST (static table index 3)
    Buffer.from([0x86]), // :scheme http (index 6)
    hpackLiteral(4, "/grpc.health.v1.Health/Check"), // :path (name index 4)
    hpackLiteral(1, "health-check"), // :authority (index 1); Node resets a stream that has neither :authority nor host
    hpackLiteral(31, "application/grpc"), // content-type (index 31)
    hpackLiteral("te", "trailers"),
  ]);
  const headers = h2Frame(0x1, 0x4, 1, block); // END_HEADERS
  const data = h2Frame(0x0, 0x1, 1, Buffer.from([0, 0, 0, 0, 0])); // END_STREAM; gRPC frame: uncompressed, length 0
  return [preface.toString("hex"), headers.toString("hex"), data.toString("hex")];
}

/** Sends one command to HAProxy's stats socket and returns the whole answer. */
function adminCommand(socketPath: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    let answer = "";
    socket.setEncoding("utf8");
    socket.setTimeout(2000, () => socket.destroy(new Error(`stats socket timeout on "${command}"`)));
    socket.on("connect", () => socket.write(`${command}\n`));
    socket.on("data", (s: string) => (answer += s));
    socket.on("error", reject);
    socket.on("close", () => resolve(answer));
  });
}

function parseStats(csv: string): Map<string, HaproxyServerStat> {
  const lines = csv.split("\n").filter((l) => l.length > 0);
  const header = (lines[0] ?? "").replace(/^# /, "").split(",");
  const col = (name: string) => header.indexOf(name);
  const result = new Map<string, HaproxyServerStat>();
  for (const line of lines.slice(1)) {
    const f = line.split(",");
    if (f[col("pxname")] !== BACKEND) continue;
    const name = f[col("svname")] ?? "";
    if (name === "BACKEND" || name === "FRONTEND") continue;
    result.set(name, {
      status: f[col("status")] ?? "",
      total: Number(f[col("stot")] ?? 0),
      current: Number(f[col("scur")] ?? 0),
      checkStatus: f[col("check_status")] ?? "",
    });
  }
  if (header.length < 2) throw new Error(`unexpected stats answer: ${csv.slice(0, 200)}`);
  return result;
}

/**
 * A TCP port that was free a moment ago, on every address (checked on `::`, which covers 127.0.0.1 and the QOS
 * port's wildcard). Picked at random below the kernel's ephemeral range (32768-60999 here): a port there, once
 * released, can be handed to any outgoing connection as its local port — by another test's thousands of calls, say —
 * before the process that was meant to listen on it does (seen: a restarted provider's QOS port taken, EADDRINUSE).
 * Tests that run side by side pick at random, and each pick is checked by binding it.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (await canListen(port)) return port;
  }
  throw new Error("freePort: no free port in 20000-31999 after 100 tries");
}

function canListen(port: number, host = "::"): Promise<boolean> {
  const server = net.createServer();
  return new Promise((resolve) => {
    server.once("error", (e: NodeJS.ErrnoException) => {
      // A machine without IPv6: the IPv4 wildcard instead.
      if (host === "::" && e.code === "EAFNOSUPPORT") resolve(canListen(port, "0.0.0.0"));
      else resolve(false);
    });
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

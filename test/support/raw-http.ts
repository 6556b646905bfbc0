import { spawn } from "node:child_process";
import * as http2 from "node:http2";

/**
 * Low-level HTTP clients for tests that must control every byte on the wire: curl (HTTP/1.1) and a raw node:http2
 * session. Every wait here is bounded: a request that gets no answer fails with a timeout, never hangs the suite.
 */

/** A gRPC length-prefixed message: flag byte (1 = compressed), uint32 big-endian length, payload. */
export function grpcFrame(payload: Uint8Array, options: { flags?: number; length?: number } = {}): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt8(options.flags ?? 0, 0);
  prefix.writeUInt32BE(options.length ?? payload.byteLength, 1);
  return Buffer.concat([prefix, payload]);
}

/** Splits a gRPC response body into its messages' payloads; throws on a truncated frame. */
export function grpcMessages(body: Buffer): Buffer[] {
  const messages: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    if (body.length - offset < 5) throw new Error(`truncated gRPC frame prefix at ${offset}`);
    const length = body.readUInt32BE(offset + 1);
    const end = offset + 5 + length;
    if (end > body.length) throw new Error(`truncated gRPC frame at ${offset}: ${length} bytes promised`);
    messages.push(body.subarray(offset + 5, end));
    offset = end;
  }
  return messages;
}

/** What came back on one HTTP/2 stream. */
export interface H2Response {
  status: number;
  headers: http2.IncomingHttpHeaders;
  /** Trailers, or the headers of a trailers-only response (where gRPC puts grpc-status then). */
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
  /** The RST_STREAM code the stream closed with (0 = NO_ERROR). */
  rstCode: number;
  elapsedMs: number;
}

/** The grpc-status of a response as a number (from its trailers, or its headers when trailers-only); NaN if none. */
export function grpcStatus(r: H2Response): number {
  const value = r.trailers["grpc-status"] ?? r.headers["grpc-status"];
  return Number(value ?? Number.NaN);
}

/** The decoded grpc-message of a response, "" if none. */
export function grpcMessage(r: H2Response): string {
  const value = r.trailers["grpc-message"] ?? r.headers["grpc-message"];
  return typeof value === "string" ? decodeURIComponent(value) : "";
}

/** Opens an HTTP/2 cleartext session (prior knowledge) and waits until it is connected. */
export async function connectH2(
  url: string,
  options: http2.ClientSessionOptions = {},
  timeoutMs = 5000,
): Promise<http2.ClientHttp2Session> {
  const session = http2.connect(url, options);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no HTTP/2 connection to ${url} in ${timeoutMs} ms`)), timeoutMs);
    session.once("connect", () => {
      clearTimeout(timer);
      resolve();
    });
    session.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  session.on("error", () => {}); // failures surface on the streams
  return session;
}

/** Options of `h2Request`. */
export interface H2RequestOptions {
  /** Path of the request. */
  path: string;
  /** Request headers besides :method and :path. */
  headers?: http2.OutgoingHttpHeaders;
  /** The body, written in these chunks; the stream is ended after the last one. */
  body?: Uint8Array | Uint8Array[];
  /** Give up (and reset the stream) after this long. Default 10 s. */
  timeoutMs?: number;
}

/**
 * Sends a POST on a session and collects everything that comes back until the stream closes — including a response
 * that the server ends with RST_STREAM while the request body is still being written.
 */
export function h2Request(session: http2.ClientHttp2Session, options: H2RequestOptions): Promise<H2Response> {
  const started = performance.now();
  const chunks = options.body === undefined ? [] : Array.isArray(options.body) ? options.body : [options.body];
  const timeoutMs = options.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": options.path, ...options.headers });
    const result: H2Response = {
      status: 0,
      headers: {},
      trailers: {},
      body: Buffer.alloc(0),
      rstCode: 0,
      elapsedMs: 0,
    };
    const body: Buffer[] = [];
    const timer = setTimeout(() => {
      stream.close(http2.constants.NGHTTP2_CANCEL);
      reject(new Error(`no complete response on ${options.path} in ${timeoutMs} ms`));
    }, timeoutMs);
    stream.on("response", (headers) => {
      result.status = Number(headers[":status"]);
      result.headers = headers;
    });
    stream.on("trailers", (trailers) => {
      result.trailers = trailers;
    });
    stream.on("data", (chunk: Buffer) => body.push(chunk));
    stream.on("error", () => {}); // a reset shows as rstCode; what arrived before it still counts
    stream.on("close", () => {
      clearTimeout(timer);
      result.body = Buffer.concat(body);
      result.rstCode = stream.rstCode ?? 0;
      result.elapsedMs = performance.now() - started;
      if (result.status === 0)
        reject(new Error(`stream on ${options.path} closed with no response (${result.rstCode})`));
      else resolve(result);
    });
    for (const chunk of chunks) stream.write(chunk);
    stream.end();
  });
}

/** What curl got back. */
export interface CurlResponse {
  status: number;
  /** Response headers, names lower-cased. */
  headers: Record<string, string>;
  body: Buffer;
  elapsedMs: number;
}

/** Options of `curl`. */
export interface CurlOptions {
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** curl's own --max-time, in seconds. Default 10. */
  maxTimeSeconds?: number;
  /** More curl arguments, e.g. `["--cacert", ca]` for https. */
  args?: readonly string[];
  /** "2": let curl negotiate HTTP/2 (over TLS, by ALPN) instead of forcing HTTP/1.1. Default "1.1". */
  httpVersion?: "1.1" | "2";
}

/** POSTs with `curl --http1.1` (a real, independent HTTP/1.1 client) and parses its status, headers and body. */
export function curl(url: string, options: CurlOptions = {}): Promise<CurlResponse> {
  const maxTime = options.maxTimeSeconds ?? 10;
  const version = options.httpVersion === "2" ? "--http2" : "--http1.1";
  // -D - puts the header block(s) before the body on stdout; "Expect:" stops curl from waiting for 100-continue.
  const args = ["-sS", version, "-X", "POST", "-D", "-", "-H", "Expect:", "--max-time", String(maxTime)];
  args.push(...(options.args ?? []));
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push("-H", `${name}: ${value}`);
  args.push("--data-binary", "@-", url);
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn("curl", args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    const timer = setTimeout(() => child.kill("SIGKILL"), (maxTime + 5) * 1000);
    child.stdout.on("data", (c: Buffer) => out.push(c));
    child.stderr.on("data", (c: Buffer) => err.push(c));
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      const elapsedMs = performance.now() - started;
      if (code !== 0) {
        reject(new Error(`curl exited ${code}: ${Buffer.concat(err).toString()}`));
        return;
      }
      try {
        resolve({ ...parseCurlOutput(Buffer.concat(out)), elapsedMs });
      } catch (e) {
        reject(e);
      }
    });
    child.stdin.on("error", () => {}); // the server may answer (and close) before reading the whole body
    child.stdin.end(options.body === undefined ? "" : options.body);
  });
}

function parseCurlOutput(out: Buffer): Omit<CurlResponse, "elapsedMs"> {
  let rest = out;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    if (end === -1) throw new Error(`no HTTP header block in curl output: ${rest.toString().slice(0, 200)}`);
    const lines = rest.subarray(0, end).toString("latin1").split("\r\n");
    rest = rest.subarray(end + 4);
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? "")?.[1]);
    if (status >= 100 && status < 200) continue; // an interim response; the final one follows
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { status, headers, body: rest };
  }
}

/** Parses a Triple JSON error body. */
export function tripleError(body: Buffer): { status: number; code: string; message: string } {
  return JSON.parse(body.toString("utf8")) as { status: number; code: string; message: string };
}

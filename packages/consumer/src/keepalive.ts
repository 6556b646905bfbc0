import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { defaultOf } from "@dubbo-mesh/runtime";

/**
 * Keepalive of the consumer's HTTP/2 connections (gRPC's client keepalive, A8; the gRPC names in parentheses).
 * It is Go's HTTP/2 `ReadIdleTimeout` rather than a fixed ping interval: a PING is sent only while a call is waiting
 * on the connection and nothing at all has been read from it for `timeMs`, so a connection whose peer vanished
 * without FIN or RST (node loss, partition) is found within about `timeMs + timeoutMs` of its last sign of life.
 */
export interface KeepaliveOptions {
  /** Read-quiet time, with a call waiting, after which a PING is sent, in ms (`keepalive_time_ms`). 0 = never. */
  timeMs: number;
  /** How long a PING may go without its ACK (or any other byte) before the connection is dead (`keepalive_timeout_ms`). */
  timeoutMs: number;
}

/** Default keepalive: a silent connection is found within about 0.6 s of its last byte. */
export const defaultKeepalive: KeepaliveOptions = {
  timeMs: defaultOf("dubbo.consumer.keepalive-time"),
  timeoutMs: defaultOf("dubbo.consumer.keepalive-timeout"),
};

/**
 * gRPC servers' ping enforcement (grpc-go, grpc-java, C-core): a PING that arrives sooner than this after the
 * previous one (their default `min_ping_interval_without_data` / `permitKeepAliveTime`), with no HEADERS or DATA sent
 * by the server in between, is a strike; more than two strikes and the server sends GOAWAY(ENHANCE_YOUR_CALM,
 * "too_many_pings"). A PING at least this long after the previous one never is.
 */
const serverMinPingIntervalMs = 5 * 60_000;
/** Strikes our PINGs may have run up on the server at most: one, where the servers allow two. */
const maxStrikes = 1;

/**
 * How long a connection found silent may keep its calls while still nothing at all is read from it, in ms (gRPC's
 * default `keepalive_timeout`): then it is destroyed and its calls fail with UNAVAILABLE.
 */
export const silentConnectionGraceMs = 20_000;

/**
 * The keepalive of one HTTP/2 connection. It sends a PING when (all of):
 * - a stream is open on the connection (a call is waiting: its response, or the next message of a stream);
 * - no byte has been read from the socket for `timeMs` — any frame proves the peer alive;
 * - the server's ping enforcement would not count it against us beyond `maxStrikes`: the server sent HEADERS or DATA
 *   since our last PING (so the PING resets its strikes), or the last PING is `serverMinPingIntervalMs` old, or a new
 *   stream was opened since the last PING and at most `maxStrikes - 1` strikes are run up (a new call on a quiet
 *   connection deserves one check of its own: the connection may have died since the last one).
 * While the PING is outstanding the connection is suspect: `suspect` is the promise new calls wait on before using
 * it. No ACK, and no other byte read, within `timeoutMs`: the connection is silent — `onSilent` is told (its owner
 * stops giving it new calls, which then dial a new connection), and the connection is destroyed as soon as its last
 * stream ends, or with UNAVAILABLE for the streams left if it is still silent `silentConnectionGraceMs` after the PING.
 * Its calls are not failed at once: a provider whose event loop stalls for longer than `timeoutMs` has not lost them.
 *
 * Invariant: the poll timer runs iff `#open > 0`, no PING is outstanding, the connection is not silent and the
 * session is not destroyed.
 */
export class SessionKeepalive {
  readonly session: http2.ClientHttp2Session;
  readonly #options: KeepaliveOptions;
  readonly #onSilent: () => void;
  readonly #pollMs: number;
  #open = 0;
  #lastBytesRead = 0;
  #lastReadAt = Date.now();
  #poll: NodeJS.Timeout | undefined;
  /** Server HEADERS/DATA seen since our last PING (true before the first: a first PING is never a strike). */
  #dataSincePing = true;
  #streamSincePing = false;
  #strikes = 0;
  #lastPingAt = Number.NEGATIVE_INFINITY;
  #suspect: Promise<void> | undefined;
  #silent = false;

  constructor(session: http2.ClientHttp2Session, options: KeepaliveOptions, onSilent: () => void) {
    this.session = session;
    this.#options = options;
    this.#onSilent = onSilent;
    this.#pollMs = Math.max(10, Math.floor(options.timeMs / 5));
    session.once("close", () => this.#stopPoll());
  }

  /** Settles when the outstanding PING is answered or the connection found silent; undefined if none is outstanding. */
  get suspect(): Promise<void> | undefined {
    return this.#suspect;
  }

  /** Counts a stream opened on the session (a call waiting) until `streamClosed`. */
  streamOpened(): void {
    this.#open++;
    this.#streamSincePing = true;
    if (this.#open === 1) {
      this.#noteRead(true);
      this.#startPoll();
    }
  }

  /** A stream counted by `streamOpened` closed. */
  streamClosed(): void {
    if (--this.#open > 0) return;
    this.#stopPoll();
    if (this.#silent && !this.session.destroyed) this.session.destroy();
  }

  /** The server sent HEADERS or DATA: its ping strikes are reset by our next PING. */
  dataReceived(): void {
    this.#dataSincePing = true;
  }

  #bytesRead(): number {
    return this.session.socket?.bytesRead ?? 0;
  }

  /** Records whether bytes were read since the last look; `reset` treats now as the last read. */
  #noteRead(reset = false): boolean {
    const read = this.#bytesRead();
    const changed = read !== this.#lastBytesRead;
    if (changed || reset) {
      this.#lastBytesRead = read;
      this.#lastReadAt = Date.now();
    }
    return changed;
  }

  #startPoll(): void {
    if (this.#poll || this.#suspect || this.#silent || this.session.destroyed) return;
    this.#poll = setInterval(() => this.#check(), this.#pollMs).unref();
  }

  #stopPoll(): void {
    clearInterval(this.#poll);
    this.#poll = undefined;
  }

  #check(): void {
    if (this.session.destroyed || this.session.closed) {
      this.#stopPoll();
      return;
    }
    if (this.#noteRead()) return;
    const now = Date.now();
    if (now - this.#lastReadAt < this.#options.timeMs || !this.#pingAllowed(now)) return;
    this.#ping(now);
  }

  #pingAllowed(now: number): boolean {
    if (this.#dataSincePing || now - this.#lastPingAt >= serverMinPingIntervalMs) return true;
    return this.#streamSincePing && this.#strikes + 1 <= maxStrikes;
  }

  #ping(now: number): void {
    if (this.#dataSincePing) this.#strikes = 0;
    else if (now - this.#lastPingAt < serverMinPingIntervalMs) this.#strikes++;
    this.#dataSincePing = false;
    this.#streamSincePing = false;
    this.#lastPingAt = now;
    this.#stopPoll();
    const readAtPing = this.#bytesRead();
    let settle: () => void = () => {};
    this.#suspect = new Promise<void>((resolve) => {
      settle = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const answered = () => {
      clearTimeout(timer);
      this.#suspect = undefined;
      settle();
      if (this.#open > 0) {
        this.#noteRead(true);
        this.#startPoll();
      }
    };
    const sent = this.session.ping((err) => {
      if (err === null && this.#suspect) answered();
    });
    if (!sent) {
      answered(); // too many PINGs outstanding already: not ours to judge
      return;
    }
    timer = setTimeout(() => {
      // After the I/O phase, so that an ACK already in the socket's buffer (a blocked event loop) counts.
      setImmediate(() => {
        if (!this.#suspect) return;
        if (this.#bytesRead() !== readAtPing || this.session.destroyed) {
          answered();
          return;
        }
        this.#silent = true;
        this.#suspect = undefined;
        this.#onSilent();
        settle();
        if (this.#open === 0 && !this.session.destroyed) this.session.destroy();
        else this.#destroyIfStillSilent(readAtPing);
      });
    }, this.#options.timeoutMs).unref();
  }

  #destroyIfStillSilent(readAtPing: number): void {
    const timer = setTimeout(() => {
      if (this.session.destroyed || this.#bytesRead() !== readAtPing) return;
      this.session.destroy(
        new ConnectError(
          `connection silent: keepalive PING not answered, nothing read for ${silentConnectionGraceMs} ms`,
          Code.Unavailable,
        ),
        http2.constants.NGHTTP2_CANCEL,
      );
    }, silentConnectionGraceMs - this.#options.timeoutMs).unref();
    this.session.once("close", () => clearTimeout(timer));
  }
}

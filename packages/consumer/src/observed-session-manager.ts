import * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { Attempt } from "./call.js";
import { errorFromNodeReason } from "./grpc/node-errors.js";
import { defaultKeepalive, type KeepaliveOptions, SessionKeepalive } from "./keepalive.js";

/** Options of an `ObservedSessionManager`. */
export interface SessionManagerOptions {
  /** Close a connection that has had no stream for this long, in ms. */
  idleConnectionTimeoutMs: number;
  /** Keepalive of the connections (see `SessionKeepalive`). Default `defaultKeepalive`; `timeMs: 0` = none. */
  keepalive?: KeepaliveOptions;
}

/**
 * One HTTP/2 connection of a manager and what is known of it. Invariant: `streams` counts the streams opened on
 * `session` and not yet closed; the session is referenced (keeps the process alive) iff `streams > 0`.
 */
interface Connection {
  readonly session: http2.ClientHttp2Session;
  /** True once the connection is established ('connect'). */
  connected: boolean;
  /** No new stream goes here (found silent, or the manager was told to leave it). */
  retired: boolean;
  streams: number;
  /** The last-stream-id of the GOAWAY the peer sent, if it sent one. */
  goawayLastStreamId: number | undefined;
  /**
   * True once the provider sent its SETTINGS — the first thing an HTTP/2 server sends (RFC 9113 §3.4, its connection
   * preface), which Node's server does as it takes a connection, before reading any request. A connection that ends
   * before that was closed unserved (e.g. past the provider's cap, `dubbo.protocol.accepts`): nothing sent on it can
   * have been processed (grpc-go: "connection closed before server preface received").
   */
  answered: boolean;
  readonly keepalive: SessionKeepalive | undefined;
  /** When `streams` last dropped to 0 (epoch ms), for the idle timeout. */
  idleSince: number;
  idleTimer: NodeJS.Timeout | undefined;
  /** Why the manager destroyed it, if it did (what a request waiting for it to connect is rejected with). */
  aborted: Error | undefined;
}

/**
 * The consumer's HTTP/2 connection to one endpoint (what connect-node's `Http2SessionManager` is to its clients,
 * made ours so that a call costs no more than it must): one connection, dialled on the first request; a new one
 * once the current one received GOAWAY (Node then closes it; its streams may finish), failed, closed, or was found
 * silent by our keepalive (`SessionKeepalive`: PING a read-quiet connection a call waits on); the connection closed
 * after `idleConnectionTimeoutMs` without streams; not keeping the process alive while it has none.
 *
 * It also writes, into each attempt's report, what happened to the attempt's stream: "processed" once it is opened
 * — its HEADERS may leave —, then "refused" or "not-started" if the provider refuses it (REFUSED_STREAM, a GOAWAY
 * below its id, its connection closed before the provider sent anything) or it never got an id, and
 * `connectionLost` if the connection ends under it. The retry and pick layers read the report.
 *
 * Two ways in: `open` for a caller that listens to the stream itself and reports its events (`streamResponded`,
 * `streamFailed`, `streamClosed` — the consumer's gRPC transport: no listener of ours per call), and `request`,
 * connect-node's session-manager contract (the Triple transport), which listens for them.
 */
export class ObservedSessionManager {
  /** `http(s)://host:port`: where the connections go. */
  readonly authority: string;
  readonly #sessionOptions: http2.ClientSessionOptions | http2.SecureClientSessionOptions | undefined;
  readonly #idleTimeoutMs: number;
  readonly #keepalive: KeepaliveOptions;
  /** The connection new streams go to (connecting or connected), if any. */
  #current: Connection | undefined;
  /** Settles when `#current` is connected, while it is connecting. */
  #connecting: Promise<Connection> | undefined;
  /** The connections not yet closed, by session: the current one and those whose streams may still finish. */
  readonly #connections = new Map<http2.Http2Session, Connection>();
  readonly #silentListeners = new Set<() => void>();
  #closedByUs = false;
  /** Requests being opened plus streams not yet closed. Invariant: `>= 0`; abort() happens at 0 once `#closing`. */
  #open = 0;
  #closing = false;

  constructor(
    url: URL | string,
    options: SessionManagerOptions,
    http2SessionOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions,
  ) {
    this.authority = new URL(url).origin;
    this.#sessionOptions = http2SessionOptions;
    this.#idleTimeoutMs = options.idleConnectionTimeoutMs;
    this.#keepalive = options.keepalive ?? defaultKeepalive;
  }

  /**
   * Opens a stream for `attempt` (marked "processed"): at once when the connection is up and not suspect (a keepalive
   * PING outstanding), else when it is — a new connection if there is none, so that a call goes out on a connection
   * known alive. The caller reports the stream's events (`streamResponded`, `streamFailed`, `streamClosed`); one
   * that gives a stream up before listening to it calls `abandon`. Rejects with the ConnectError of a failed
   * connection (the attempt stays "not-started").
   */
  open(
    path: string,
    headers: http2.OutgoingHttpHeaders,
    attempt: Attempt,
    method = "POST",
  ): http2.ClientHttp2Stream | Promise<http2.ClientHttp2Stream> {
    const c = this.#current;
    if (c?.connected === true && usable(c) && c.keepalive?.suspect === undefined) {
      try {
        return this.#start(c, method, path, headers, attempt);
      } catch (e) {
        if (usable(c)) throw errorFromNodeReason(e);
        // the connection closed under us (GOAWAY, destroyed): the next one is made below
      }
    }
    return this.#openLater(method, path, headers, attempt);
  }

  async #openLater(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    attempt: Attempt,
  ): Promise<http2.ClientHttp2Stream> {
    this.#open++;
    try {
      for (;;) {
        const suspect = this.#current?.keepalive?.suspect;
        if (suspect) await suspect;
        const c = await this.#ready();
        try {
          return this.#start(c, method, path, headers, attempt);
        } catch (e) {
          // The connection closed while the request was made (nodejs/help#2105): again, on a new one.
          if (!usable(c)) continue;
          throw errorFromNodeReason(e);
        }
      }
    } finally {
      this.#done();
    }
  }

  #start(
    c: Connection,
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    attempt: Attempt,
  ): http2.ClientHttp2Stream {
    headers[http2.constants.HTTP2_HEADER_METHOD] = method;
    headers[http2.constants.HTTP2_HEADER_PATH] = path;
    const stream = c.session.request(headers);
    this.#open++;
    attempt.progress = "processed";
    if (c.streams++ === 0) {
      c.session.ref();
      c.idleSince = 0;
    }
    c.keepalive?.streamOpened();
    return stream;
  }

  /**
   * connect-node's session-manager contract (its `NodeHttp2ClientSessionManager`, for the Triple transport): opens
   * a stream and listens to it for its report into `attempt`.
   */
  async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    _options: unknown,
    attempt: Attempt = { progress: "not-started", connectionLost: false },
  ): Promise<http2.ClientHttp2Stream> {
    const stream = await this.open(path, { ...headers }, attempt, method);
    const session = stream.session as http2.Http2Session;
    const responded = () => this.streamResponded(stream);
    stream.once("response", responded);
    stream.once("trailers", responded);
    stream.once("error", () => this.streamFailed(stream, session, attempt));
    stream.once("close", () => this.streamClosed(stream, session, attempt));
    return stream;
  }

  /** A stream's response headers or trailers arrived (the keepalive's bookkeeping). */
  streamResponded(stream: http2.ClientHttp2Stream): void {
    const session = stream.session;
    if (session) this.#connections.get(session)?.keepalive?.dataReceived();
  }

  /** The server sent DATA on a stream (connect's contract: call it on every chunk read). */
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    this.streamResponded(stream);
  }

  /**
   * A stream from `open` emitted 'error': its fate is written into `attempt` (before the caller handles the error,
   * which reads it). `session` is the stream's, read when it was opened (a closed stream has none).
   */
  streamFailed(stream: http2.ClientHttp2Stream, session: http2.Http2Session, attempt: Attempt): void {
    this.#recordFate(stream, session, attempt);
  }

  /** A stream from `open` emitted 'close': its fate is written into `attempt`, and it no longer counts. */
  streamClosed(stream: http2.ClientHttp2Stream, session: http2.Http2Session, attempt: Attempt): void {
    this.#recordFate(stream, session, attempt);
    const c = this.#connections.get(session);
    if (c !== undefined) {
      c.keepalive?.streamClosed();
      if (--c.streams === 0) {
        c.session.unref();
        this.#idle(c);
      }
    }
    this.#done();
  }

  /** Resets a stream from `open` that its caller no longer wants, before listening to it (CANCEL). */
  abandon(stream: http2.ClientHttp2Stream, attempt: Attempt): void {
    const session = stream.session as http2.Http2Session;
    stream.once("close", () => this.streamClosed(stream, session, attempt));
    stream.close(grpc.http2Error.cancel);
  }

  /**
   * Registers `listener` to be told when a connection of this manager is found silent (and new calls go to a new
   * one) — e.g. to move a long-lived stream such as a health Watch off it. Returns the function that unregisters it.
   */
  onSilent(listener: () => void): () => void {
    this.#silentListeners.add(listener);
    return () => this.#silentListeners.delete(listener);
  }

  /**
   * Closes the connection once no stream is open or being opened (at once if none is): for an endpoint that left the
   * target, whose calls in flight may finish.
   */
  closeWhenIdle(): void {
    this.#closing = true;
    if (this.#open === 0) this.abort();
  }

  /**
   * Closes the connection now (RST_STREAM CANCEL for its streams); streams it cuts off count as cancelled by us,
   * not as a lost connection. A later request dials a new one.
   */
  abort(reason?: Error): void {
    this.#closedByUs = true;
    this.#current = undefined;
    this.#connecting = undefined;
    for (const c of this.#connections.values()) {
      if (c.session.destroyed) continue;
      c.aborted = reason ?? new ConnectError("connection aborted", Code.Canceled);
      c.session.destroy(undefined, http2.constants.NGHTTP2_CANCEL);
    }
  }

  /** The current connection once it is connected: dialled if there is none (or it cannot take streams). */
  #ready(): Promise<Connection> {
    const c = this.#current;
    if (c !== undefined && usable(c)) {
      if (c.connected) return Promise.resolve(c);
      if (this.#connecting) return this.#connecting;
    }
    return this.#dial();
  }

  #dial(): Promise<Connection> {
    const session = http2.connect(this.authority, this.#sessionOptions);
    const keepalive =
      this.#keepalive.timeMs > 0 ? new SessionKeepalive(session, this.#keepalive, () => this.#retire(c)) : undefined;
    const c: Connection = {
      session,
      connected: false,
      retired: false,
      streams: 0,
      goawayLastStreamId: undefined,
      answered: false,
      keepalive,
      idleSince: 0,
      idleTimer: undefined,
      aborted: undefined,
    };
    this.#connections.set(session, c);
    this.#current = c;
    // Errors are seen by the requests (while connecting) and the streams; the session's own 'error' must not crash.
    session.on("error", () => {});
    session.once("remoteSettings", () => {
      c.answered = true;
    });
    session.on("goaway", (code: number, lastStreamId: number) => {
      c.goawayLastStreamId = lastStreamId;
      // Node closes the session on GOAWAY(NO_ERROR) (destroys it on any other code), but one without streams can
      // linger half-closed (connect-node saw the same): nothing will finish on it, so it goes now.
      if (code === grpc.http2Error.noError && c.streams === 0) session.destroy();
    });
    const connecting = new Promise<Connection>((resolve, reject) => {
      const onConnect = () => {
        cleanup();
        c.connected = true;
        if (this.#connecting === connecting) this.#connecting = undefined;
        session.unref();
        this.#idle(c);
        resolve(c);
      };
      const onFail = (e?: Error) => {
        cleanup();
        if (this.#connecting === connecting) this.#connecting = undefined;
        if (this.#current === c) this.#current = undefined;
        reject(
          e === undefined
            ? (c.aborted ?? new ConnectError("the connection closed before it was established", Code.Unavailable))
            : errorFromNodeReason(e),
        );
      };
      const onClose = () => onFail();
      const cleanup = () => {
        session.off("connect", onConnect);
        session.off("error", onFail);
        session.off("close", onClose);
      };
      session.once("connect", onConnect);
      session.once("error", onFail);
      session.once("close", onClose);
    });
    this.#connecting = connecting;
    session.once("close", () => {
      clearTimeout(c.idleTimer);
      if (this.#current === c) this.#current = undefined;
      // After the streams' own 'close' (Node closes them first), which look the connection up.
      setImmediate(() => this.#connections.delete(session));
    });
    return connecting;
  }

  /**
   * Arms the idle timeout of a connection whose last stream ended (or that has just connected): closed once it has
   * had no stream for `#idleTimeoutMs`. One timer per idle period, however often streams come and go in it.
   */
  #idle(c: Connection): void {
    c.idleSince = Date.now();
    if (c.idleTimer !== undefined) return;
    const check = () => {
      c.idleTimer = undefined;
      if (c.streams > 0 || c.session.closed || c.session.destroyed) return;
      const left = c.idleSince + this.#idleTimeoutMs - Date.now();
      if (left > 0) {
        c.idleTimer = setTimeout(check, left).unref();
        return;
      }
      if (this.#current === c) this.#current = undefined;
      c.session.close();
    };
    c.idleTimer = setTimeout(check, this.#idleTimeoutMs).unref();
  }

  /** Takes a silent connection out of use for new calls (its streams may finish) and tells the listeners. */
  #retire(c: Connection): void {
    c.retired = true;
    if (this.#current === c) this.#current = undefined;
    for (const listener of [...this.#silentListeners]) listener();
  }

  #done(): void {
    this.#open--;
    if (this.#closing && this.#open === 0) this.abort();
  }

  /** Writes into `attempt` what became of `stream`, which has just errored or closed. */
  #recordFate(stream: http2.ClientHttp2Stream, session: http2.Http2Session, attempt: Attempt): void {
    if (this.#closedByUs) return; // consumer.close(): a cancellation, whatever state the stream was in
    if (stream.rstCode === grpc.http2Error.refusedStream) {
      attempt.progress = "refused";
      return;
    }
    if (stream.id === undefined) {
      attempt.progress = "not-started";
      return;
    }
    const c = this.#connections.get(session);
    const last = c?.goawayLastStreamId;
    if (last !== undefined && stream.id > last) {
      attempt.progress = "refused";
      return;
    }
    const completed = stream.rstCode === grpc.http2Error.noError && stream.readableEnded;
    if (completed || !session.destroyed) return;
    if (c?.answered === false)
      attempt.progress = "refused"; // closed before the provider's preface: unserved
    else attempt.connectionLost = true;
  }
}

/** Whether new streams may go to a connection: not closing (GOAWAY, idle), not destroyed, not found silent. */
function usable(c: Connection): boolean {
  return !c.retired && !c.session.closed && !c.session.destroyed;
}

import type * as http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { grpc } from "@dubbo-mesh/protocol";
import type { Attempt } from "./call.js";
import { defaultKeepalive, type KeepaliveOptions, SessionKeepalive } from "./keepalive.js";

/** Last-stream-id of the GOAWAY frame each observed session received, if it received one. */
const goawayLastStreamId = new WeakMap<http2.Http2Session, number>();
/** Sessions whose GOAWAY frames are being recorded. */
const watched = new WeakSet<http2.Http2Session>();

/** The keepalive of each session a manager has used. */
const keepalives = new WeakMap<http2.Http2Session, SessionKeepalive>();

/**
 * connect-node's HTTP/2 session manager (one connection, reconnect after GOAWAY or a silent connection) with our
 * keepalive (`SessionKeepalive`: PING a read-quiet connection a call waits on; connect's own PINGs stay off), that
 * can also record, in an attempt's report (`observe`), what happened to its stream: opened, refused before
 * processing, or cut off by the connection's end. The retry and pick layers read the report.
 */
export class ObservedSessionManager extends Http2SessionManager {
  readonly #keepalive: KeepaliveOptions;
  /** The keepalive of the session the last stream was opened on. */
  #current: SessionKeepalive | undefined;
  readonly #silentListeners = new Set<() => void>();
  #closedByUs = false;
  /** Requests being opened plus streams not yet closed. Invariant: `>= 0`; abort() happens at 0 once `#closing`. */
  #open = 0;
  #closing = false;

  constructor(
    url: URL | string,
    options: { idleConnectionTimeoutMs: number; keepalive?: KeepaliveOptions },
    http2SessionOptions?: http2.ClientSessionOptions | http2.SecureClientSessionOptions,
  ) {
    super(url, { idleConnectionTimeoutMs: options.idleConnectionTimeoutMs }, http2SessionOptions);
    this.#keepalive = options.keepalive ?? defaultKeepalive;
  }

  /**
   * Opens a stream. While the current connection is suspect (a keepalive PING outstanding) the request waits for the
   * verdict, so that it goes out on a connection known alive, or a new one, rather than into a dead one.
   */
  override async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    this.#open++;
    let stream: http2.ClientHttp2Stream;
    try {
      const suspect = this.#current?.suspect;
      if (suspect) await suspect;
      stream = await super.request(method, path, headers, options);
    } catch (e) {
      this.#done();
      throw e;
    }
    if (stream.closed) this.#done();
    else {
      stream.once("close", () => this.#done());
      this.#watch(stream);
    }
    watchGoaway(stream.session);
    return stream;
  }

  /** Tells the keepalive that the server sent DATA (connect's contract: call it on every chunk read). */
  override notifyResponseByteRead(stream: http2.ClientHttp2Stream): void {
    if (stream.session) keepalives.get(stream.session)?.dataReceived();
    super.notifyResponseByteRead(stream);
  }

  #watch(stream: http2.ClientHttp2Stream): void {
    const session = stream.session;
    if (!session || this.#keepalive.timeMs <= 0) return;
    let keepalive = keepalives.get(session);
    if (!keepalive) {
      keepalive = new SessionKeepalive(session as http2.ClientHttp2Session, this.#keepalive, () =>
        this.#retire(session),
      );
      keepalives.set(session, keepalive);
    }
    this.#current = keepalive;
    keepalive.streamOpened(stream);
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
   * Takes a silent session out of use for new calls. connect-node's manager does exactly that for a session that
   * received GOAWAY (its streams may finish; the next request dials a new session), so it is told as if the peer had
   * sent GOAWAY(NO_ERROR) accepting every stream opened — no call counts as refused.
   */
  #retire(session: http2.Http2Session): void {
    session.emit("goaway", grpc.http2Error.noError, 2 ** 31 - 1, Buffer.alloc(0));
    for (const listener of [...this.#silentListeners]) listener();
  }

  /**
   * Records in `attempt` how far its stream (from `request`) gets: "processed" now — its HEADERS may leave — then
   * "refused" or "not-started" if the provider refuses it or it never got an id, and `connectionLost` if the
   * connection ends under it. Call it at once, before the stream can close.
   */
  observe(stream: http2.ClientHttp2Stream, attempt: Attempt): void {
    attempt.progress = "processed";
    // Node emits 'error' (for a non-zero RST code) and then 'close'; the rstCode is set before either.
    const session = stream.session; // read now: a closed stream has none
    const record = () => recordFate(stream, session, attempt, this.#closedByUs);
    if (stream.closed) {
      record();
      return;
    }
    stream.once("error", record);
    stream.once("close", record);
  }

  /**
   * Closes the connection once no stream is open or being opened (at once if none is): for an endpoint that left the
   * target, whose calls in flight may finish.
   */
  closeWhenIdle(): void {
    this.#closing = true;
    if (this.#open === 0) this.abort();
  }

  #done(): void {
    this.#open--;
    if (this.#closing && this.#open === 0) this.abort();
  }

  /** Closes the connection; streams it cuts off count as cancelled by us, not as a lost connection. */
  override abort(reason?: Error): void {
    this.#closedByUs = true;
    super.abort(reason);
  }
}

function watchGoaway(session: http2.Http2Session | undefined): void {
  if (!session || watched.has(session)) return;
  watched.add(session);
  session.on("goaway", (_code: number, lastStreamId: number) => goawayLastStreamId.set(session, lastStreamId));
  // connect-node 2.2 destroys a session that gets GOAWAY with no open stream, and Node emits that 'error' a tick
  // later; if the manager is aborted (consumer.close()) in between, connect has removed its listener and the
  // error would crash the process. Seen in tests; the error itself needs no handling — the manager reconnects.
  session.on("error", () => {});
}

/** Writes into `attempt` what became of `stream`, which has just errored or closed. */
function recordFate(
  stream: http2.ClientHttp2Stream,
  session: http2.Http2Session | undefined,
  attempt: Attempt,
  closedByUs: boolean,
): void {
  if (closedByUs) return; // consumer.close(): a cancellation, whatever state the stream was in
  if (stream.rstCode === grpc.http2Error.refusedStream) {
    attempt.progress = "refused";
    return;
  }
  if (stream.id === undefined) {
    attempt.progress = "not-started";
    return;
  }
  const last = session ? goawayLastStreamId.get(session) : undefined;
  if (last !== undefined && stream.id > last) {
    attempt.progress = "refused";
    return;
  }
  const completed = stream.rstCode === grpc.http2Error.noError && stream.readableEnded;
  if (!completed && session?.destroyed === true) attempt.connectionLost = true;
}

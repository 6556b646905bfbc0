import type * as http2 from "node:http2";
import { Http2SessionManager } from "@connectrpc/connect-node";
import { grpc } from "@dubbo-mesh/protocol";
import type { Attempt } from "./call.js";

/** Last-stream-id of the GOAWAY frame each observed session received, if it received one. */
const goawayLastStreamId = new WeakMap<http2.Http2Session, number>();
/** Sessions whose GOAWAY frames are being recorded. */
const watched = new WeakSet<http2.Http2Session>();

/**
 * connect-node's HTTP/2 session manager (one connection, PING keep-alive, reconnect after GOAWAY) that can also
 * record, in an attempt's report (`observe`), what happened to its stream: opened, refused before processing, or cut
 * off by the connection's end. The retry and pick layers read the report; nothing else changes.
 */
export class ObservedSessionManager extends Http2SessionManager {
  #closedByUs = false;
  /** Requests being opened plus streams not yet closed. Invariant: `>= 0`; abort() happens at 0 once `#closing`. */
  #open = 0;
  #closing = false;

  override async request(
    method: string,
    path: string,
    headers: http2.OutgoingHttpHeaders,
    options: Omit<http2.ClientSessionRequestOptions, "signal">,
  ): Promise<http2.ClientHttp2Stream> {
    this.#open++;
    let stream: http2.ClientHttp2Stream;
    try {
      stream = await super.request(method, path, headers, options);
    } catch (e) {
      this.#done();
      throw e;
    }
    if (stream.closed) this.#done();
    else stream.once("close", () => this.#done());
    watchGoaway(stream.session);
    return stream;
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

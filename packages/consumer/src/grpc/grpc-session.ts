import type * as http2 from "node:http2";
import type { Attempt } from "../call.js";

/**
 * The endpoint's HTTP/2 connection as the gRPC transport uses it (the consumer's `ObservedSessionManager`): it opens
 * streams, and the transport, which listens to each stream anyway, reports the stream's events back — so the
 * connection's bookkeeping (stream counts, keepalive, idle timeout, each attempt's report) costs no listener of its
 * own per call.
 */
export interface GrpcSession {
  /** `http(s)://host:port`: the origin calls go to. */
  readonly authority: string;
  /**
   * Opens a POST stream to `path` for `attempt` (marked "processed"): at once when the connection is up, else a
   * promise of it (connecting first if needed). Rejects, or throws, the ConnectError of a failed connection.
   */
  open(
    path: string,
    headers: http2.OutgoingHttpHeaders,
    attempt: Attempt,
  ): http2.ClientHttp2Stream | Promise<http2.ClientHttp2Stream>;
  /** The stream's response headers or trailers arrived. */
  streamResponded(stream: http2.ClientHttp2Stream): void;
  /** The stream read a DATA chunk. */
  notifyResponseByteRead(stream: http2.ClientHttp2Stream): void;
  /** The stream emitted 'error' (call before handling it: the attempt's report is written here). */
  streamFailed(stream: http2.ClientHttp2Stream, session: http2.Http2Session, attempt: Attempt): void;
  /** The stream emitted 'close' (call before handling it). `session` is the stream's, read when it was opened. */
  streamClosed(stream: http2.ClientHttp2Stream, session: http2.Http2Session, attempt: Attempt): void;
  /** Resets a stream from `open` that is no longer wanted, before anything listens to it. */
  abandon(stream: http2.ClientHttp2Stream, attempt: Attempt): void;
}

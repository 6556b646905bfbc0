import { AsyncLocalStorage } from "node:async_hooks";

/**
 * What the connection layer saw of one attempt of a call: the facts a retry decision rests on. Connect's errors alone
 * do not tell them apart — a stream the provider refused surfaces as INTERNAL, a connection that died mid-call as
 * CANCELED — so the HTTP/2 session manager records them here (see `ObservedSessionManager`) while the attempt runs.
 *
 * Invariant: `refused` and `connectionLost` are only ever set after `streamOpened`.
 */
export interface AttemptFacts {
  /** An HTTP/2 stream was created for the attempt, so its request may have reached the provider. */
  streamOpened: boolean;
  /**
   * The provider told us it did not process the stream: RST_STREAM(REFUSED_STREAM) — which is also how Node closes
   * a stream above the last-stream-id of a graceful GOAWAY — or the stream's id was above the last-stream-id of a
   * GOAWAY with an error code; or the stream ended before it had an id, so its HEADERS never left this process.
   */
  refused?: "rst-stream" | "goaway" | "not-sent";
  /** The connection carrying the stream ended before the stream completed, and not because this consumer closed it. */
  connectionLost: boolean;
}

const storage = new AsyncLocalStorage<AttemptFacts>();

/** Fresh facts for an attempt: nothing seen yet. */
export function newAttemptFacts(): AttemptFacts {
  return { streamOpened: false, connectionLost: false };
}

/** Runs one attempt with `facts` as the record the connection layer writes into (through async continuations). */
export function runAttempt<T>(facts: AttemptFacts, attempt: () => T): T {
  return storage.run(facts, attempt);
}

/** The facts of the attempt running in this async context, if any. */
export function currentAttempt(): AttemptFacts | undefined {
  return storage.getStore();
}

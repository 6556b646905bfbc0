import type { ConnectError } from "@connectrpc/connect";

/** What an input queue tells its producer: hold the stream (the handler is behind), or let it flow again. */
export interface FlowControl {
  hold(): void;
  release(): void;
}

/**
 * The request messages of a client-streaming or bidi call as the async iterable its handler reads. Messages the
 * handler has not asked for yet wait here; once `highWater` of them wait, the producer is told to hold the HTTP/2
 * stream (no more reads, so no WINDOW_UPDATE: the client's flow-control window closes), and once the handler has taken
 * them down to half, to let it flow again. So a client that floods a stream faster than its handler reads costs at
 * most `highWater` messages, the stream's read buffer and its window — not memory without bound.
 */
export class InputQueue<T> implements AsyncIterableIterator<T> {
  readonly #flow: FlowControl;
  readonly #highWater: number;
  // Invariants: `#waiting` only while `#buffer` is empty and the queue is open; `#held` while the producer was told to
  // hold and not yet to release.
  #buffer: T[] = [];
  #head = 0;
  #waiting: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: ConnectError | undefined;
  #abandoned = false;
  #held = false;

  constructor(flow: FlowControl, highWater = 32) {
    this.#flow = flow;
    this.#highWater = highWater;
  }

  /** Hands the next request message to the handler, or keeps it until the handler asks. */
  push(message: T): void {
    if (this.#ended || this.#abandoned) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = undefined;
      waiting.resolve({ value: message, done: false });
      return;
    }
    this.#buffer.push(message);
    if (!this.#held && this.#buffer.length - this.#head >= this.#highWater) {
      this.#held = true;
      this.#flow.hold();
    }
  }

  /** The request stream ended: the handler's loop ends after the messages still waiting. */
  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#settleWaiting();
  }

  /** The call failed (bad input, deadline, cancel): the handler's next read throws this, after nothing else. */
  fail(error: ConnectError): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = error;
    this.#buffer = [];
    this.#head = 0;
    this.#settleWaiting();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#head < this.#buffer.length) {
      const value = this.#buffer[this.#head] as T;
      this.#head++;
      if (this.#head === this.#buffer.length) {
        this.#buffer = [];
        this.#head = 0;
      }
      if (this.#held && this.#buffer.length - this.#head <= this.#highWater >> 1) {
        this.#held = false;
        this.#flow.release();
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#error) return Promise.reject(this.#error);
    if (this.#ended || this.#abandoned) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => {
      this.#waiting = { resolve, reject };
    });
  }

  /** The handler stopped reading (`break` in for-await): later messages are dropped, the stream flows on. */
  return(): Promise<IteratorResult<T>> {
    this.#abandoned = true;
    this.#buffer = [];
    this.#head = 0;
    if (this.#held) {
      this.#held = false;
      this.#flow.release();
    }
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  #settleWaiting(): void {
    const waiting = this.#waiting;
    if (!waiting) return;
    this.#waiting = undefined;
    if (this.#error) waiting.reject(this.#error);
    else waiting.resolve({ value: undefined, done: true });
  }
}

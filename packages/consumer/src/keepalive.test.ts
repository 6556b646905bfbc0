import { EventEmitter } from "node:events";
import type * as http2 from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SessionKeepalive, silentConnectionGraceMs } from "./keepalive.js";

/** The parts of a node:http2 client session the keepalive uses: its socket's byte count, PING, destroy. */
class FakeSession extends EventEmitter {
  socket = { bytesRead: 0 };
  destroyed = false;
  closed = false;
  destroyError: unknown;
  /** ACK callbacks of the PINGs sent, in order. */
  pings: ((err: Error | null) => void)[] = [];

  ping(callback: (err: Error | null) => void): boolean {
    this.pings.push(callback);
    return true;
  }

  destroy(error?: unknown): void {
    this.destroyed = true;
    this.destroyError = error;
    this.emit("close");
  }

  /** The peer sends `n` bytes (any frame). */
  read(n = 9): void {
    this.socket.bytesRead += n;
  }

  /** The peer answers the latest PING. */
  ack(): void {
    this.read(17);
    this.pings.at(-1)?.(null);
  }
}

const options = { timeMs: 250, timeoutMs: 300 };

describe("SessionKeepalive (fake timers)", () => {
  let session: FakeSession;
  let silent: number;
  let keepalive: SessionKeepalive;
  beforeEach(() => {
    vi.useFakeTimers();
    session = new FakeSession();
    silent = 0;
    keepalive = new SessionKeepalive(session as unknown as http2.ClientHttp2Session, options, () => silent++);
  });
  afterEach(() => {
    vi.useRealTimers();
  });
  const openStream = () => {
    // The events of a stream, as the session manager reports them to the keepalive.
    const stream = new EventEmitter();
    keepalive.streamOpened();
    stream.on("response", () => keepalive.dataReceived());
    stream.on("trailers", () => keepalive.dataReceived());
    stream.once("close", () => keepalive.streamClosed());
    return stream;
  };

  it("pings only a connection a call waits on that has been read-quiet for timeMs", async () => {
    await vi.advanceTimersByTimeAsync(10_000);
    expect(session.pings).toHaveLength(0); // idle: never
    openStream();
    for (let i = 0; i < 10; i++) {
      session.read();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(session.pings).toHaveLength(0); // bytes keep coming
    await vi.advanceTimersByTimeAsync(300);
    expect(session.pings).toHaveLength(1);
  });

  it("pings a quiet connection once; again only after server HEADERS/DATA, or once more for a new call", async () => {
    const stream = openStream();
    await vi.advanceTimersByTimeAsync(300);
    expect(session.pings).toHaveLength(1);
    session.ack();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.pings).toHaveLength(1); // no data since: another PING would be a strike
    stream.emit("response"); // the server sent HEADERS
    await vi.advanceTimersByTimeAsync(300);
    expect(session.pings).toHaveLength(2);
    session.ack();
    openStream(); // a new call on the quiet connection: one check of its own (strike 1)
    await vi.advanceTimersByTimeAsync(300);
    expect(session.pings).toHaveLength(3);
    session.ack();
    openStream(); // another: that would be strike 2, servers GOAWAY above 2 — not sent
    await vi.advanceTimersByTimeAsync(60_000);
    expect(session.pings).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(5 * 60_000); // 5 min after the last PING it is never a strike
    expect(session.pings).toHaveLength(4);
  });

  it("holds new calls while a PING is out; an ACK releases them and the connection stays", async () => {
    openStream();
    await vi.advanceTimersByTimeAsync(300);
    const suspect = keepalive.suspect;
    expect(suspect).toBeInstanceOf(Promise);
    session.ack();
    await suspect;
    expect(keepalive.suspect).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1000);
    expect(silent).toBe(0);
    expect(session.destroyed).toBe(false);
  });

  it("any byte read while the PING is out counts as alive", async () => {
    openStream();
    await vi.advanceTimersByTimeAsync(300);
    session.read(100); // DATA ahead of the ACK
    await vi.advanceTimersByTimeAsync(400);
    expect(silent).toBe(0);
    expect(keepalive.suspect).toBeUndefined();
  });

  it("no answer within timeoutMs: silent — told, calls released, closed when its last call ends", async () => {
    const a = openStream();
    const b = openStream();
    await vi.advanceTimersByTimeAsync(300);
    const suspect = keepalive.suspect;
    await vi.advanceTimersByTimeAsync(350);
    await suspect;
    expect(silent).toBe(1);
    expect(session.destroyed).toBe(false); // its calls may still finish (a stall is not a loss)
    a.emit("close");
    expect(session.destroyed).toBe(false);
    b.emit("close");
    expect(session.destroyed).toBe(true);
    expect(session.destroyError).toBeUndefined();
  });

  it(`still nothing read ${silentConnectionGraceMs} ms after the PING: destroyed with UNAVAILABLE`, async () => {
    openStream();
    await vi.advanceTimersByTimeAsync(300);
    await vi.advanceTimersByTimeAsync(silentConnectionGraceMs);
    expect(session.destroyed).toBe(true);
    expect(ConnectError.from(session.destroyError).code).toBe(Code.Unavailable);
  });
});

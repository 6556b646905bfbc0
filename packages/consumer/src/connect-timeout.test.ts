import * as net from "node:net";
import { afterEach, describe, expect, it, vi } from "vitest";
import { isConnectFailure } from "./classify-failure.js";
import { defaultConnectTimeoutMs, limitConnect } from "./connect-timeout.js";

afterEach(() => {
  vi.useRealTimers();
});

/** A socket that never connects (none is attempted), and the error it is destroyed with, if any. */
function pendingSocket() {
  const socket = new net.Socket();
  const errors: Error[] = [];
  socket.on("error", (e) => errors.push(e));
  return { socket, errors };
}

describe("limitConnect", () => {
  it("destroys a socket not ready within the timeout with a connect ETIMEDOUT (a connection that could not be made)", () => {
    vi.useFakeTimers();
    const { socket, errors } = pendingSocket();
    limitConnect(socket, defaultConnectTimeoutMs, "connect", "10.0.0.9:50052");
    vi.advanceTimersByTime(defaultConnectTimeoutMs - 1);
    expect(socket.destroyed).toBe(false);
    vi.advanceTimersByTime(1);
    expect(socket.destroyed).toBe(true);
    return new Promise<void>((resolve) => {
      socket.once("close", () => {
        expect(errors).toHaveLength(1);
        expect(errors[0]).toMatchObject({ code: "ETIMEDOUT", syscall: "connect", address: "10.0.0.9:50052" });
        expect(errors[0]?.message).toBe(
          "connect ETIMEDOUT 10.0.0.9:50052: no connection within the connect timeout of 3000 ms",
        );
        expect(isConnectFailure(errors[0])).toBe(true);
        resolve();
      });
    });
  });

  it("leaves a socket alone once it is ready (TLS: after the handshake), or when the timeout is 0", () => {
    vi.useFakeTimers();
    const tcp = pendingSocket();
    limitConnect(tcp.socket, 100, "connect", "a:1");
    vi.advanceTimersByTime(99);
    tcp.socket.emit("connect");
    vi.advanceTimersByTime(1000);
    expect(tcp.socket.destroyed).toBe(false);

    const tls = pendingSocket();
    limitConnect(tls.socket, 100, "secureConnect", "a:1");
    tls.socket.emit("connect"); // TCP alone is not enough
    vi.advanceTimersByTime(100);
    expect(tls.socket.destroyed).toBe(true);

    const unbounded = pendingSocket();
    limitConnect(unbounded.socket, 0, "connect", "a:1");
    vi.advanceTimersByTime(10 * 60_000);
    expect(unbounded.socket.destroyed).toBe(false);
    expect(vi.getTimerCount()).toBe(0);
    tcp.socket.destroy();
    unbounded.socket.destroy();
  });
});

import type * as net from "node:net";
import { defaultOf } from "@dubbo-mesh/runtime";

/** Connect timeout of a consumer's connections, in ms: `dubbo.consumer.connect-timeout`'s default (Dubbo's 3000). */
export const defaultConnectTimeoutMs: number = defaultOf("dubbo.consumer.connect-timeout");

/**
 * Bounds how long `socket` may take to become usable — TCP connected (`"connect"`), or TLS handshake done too
 * (`"secureConnect"`) — to `timeoutMs`: past it the socket is destroyed with an `ETIMEDOUT` error of the `connect`
 * system call, as a refused connection is, so every layer above takes it for a connection that could not be made
 * (UNAVAILABLE, nothing sent; retried on another endpoint, which leaves rotation for a while). Without it, an address
 * that never answers SYN (a node gone, a packet filter that drops) is retried by the kernel for about two minutes
 * while calls wait for their deadline. `timeoutMs` 0 = no bound of our own. Returns `socket`.
 */
export function limitConnect<S extends net.Socket>(
  socket: S,
  timeoutMs: number,
  ready: "connect" | "secureConnect",
  address: string,
): S {
  if (timeoutMs <= 0) return socket;
  const timer = setTimeout(() => {
    const error = Object.assign(
      new Error(`connect ETIMEDOUT ${address}: no connection within the connect timeout of ${timeoutMs} ms`),
      { code: "ETIMEDOUT", syscall: "connect", address },
    );
    socket.destroy(error);
  }, timeoutMs);
  timer.unref();
  const done = () => {
    clearTimeout(timer);
    socket.off(ready, done);
    socket.off("close", done);
  };
  socket.once(ready, done);
  socket.once("close", done);
  return socket;
}

import * as http2 from "node:http2";
import { defaultOf, type Logger } from "@dubbo-mesh/runtime";
import { PingStrikes } from "./ping-strikes.js";

/**
 * HTTP/2 keepalive of the provider's connections and its enforcement against clients that ping too often, named as
 * gRPC names them. Defaults: gRPC's for the enforcement (5 minutes, 2 strikes, no keepalive without calls — what
 * grpc-go and grpc-java servers enforce, so clients tuned for those work here), and a PING after 5 minutes of silence
 * (gRPC servers wait 2 hours; clients do not police server PINGs, and 5 minutes frees a vanished client's socket soon).
 */
export interface KeepalivePolicy {
  /**
   * PING a connection that has received nothing for this long, in ms (`dubbo.protocol.keepalive-time`, gRPC's
   * `keepalive_time_ms`; checked once per this interval, so a quiet connection is pinged after one to two of them).
   * Default 300000; 0 = never ping.
   */
  timeMs: number;
  /** Close a connection whose PING has no ACK after this long, in ms (`dubbo.protocol.keepalive-timeout`). Default 20000. */
  timeoutMs: number;
  /**
   * Shortest interval between two client PINGs with no data sent in between that is not a strike, in ms
   * (`dubbo.protocol.permit-keepalive-time`, grpc-java's `permitKeepAliveTime`, grpc-go's `MinTime`). Default 300000.
   */
  permitTimeMs: number;
  /**
   * Judge PINGs on a connection with no call in progress by `permitTimeMs` too, instead of by two hours
   * (`dubbo.protocol.permit-keepalive-without-calls`, grpc-java's `permitKeepAliveWithoutCalls`). Default false.
   */
  permitWithoutCalls: boolean;
  /**
   * Strikes allowed before GOAWAY ENHANCE_YOUR_CALM "too_many_pings" (`dubbo.protocol.max-ping-strikes`, gRPC
   * C-core's `grpc.http2.max_ping_strikes`). Default 2; 0 = no enforcement.
   */
  maxPingStrikes: number;
}

/** The defaults of `KeepalivePolicy`: those of its Dubbo keys. */
export const defaultKeepalivePolicy: Readonly<KeepalivePolicy> = {
  timeMs: defaultOf("dubbo.protocol.keepalive-time"),
  timeoutMs: defaultOf("dubbo.protocol.keepalive-timeout"),
  permitTimeMs: defaultOf("dubbo.protocol.permit-keepalive-time"),
  permitWithoutCalls: defaultOf("dubbo.protocol.permit-keepalive-without-calls"),
  maxPingStrikes: defaultOf("dubbo.protocol.max-ping-strikes"),
};

/** A policy plus where its events go and, for tests, the clock (ms; default `Date.now`). */
export interface KeepaliveOptions extends KeepalivePolicy {
  logger: Logger;
  now?: () => number;
}

// Bytes of the frames the provider writes without any call having produced them: a PING (or PING ACK) is a 9-byte
// frame header and 8 bytes of opaque data; a SETTINGS ACK is a bare frame header.
const pingFrameBytes = 17;
const settingsAckBytes = 9;

/**
 * Keeps the HTTP/2 connections of a server alive and honest, on each session as it opens, whatever serves its streams:
 * - keepalive: a connection that has read nothing for `timeMs` gets a PING; no ACK within `timeoutMs` and it is
 *   closed — a client that vanished without FIN or RST (node loss, partition) stops holding a socket and memory;
 * - enforcement: a client that PINGs sooner than the policy permits (see `PingStrikes`) more than `maxPingStrikes`
 *   times gets GOAWAY ENHANCE_YOUR_CALM with debug data "too_many_pings" — what grpc-go and grpc-java send, and what
 *   gRPC clients react to by pinging less — and the connection is closed.
 *
 * "Data sent" in between forgives the strikes, as in grpc-go (which counts the DATA and HEADERS frames it sends):
 * here, any bytes the connection wrote beyond PING, PING ACK and SETTINGS ACK frames since the previous PING (so a
 * response, or a WINDOW_UPDATE for data the client sent) count. A client pinging while a long call streams data to
 * it is therefore never struck; one pinging into a silent connection is.
 *
 * `activeCalls` tells how many calls a session has in progress at a PING (the dual server counts its open streams).
 */
export function keepConnectionsAlive(
  server: http2.Http2Server,
  options: KeepaliveOptions,
  activeCalls: (session: http2.ServerHttp2Session) => number,
): void {
  if (options.timeMs <= 0 && options.maxPingStrikes <= 0) return;
  server.on("session", (session) => watchSession(session, options, activeCalls));
}

function watchSession(
  session: http2.ServerHttp2Session,
  options: KeepaliveOptions,
  activeCalls: (session: http2.ServerHttp2Session) => number,
): void {
  const socket = session.socket;
  const remote = socket.remoteAddress;
  let pingsSent = 0;
  let timer: NodeJS.Timeout | undefined;
  let ackTimer: NodeJS.Timeout | undefined;
  session.once("close", () => {
    clearTimeout(timer);
    clearTimeout(ackTimer);
  });

  if (options.maxPingStrikes > 0) {
    const now = options.now ?? Date.now;
    const strikes = new PingStrikes({
      permitTimeMs: options.permitTimeMs,
      permitWithoutCalls: options.permitWithoutCalls,
      maxStrikes: options.maxPingStrikes,
    });
    let pingsReceived = 0;
    let settingsReceived = 0;
    // Invariant: dataWritten is the most bytes ever seen written beyond PING/ACK frames. The estimate below never
    // exceeds the truth (ACKs not yet flushed are subtracted anyway) and equals it at the first PING of each read,
    // so it only rises when the connection really wrote something else.
    let dataWritten = 0;
    session.on("remoteSettings", () => settingsReceived++);
    session.on("ping", () => {
      if (session.destroyed) return;
      const other =
        socket.bytesWritten - pingFrameBytes * (pingsReceived + pingsSent) - settingsAckBytes * settingsReceived;
      pingsReceived++;
      if (other > dataWritten) {
        dataWritten = other;
        strikes.reset();
      }
      const calls = activeCalls(session);
      if (!strikes.onPing(now(), calls)) return;
      options.logger.warn({ event: "too-many-pings", remote, strikes: strikes.strikes, calls });
      const calm = http2.constants.NGHTTP2_ENHANCE_YOUR_CALM;
      session.goaway(calm, session.state.lastProcStreamID ?? 0, Buffer.from("too_many_pings"));
      session.destroy(undefined, calm);
    });
  }

  if (options.timeMs > 0) {
    let lastRead = socket.bytesRead;
    const check = () => {
      if (session.destroyed) return;
      const read = socket.bytesRead;
      if (read !== lastRead) {
        lastRead = read;
        timer?.refresh();
        return;
      }
      const sent = session.ping((error) => {
        clearTimeout(ackTimer);
        if (error || session.destroyed) return;
        lastRead = socket.bytesRead; // the ACK itself is not activity
        timer?.refresh();
      });
      if (!sent) {
        timer?.refresh(); // too many PINGs outstanding already: look again later
        return;
      }
      pingsSent++;
      ackTimer = setTimeout(() => {
        options.logger.info({ event: "keepalive-timeout", remote, timeoutMs: options.timeoutMs });
        session.destroy();
      }, options.timeoutMs);
      ackTimer.unref();
    };
    timer = setTimeout(check, options.timeMs);
    timer.unref();
  }
}

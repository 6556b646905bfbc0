import { once } from "node:events";
import * as net from "node:net";
import { type H2FrameHead, H2FrameReader } from "./h2-frames.js";

/** A TCP proxy on loopback whose existing connections can be made to go silent. */
export interface FreezingProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** The HTTP/2 frames the clients sent, in order (all connections). */
  readonly clientFrames: readonly H2FrameHead[];
  /** Resolves when the proxy has accepted `n` connections in all. */
  waitForAccepted(n: number): Promise<void>;
  /**
   * Stops forwarding, in both directions, on every connection open now — without FIN or RST, as a node that vanished
   * or a partition looks: the bytes stay unread in the kernel. Connections accepted later are forwarded as usual.
   */
  freeze(): void;
  /** Forwards the frozen connections again, bytes held meanwhile first (a partition that heals, a stall that ends). */
  thaw(): void;
  close(): Promise<void>;
}

/** Starts a proxy on 127.0.0.1 to `127.0.0.1:targetPort` (HTTP/2 with prior knowledge passing through). */
export async function startFreezingProxy(targetPort: number): Promise<FreezingProxy> {
  const pairs = new Set<[net.Socket, net.Socket]>();
  let accepted = 0;
  const clientFrames: H2FrameHead[] = [];
  const waiters = new Set<() => void>();
  const server = net.createServer((client) => {
    accepted++;
    for (const w of [...waiters]) w();
    const upstream = net.connect(targetPort, "127.0.0.1");
    const pair: [net.Socket, net.Socket] = [client, upstream];
    pairs.add(pair);
    const reader = new H2FrameReader(true);
    client.on("data", (chunk: Buffer) => clientFrames.push(...reader.push(chunk)));
    client.pipe(upstream);
    upstream.pipe(client);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const frozen: [net.Socket, net.Socket][] = [];
  return {
    port: (server.address() as net.AddressInfo).port,
    get accepted() {
      return accepted;
    },
    clientFrames,
    waitForAccepted(n) {
      return new Promise((resolve) => {
        const check = () => {
          if (accepted < n) return;
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
        check();
      });
    },
    freeze() {
      for (const pair of pairs) {
        const [client, upstream] = pair;
        client.unpipe(upstream);
        upstream.unpipe(client);
        client.pause();
        upstream.pause();
        frozen.push(pair);
      }
      pairs.clear();
    },
    thaw() {
      for (const pair of frozen.splice(0)) {
        const [client, upstream] = pair;
        if (client.destroyed || upstream.destroyed) continue;
        pairs.add(pair);
        client.pipe(upstream);
        upstream.pipe(client);
      }
    },
    async close() {
      for (const [a, b] of frozen) {
        a.destroy();
        b.destroy();
      }
      for (const [a, b] of pairs) {
        a.destroy();
        b.destroy();
      }
      server.close();
      await once(server, "close");
    },
  };
}

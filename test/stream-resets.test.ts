/**
 * RST_STREAM rate limits on real sockets. Every cancelled call and every expired deadline is a RST_STREAM from the
 * client, and Node's HTTP/2 server cuts off a connection past a burst of 1000 resets then 33 per second (its defence
 * against "rapid reset" floods, CVE-2023-44487) with GOAWAY INTERNAL_ERROR — failing every call on it. The soak found
 * that: a consumer cancelling ~60 calls per second lost its connection after about 80 s. The provider allows 1000 per
 * second with bursts of 10000 (`dubbo.protocol.triple.max-stream-resets-per-second`), so a consumer that cancels a lot
 * keeps its connection, while a flood past the configured limit is still cut off.
 */
import * as http2 from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { grpc as grpcWire } from "@dubbo-mesh/protocol";
import { afterEach, describe, expect, it } from "vitest";
import { GREETER_SERVICE } from "./peers/protos.js";
import { GreetRequestSchema } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const running: TestProvider[] = [];
const sessions: http2.ClientHttp2Session[] = [];
afterEach(async () => {
  for (const s of sessions.splice(0)) s.destroy();
  for (const p of running.splice(0)) await p.close();
});

async function provider(maxStreamResetsPerSecond?: number): Promise<TestProvider> {
  const p = await startContractProvider(maxStreamResetsPerSecond ? { maxStreamResetsPerSecond } : {});
  running.push(p);
  return p;
}

/** One connection whose GOAWAY frames, if any, are recorded with their error code. */
function connect(p: TestProvider): { session: http2.ClientHttp2Session; goaways: number[] } {
  const session = http2.connect(p.url);
  session.on("error", () => {});
  sessions.push(session);
  const goaways: number[] = [];
  session.on("goaway", (code: number) => goaways.push(code));
  return { session, goaways };
}

function greetRequest(name: string): Buffer {
  const body = toBinary(GreetRequestSchema, create(GreetRequestSchema, { name }));
  const envelope = Buffer.alloc(5 + body.length);
  envelope.writeUInt32BE(body.length, 1);
  envelope.set(body, 5);
  return envelope;
}

function open(session: http2.ClientHttp2Session, name: string): http2.ClientHttp2Stream {
  const stream = session.request({
    ":method": "POST",
    ":path": `/${GREETER_SERVICE}/Greet`,
    "content-type": grpcWire.contentTypeProto,
    te: "trailers",
  });
  stream.on("error", () => {});
  stream.end(greetRequest(name));
  return stream;
}

/**
 * Starts `total` slow calls in batches of `batch` on one connection and cancels each as soon as its HEADERS are out
 * (RST_STREAM CANCEL), as a client does when its caller gives up; stops early if the connection dies.
 */
async function cancelCalls(session: http2.ClientHttp2Session, total: number, batch: number): Promise<number> {
  let sent = 0;
  while (sent < total && !session.destroyed && !session.closed) {
    const streams = Array.from({ length: Math.min(batch, total - sent) }, () => open(session, "sleep:10000"));
    await Promise.all(
      streams.map(
        (s) =>
          new Promise<void>((resolve) => {
            const cancel = () => {
              s.close(http2.constants.NGHTTP2_CANCEL);
              s.once("close", () => resolve());
            };
            if (s.id !== undefined) cancel();
            else s.once("ready", cancel).once("close", () => resolve());
          }),
      ),
    );
    sent += streams.length;
  }
  return sent;
}

/** Makes one Greet call on `session` and resolves with its grpc-status. */
function greetStatus(session: http2.ClientHttp2Session): Promise<string | undefined> {
  return new Promise((resolve) => {
    const stream = open(session, "after");
    stream.on("data", () => {});
    stream.on("trailers", (t) => resolve(String(t[grpcWire.headerStatus])));
    stream.on("close", () => resolve(undefined));
  });
}

describe("RST_STREAM rate limit", () => {
  it("keeps the connection of a client that cancels 3000 calls in a row (Node's default limit closes it)", async () => {
    const p = await provider();
    const { session, goaways } = connect(p);
    const sent = await cancelCalls(session, 3000, 50);
    expect(sent).toBe(3000);
    expect(await greetStatus(session)).toBe("0");
    expect(goaways).toEqual([]);
    expect(session.destroyed).toBe(false);
  });

  it("cuts off a client that resets faster than dubbo.protocol.triple.max-stream-resets-per-second allows", async () => {
    const p = await provider(20); // bursts of 200
    const { session, goaways } = connect(p);
    const closed = new Promise<void>((resolve) => session.once("close", () => resolve()));
    await cancelCalls(session, 3000, 50);
    await closed;
    expect(goaways).toEqual([http2.constants.NGHTTP2_INTERNAL_ERROR]);
  });

  it("refuses a bad value naming the option and its key", async () => {
    await expect(startContractProvider({ maxStreamResetsPerSecond: 0 })).rejects.toThrow(
      "maxStreamResetsPerSecond (dubbo.protocol.triple.max-stream-resets-per-second) must be an integer from 1 to 2147483647, got 0",
    );
  });
});

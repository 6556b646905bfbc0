import type { KeepalivePolicy } from "@dubbo-mesh/provider";
import { afterEach, describe, expect, it } from "vitest";
import { frameType, goawayOf, type RawFrame, RawH2Client } from "./support/h2-raw-client.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

// HTTP/2 keepalive on the protocol port, driven frame by frame from a raw client: the provider PINGs a connection
// that went quiet and closes it when no ACK comes; and it polices the client's PINGs as gRPC servers do — GOAWAY
// ENHANCE_YOUR_CALM "too_many_pings" past the strikes — unless the server sent data in between.

const GREET = "/fixture.v1.GreeterService/Greet";
const GREET_BIDI = "/fixture.v1.GreeterService/GreetBidi";
const ENHANCE_YOUR_CALM = 0xb;

let provider: TestProvider | undefined;
let client: RawH2Client | undefined;

afterEach(async () => {
  client?.close();
  client = undefined;
  await provider?.close();
  provider = undefined;
});

async function connect(keepalive: Partial<KeepalivePolicy>): Promise<RawH2Client> {
  provider = await startContractProvider({ keepalive });
  client = await RawH2Client.connect(provider.port);
  return client;
}

function greetRequest(name: string): Buffer {
  return Buffer.concat([Buffer.from([0x0a, name.length]), Buffer.from(name)]);
}

const isPing = (f: RawFrame) => f.type === frameType.ping && (f.flags & 1) === 0;
const isPingAck = (f: RawFrame) => f.type === frameType.ping && (f.flags & 1) === 1;
const isGoaway = (f: RawFrame) => f.type === frameType.goaway;
const endsStream = (id: number) => (f: RawFrame) =>
  f.streamId === id && (f.type === frameType.headers || f.type === frameType.data) && (f.flags & 1) === 1;
const dataOn = (id: number) => (f: RawFrame) => f.streamId === id && f.type === frameType.data;

/** Sends one PING and waits for its ACK. */
async function pingAndWait(c: RawH2Client): Promise<void> {
  const from = c.frames.length;
  c.ping();
  if ((await c.next(isPingAck, from)) === undefined) throw new Error("connection closed before the PING ACK");
}

describe("provider keepalive (dubbo.protocol.keepalive-time / keepalive-timeout)", () => {
  it("PINGs a quiet connection and closes it when the PING goes unanswered", async () => {
    const c = await connect({ timeMs: 100, timeoutMs: 150 });
    const ping = await c.next(isPing);
    expect(ping, "a PING from the provider").toBeDefined();
    await c.closed; // no ACK sent: the provider gives up on the connection
    expect(c.isClosed).toBe(true);
  });

  it("keeps a connection whose client answers every PING", async () => {
    const c = await connect({ timeMs: 100, timeoutMs: 150 });
    for (let i = 0; i < 3; i++) {
      const ping = await c.next(isPing, c.frames.length);
      expect(ping, `PING #${i + 1}`).toBeDefined();
      c.ackPing(ping as RawFrame);
    }
    expect(c.isClosed).toBe(false);
    c.startCall(1, GREET, greetRequest("alive"));
    expect(await c.next(endsStream(1))).toBeDefined();
  });
});

describe("provider ping enforcement (permit-keepalive-time, permit-keepalive-without-calls, max-ping-strikes)", () => {
  it("answers a flood of PINGs with GOAWAY ENHANCE_YOUR_CALM too_many_pings and closes the connection", async () => {
    const c = await connect({});
    c.ping(10);
    const goaway = await c.next(isGoaway);
    expect(goaway, "a GOAWAY").toBeDefined();
    expect(goawayOf(goaway as RawFrame)).toEqual({ code: ENHANCE_YOUR_CALM, debug: "too_many_pings" });
    await c.closed;
    // The first PING is free and two strikes are allowed: the fourth is one too many.
    expect(c.count(frameType.ping, true)).toBeLessThanOrEqual(4);
  });

  it("forgives PINGs with calls answered in between, and strikes them once the connection is quiet", async () => {
    const c = await connect({});
    for (let i = 0; i < 4; i++) {
      await pingAndWait(c);
      const stream = 1 + 2 * i;
      c.startCall(stream, GREET, greetRequest(`call ${i}`));
      expect(await c.next(endsStream(stream)), `call ${i}`).toBeDefined();
    }
    await pingAndWait(c);
    expect(c.frames.some(isGoaway)).toBe(false);
    // Now nothing but PINGs: the next one is the first strike, two more are over the limit.
    c.ping(3);
    expect(goawayOf((await c.next(isGoaway)) as RawFrame).debug).toBe("too_many_pings");
  });

  it("forgives PINGs while a long call streams data to the client, and strikes them while it is silent", async () => {
    const c = await connect({});
    c.startCall(1, GREET_BIDI, undefined, false);
    for (let i = 0; i < 5; i++) {
      const from = c.frames.length;
      c.sendMessage(1, greetRequest(`message ${i}`));
      expect(await c.next(dataOn(1), from), `reply ${i}`).toBeDefined();
      await pingAndWait(c);
    }
    expect(c.frames.some(isGoaway)).toBe(false);
    c.ping(3); // the call is still open but sends nothing now
    expect(goawayOf((await c.next(isGoaway)) as RawFrame)).toEqual({
      code: ENHANCE_YOUR_CALM,
      debug: "too_many_pings",
    });
  });

  it.each([
    { policy: { permitTimeMs: 0, permitWithoutCalls: true }, what: "permit-keepalive-time 0 without calls permitted" },
    { policy: { maxPingStrikes: 0 }, what: "max-ping-strikes 0" },
  ])("lets PINGs through at any rate with $what", async ({ policy }) => {
    const c = await connect(policy);
    c.ping(20);
    await c.next(() => c.count(frameType.ping, true) === 20);
    expect(c.count(frameType.ping, true)).toBe(20);
    expect(c.frames.some(isGoaway)).toBe(false);
    c.startCall(1, GREET, greetRequest("still served"));
    expect(await c.next(endsStream(1))).toBeDefined();
  });
});

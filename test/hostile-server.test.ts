/**
 * Our consumer against a hostile gRPC server (test/peers/python/hostile_server.py, Python's h2): every way of breaking
 * the protocol that issue 16 lists, each giving the code gRPC's spec names — PROTOCOL-HTTP2.md (RST_STREAM mapping,
 * lenient grpc-message decoding), http-grpc-status-mapping.md (HTTP statuses without grpc-status), compression.md
 * (compressed flag without grpc-encoding) — and failing as soon as the response shows it is broken, not at the
 * deadline. Unary and server-streaming calls each.
 */
import { Code, ConnectError, createConsumer } from "@dubbo-mesh/consumer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PYTHON, pythonPeersDir } from "./peers/python-peer.js";
import { GreeterService } from "./support/greeter-proto.js";
import { type EventProcess, spawnEvents } from "./support/processes.js";

/** One misbehaviour: the `x-hostile` case, and what the call must end with. */
interface HostileCase {
  what: string;
  header: string;
  /** The call's code, or "ok" with the greetings a server stream yields first (a unary call: its one greeting). */
  code: Code | "ok";
  /** The exact message, where the case is about it. */
  message?: string;
  /** For a server stream: the greetings received before the error. */
  before?: string[];
  /** Unary or server-streaming only. */
  only?: "unary" | "stream";
  /** Deadline of the call (default: 5 s, far beyond any fail-fast answer). */
  timeoutMs?: number;
}

const resetCodes: [string, number, Code][] = [
  ["NO_ERROR", 0x0, Code.Internal],
  ["PROTOCOL_ERROR", 0x1, Code.Internal],
  ["INTERNAL_ERROR", 0x2, Code.Internal],
  ["FLOW_CONTROL_ERROR", 0x3, Code.Internal],
  ["SETTINGS_TIMEOUT", 0x4, Code.Internal],
  ["STREAM_CLOSED", 0x5, Code.Internal],
  ["FRAME_SIZE_ERROR", 0x6, Code.Internal],
  ["REFUSED_STREAM", 0x7, Code.Unavailable],
  ["CANCEL", 0x8, Code.Canceled],
  ["COMPRESSION_ERROR", 0x9, Code.Internal],
  ["CONNECT_ERROR", 0xa, Code.Internal],
  ["ENHANCE_YOUR_CALM", 0xb, Code.ResourceExhausted],
  ["INADEQUATE_SECURITY", 0xc, Code.PermissionDenied],
  ["HTTP_1_1_REQUIRED", 0xd, Code.Internal],
];

const httpStatuses: [number, Code][] = [
  [400, Code.Internal],
  [401, Code.Unauthenticated],
  [403, Code.PermissionDenied],
  [404, Code.Unimplemented],
  [429, Code.Unavailable],
  [431, Code.Internal],
  [500, Code.Unknown],
  [502, Code.Unavailable],
  [503, Code.Unavailable],
  [504, Code.Unavailable],
];

const cases: HostileCase[] = [
  { what: "a valid response (control)", header: "ok", code: "ok", before: ["hello"] },
  { what: "HTTP 200 text/html", header: "html", code: Code.Unknown },
  ...httpStatuses.map(([status, code]) => ({
    what: `HTTP ${status} text/plain without gRPC headers`,
    header: `http:${status}`,
    code,
  })),
  { what: "trailers without grpc-status", header: "no-status", code: Code.Unknown },
  { what: 'a garbled grpc-status ("OK?")', header: "garbled-status", code: Code.Internal },
  { what: "a length prefix of 2 GiB, then silence", header: "huge-prefix", code: Code.ResourceExhausted },
  {
    what: "a length prefix of 2 GiB after a good message, then silence",
    header: "huge-prefix-late",
    code: Code.ResourceExhausted,
    before: ["hello"],
    only: "stream",
  },
  { what: "a truncated message followed by trailers", header: "truncated", code: Code.Internal },
  { what: "the compressed flag without grpc-encoding", header: "compressed", code: Code.Internal },
  { what: "a message that is not protobuf", header: "invalid-protobuf", code: Code.Internal },
  { what: "two messages for a unary call", header: "two-messages", code: Code.Internal, only: "unary" },
  {
    what: "two messages for a server stream (fine)",
    header: "two-messages",
    code: "ok",
    before: ["hello", "hello"],
    only: "stream",
  },
  { what: "headers, then silence", header: "silence", code: Code.DeadlineExceeded, timeoutMs: 300 },
  ...resetCodes.map(([name, value, code]) => ({ what: `RST_STREAM ${name}`, header: `rst:${value}`, code })),
  {
    what: "a percent-encoded grpc-message",
    header: "message:3:caf%C3%A9 %25 50%25",
    code: Code.InvalidArgument,
    message: "café % 50%",
  },
  {
    what: 'a broken percent-encoding ("bad %zz %"), kept as sent',
    header: "message:3:bad %zz %",
    code: Code.InvalidArgument,
    message: "bad %zz %",
  },
  { what: "trailers-only", header: "trailers-only", code: Code.NotFound, message: "nope" },
  { what: "a TCP close mid-response", header: "tcp-close", code: Code.Unavailable },
  // The connection's end, not the stream's: UNAVAILABLE as for a TCP close, whatever the GOAWAY's code (Node
  // destroys the session and reports INTERNAL_ERROR on its streams, which is not what the peer said of them).
  { what: "GOAWAY INTERNAL_ERROR mid-response", header: "goaway:2", code: Code.Unavailable },
  { what: "GOAWAY ENHANCE_YOUR_CALM mid-response", header: "goaway:11", code: Code.Unavailable },
];

let server: EventProcess;
let url: string;
const consumer = createConsumer({ timeout: 5000 });

beforeAll(async () => {
  server = spawnEvents(PYTHON, [`${pythonPeersDir}hostile_server.py`]);
  url = `tri://127.0.0.1:${(await server.waitFor((e) => e.event === "listening")).port}`;
});

afterAll(async () => {
  consumer.close();
  await server.stop("SIGKILL");
});

/** How a call ended: its greetings, and its error's code and message if it failed. */
interface Ending {
  greetings: string[];
  code: Code | "ok";
  message?: string;
}

async function run(kind: "unary" | "stream", c: HostileCase): Promise<Ending> {
  const greeter = consumer.reference(GreeterService, { url });
  const options = { headers: { "x-hostile": c.header }, ...(c.timeoutMs ? { timeoutMs: c.timeoutMs } : {}) };
  const greetings: string[] = [];
  try {
    if (kind === "unary") greetings.push((await greeter.greet({ name: "x" }, options)).greeting);
    else for await (const r of greeter.greetStream({ name: "x" }, options)) greetings.push(r.greeting);
    return { greetings, code: "ok" };
  } catch (e) {
    const error = ConnectError.from(e);
    return { greetings, code: error.code, message: error.rawMessage };
  }
}

for (const kind of ["unary", "stream"] as const) {
  describe(`a ${kind === "unary" ? "unary" : "server-streaming"} call against a hostile gRPC server`, () => {
    for (const c of cases) {
      if (c.only !== undefined && c.only !== kind) continue;
      const title = `${c.what} -> ${c.code === "ok" ? "OK" : Code[c.code]}`;
      it(title, async () => {
        const ending = await run(kind, c);
        expect({ code: ending.code, message: ending.message }).toMatchObject({
          code: c.code,
          ...(c.message !== undefined ? { message: c.message } : {}),
        });
        if (kind === "stream" && c.before) expect(ending.greetings).toEqual(c.before);
        if (kind === "unary" && c.code === "ok") expect(ending.greetings).toEqual(c.before?.slice(0, 1));
      });
    }
  });
}

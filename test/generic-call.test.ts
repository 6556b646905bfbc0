import { execFile } from "node:child_process";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { createConsumer } from "@dubbo-mesh/consumer";
import { attachmentsOf, setResponseAttachments } from "@dubbo-mesh/provider";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

// Generic calls of Dubbo interface services without a .proto, on Dubbo's documented wire: POST /<interface>/<method>,
// application/json, a JSON array of the arguments, version/group in tri- headers. Clients: curl exactly as Dubbo's
// docs write it, and our consumer's generic API; providers: ours (a plain class), and stand-ins answering in each
// Triple error dialect (Dubbo Java, dubbo-go, dubbo-js) over a real socket.

const GREETINGS = "org.apache.dubbo.samples.api.GreetingsService";
const run = promisify(execFile);

/** A plain TypeScript class, as a Java developer would write GreetingsServiceImpl. */
class GreetingsServiceImpl {
  constructor(private readonly prefix = "hi") {}
  sayHi(name: string): string {
    return `${this.prefix}, ${name}`;
  }
  add(a: number, b: number): { sum: number } {
    return { sum: a + b };
  }
  find(id: string): never {
    throw new ConnectError(`no user ${id}`, Code.NotFound);
  }
  explode(): never {
    throw new Error("a secret stack trace");
  }
  /** Answers the attachments it received, and sends one back. */
  attachments(ctx: HandlerContext): Record<string, string> {
    setResponseAttachments(ctx, { ServerTag: "blue", "raw-bytes": new Uint8Array([0, 255]) });
    const received = attachmentsOf(ctx);
    return Object.fromEntries(
      Object.entries(received).map(([k, v]) => [
        k,
        typeof v === "string" ? v : `bytes:${Buffer.from(v).toString("hex")}`,
      ]),
    );
  }
}

let provider: TestProvider;

beforeAll(async () => {
  provider = await startContractProvider({}, (p) => {
    // Unversioned, as in Dubbo's samples (whose documented curl sends no version); blue 1.0.0 beside it.
    p.genericService(GREETINGS, new GreetingsServiceImpl(), { parameterCounts: { attachments: 0 } });
    p.genericService(GREETINGS, new GreetingsServiceImpl("hello from blue"), {
      version: "1.0.0",
      group: "blue",
      parameterCounts: { attachments: 0 },
    });
  });
});

afterAll(async () => {
  await provider?.close();
});

/** Runs curl with exactly the arguments given (plus -sS -i to read the status), as a user pastes them. */
async function curl(...args: string[]): Promise<{ status: number; headers: string; body: string }> {
  const { stdout } = await run("curl", ["-sS", "-i", "--max-time", "10", ...args]);
  const end = stdout.indexOf("\r\n\r\n");
  return {
    status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(stdout)?.[1]),
    headers: stdout.slice(0, end),
    body: stdout.slice(end + 4),
  };
}

describe("Dubbo's documented curl calls against a plain class registered under an interface name", () => {
  const url = () => `${provider.url}/${GREETINGS}`;

  it(`curl -H 'Content-Type: application/json' --data '["Dubbo"]' .../${GREETINGS}/sayHi`, async () => {
    const r = await curl("-H", "Content-Type: application/json", "--data", '["Dubbo"]', `${url()}/sayHi`);
    expect(r.status).toBe(200);
    expect(r.headers).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(JSON.parse(r.body)).toBe("hi, Dubbo");
  });

  it("over HTTP/2 too, with several arguments and an object result", async () => {
    const r = await curl(
      "--http2-prior-knowledge",
      "-H",
      "Content-Type: application/json",
      "--data",
      "[2,3]",
      `${url()}/add`,
    );
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ sum: 5 });
  });

  it("version and group as Triple headers select the registration", async () => {
    const r = await curl(
      ...["-H", "Content-Type: application/json", "-H", "tri-service-version: 1.0.0", "-H", "tri-service-group: blue"],
      ...["--data", '["Dubbo"]', `${url()}/sayHi`],
    );
    expect(JSON.parse(r.body)).toBe("hello from blue, Dubbo");
  });

  it.each([
    {
      case: "a malformed JSON array",
      path: "sayHi",
      data: '["Dubbo"',
      status: 400,
      code: 3,
      message: new RegExp(`^malformed JSON request body of ${GREETINGS}/sayHi: `),
    },
    {
      case: "a body that is not an array",
      path: "sayHi",
      data: '{"name":"Dubbo"}',
      status: 400,
      code: 3,
      message: /must be a JSON array of its 1 argument\(s\), e\.g\. \["Dubbo"\]; got an object/,
    },
    {
      case: "the wrong argument count",
      path: "sayHi",
      data: '["a","b"]',
      status: 400,
      code: 3,
      message: new RegExp(`^${GREETINGS}/sayHi takes 1 argument\\(s\\), got 2$`),
    },
    {
      case: "an unknown method",
      path: "sayBye",
      data: "[]",
      status: 404,
      code: 12,
      message: new RegExp(`unknown method sayBye of service ${GREETINGS}`),
    },
    {
      case: "an RPC error the method throws",
      path: "find",
      data: '["42"]',
      status: 404,
      code: 5,
      message: /^no user 42$/,
    },
    {
      case: "an exception of the method's own (no detail leaks)",
      path: "explode",
      data: "[]",
      status: 500,
      code: 13,
      message: /^internal error$/,
    },
  ])(
    "$case -> HTTP $status, code $code, a message naming the problem",
    async ({ path, data, status, code, message }) => {
      const r = await curl("-H", "Content-Type: application/json", "--data", data, `${url()}/${path}`);
      expect(r.status).toBe(status);
      const body = JSON.parse(r.body);
      expect(body.status).toBe(code);
      expect(body.message).toMatch(message);
      // Dubbo 3.3's tri-exception-code: the gRPC code, or 3 (BIZ_EXCEPTION) for the method's own exception.
      expect(r.headers).toMatch(new RegExp(`\\r\\ntri-exception-code: ${path === "explode" ? 3 : code}\\r\\n`, "i"));
    },
  );

  it("an unknown interface -> 404 naming it", async () => {
    const r = await curl(
      "-H",
      "Content-Type: application/json",
      "--data",
      "[]",
      `${provider.url}/org.example.Nope/sayHi`,
    );
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body)).toMatchObject({ status: 12, message: "unknown service org.example.Nope" });
  });
});

describe("consumer.generic(...).invoke against the same provider", () => {
  const consumer = createConsumer({ application: "generic-test" });
  afterAll(() => consumer.close());
  const greetings = (options: { group?: string; httpVersion?: "1.1" | "2" } = {}) =>
    consumer.generic(GREETINGS, { url: provider.url, version: "1.0.0", timeout: 5000, ...options });

  it.each(["1.1", "2"] as const)("invoke returns the JSON of the return value (HTTP/%s)", async (httpVersion) => {
    expect(await greetings({ httpVersion }).invoke("sayHi", ["Dubbo"])).toBe("hi, Dubbo");
    expect(await greetings({ httpVersion }).invoke("add", [40, 2])).toEqual({ sum: 42 });
    expect(await greetings({ group: "blue", httpVersion }).invoke("sayHi", ["x"])).toBe("hello from blue, x");
  });

  it("errors keep their gRPC code and message", async () => {
    const notFound = await greetings()
      .invoke("find", ["7"])
      .catch((e: unknown) => ConnectError.from(e));
    expect(notFound).toMatchObject({ code: Code.NotFound, rawMessage: "no user 7" });
    const count = await greetings()
      .invoke("sayHi", [])
      .catch((e: unknown) => ConnectError.from(e));
    expect(count).toMatchObject({
      code: Code.InvalidArgument,
      rawMessage: `${GREETINGS}/sayHi takes 1 argument(s), got 0`,
    });
    const unknown = await consumer
      .generic("org.example.Nope", { url: provider.url, retries: 0 })
      .invoke("sayHi", [])
      .catch((e: unknown) => ConnectError.from(e));
    expect(unknown).toMatchObject({ code: Code.Unimplemented, rawMessage: "unknown service org.example.Nope" });
  });

  it("attachments travel as metadata: lower-cased names, bytes as base64 -bin, names restored by tri-header-convert", async () => {
    let back: Record<string, string | Uint8Array> = {};
    const received = await greetings().invoke("attachments", [], {
      attachments: { userId: "u-1", Region: "eu", trace: new Uint8Array([1, 2, 250]) },
      onAttachments: (a) => {
        back = a;
      },
    });
    expect(received).toMatchObject({ userId: "u-1", Region: "eu", trace: "bytes:0102fa" });
    expect(back.ServerTag).toBe("blue");
    expect(back["raw-bytes"]).toEqual(new Uint8Array([0, 255]));
  });

  it("a bad interface name is refused at once", () => {
    expect(() => consumer.generic("org.example.Outer$Inner", { url: provider.url })).toThrow(/invalid interface name/);
  });
});

/** One answer of a stand-in provider, and what it saw of the request. */
interface StandIn {
  url: string;
  requests: { method: string; path: string; headers: http.IncomingHttpHeaders; body: string }[];
  close(): Promise<void>;
}

/** A node:http server that answers every request with one canned Triple error (or success) response. */
async function standIn(status: number, headers: Record<string, string>, body: string): Promise<StandIn> {
  const requests: StandIn["requests"] = [];
  const server = http.createServer((req, res) => {
    let data = "";
    req.setEncoding("utf8").on("data", (c: string) => (data += c));
    req.on("end", () => {
      requests.push({ method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: data });
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describe("the consumer reads every Triple error dialect", () => {
  const consumer = createConsumer({ application: "dialects" });
  afterAll(() => consumer.close());

  it.each([
    {
      dialect: "Dubbo Java: a business exception (HTTP 500, tri-exception-code 3)",
      status: 500,
      headers: { "tri-exception-code": "3" },
      body: '{"status":"500","message":"java.lang.IllegalStateException: boom"}',
      code: Code.Unknown,
      message: "java.lang.IllegalStateException: boom",
    },
    {
      dialect: "Dubbo Java: an RPC status in tri-exception-code",
      status: 500,
      headers: { "tri-exception-code": "4" },
      body: '{"status":"500","message":"timeout"}',
      code: Code.DeadlineExceeded,
      message: "timeout",
    },
    {
      dialect: "Dubbo Java: no such invoker (HTTP status only)",
      status: 404,
      headers: {},
      body: '{"status":"404","message":"Invoker not found"}',
      code: Code.Unimplemented,
      message: "Invoker not found",
    },
    {
      dialect: "dubbo-go: a code name",
      status: 400,
      headers: {},
      body: '{"code":"invalid_argument","message":"bad name"}',
      code: Code.InvalidArgument,
      message: "bad name",
    },
    {
      dialect: "dubbo-js: a numeric gRPC status",
      status: 404,
      headers: {},
      body: '{"status":5,"message":"gone","details":[]}',
      code: Code.NotFound,
      message: "gone",
    },
    {
      dialect: "dubbo-js docs: the gRPC status as a string",
      status: 400,
      headers: {},
      body: '{"status":"3","message":"sentence cannot be empty"}',
      code: Code.InvalidArgument,
      message: "sentence cannot be empty",
    },
  ])("$dialect", async ({ status, headers, body, code, message }) => {
    const server = await standIn(status, headers, body);
    try {
      const e = await consumer
        .generic(GREETINGS, { url: server.url, version: "1.0.0", group: "g", retries: 0 })
        .invoke("sayHi", ["Dubbo"])
        .catch((err: unknown) => ConnectError.from(err));
      expect(e).toMatchObject({ code, rawMessage: message });
      // What our consumer sent is Dubbo's documented request.
      const [req] = server.requests;
      expect(req).toMatchObject({ method: "POST", path: `/${GREETINGS}/sayHi`, body: '["Dubbo"]' });
      expect(req?.headers["content-type"]).toBe("application/json");
      expect(req?.headers["tri-service-version"]).toBe("1.0.0");
      expect(req?.headers["tri-service-group"]).toBe("g");
    } finally {
      await server.close();
    }
  });
});

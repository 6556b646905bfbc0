import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { create, createFileRegistry, type DescService, setExtension } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_timestamp, MethodOptionsSchema } from "@bufbuild/protobuf/wkt";
import { googleApi, HttpRuleSchema } from "@dubbo-mesh/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

// REST-style unary calls on the protocol port: GET /<service>/<Method>?field=value (query bound by proto JSON
// names), and google.api.http rules from the .proto (the greeter sample's `get: "/v1/greet/{name}"`, `post` with
// `body: "*"`), driven by curl over HTTP/1.1 and HTTP/2.

const run = promisify(execFile);

/** A search service built at run time, with repeated, nested, enum, 64-bit and well-known-type fields and rules. */
function itemsService(): DescService {
  const rule = (init: Parameters<typeof create<typeof HttpRuleSchema>>[1]) => {
    const options = create(MethodOptionsSchema);
    setExtension(options, googleApi.http, create(HttpRuleSchema, init));
    return options;
  };
  const file = create(FileDescriptorProtoSchema, {
    name: "test/items.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: [file_google_protobuf_timestamp.proto.name],
    enumType: [
      {
        name: "Kind",
        value: [
          { name: "KIND_UNSPECIFIED", number: 0 },
          { name: "KIND_BOOK", number: 1 },
        ],
      },
    ],
    messageType: [
      {
        name: "Page",
        field: [
          { name: "size", number: 1, type: 5, label: 1, jsonName: "size" },
          { name: "page_token", number: 2, type: 9, label: 1, jsonName: "pageToken" },
        ],
      },
      {
        name: "Query",
        field: [
          { name: "tags", number: 1, type: 9, label: 3, jsonName: "tags" },
          { name: "page", number: 2, type: 11, typeName: ".test.v1.Page", label: 1, jsonName: "page" },
          { name: "active", number: 3, type: 8, label: 1, jsonName: "active" },
          { name: "since_id", number: 4, type: 3, label: 1, jsonName: "sinceId" },
          { name: "kind", number: 5, type: 14, typeName: ".test.v1.Kind", label: 1, jsonName: "kind" },
          { name: "score", number: 6, type: 1, label: 1, jsonName: "score" },
          { name: "limit", number: 7, type: 13, label: 1, jsonName: "limit" },
          { name: "at", number: 8, type: 11, typeName: ".google.protobuf.Timestamp", label: 1, jsonName: "at" },
        ],
      },
    ],
    service: [
      {
        name: "Items",
        method: [
          {
            name: "Search",
            inputType: ".test.v1.Query",
            outputType: ".test.v1.Query",
            options: rule({
              pattern: { case: "get", value: "/v1/items/{page.page_token}" },
              additionalBindings: [
                { pattern: { case: "post", value: "/v1/items:search" }, body: "*" },
                { pattern: { case: "patch", value: "/v1/shelves/{page.page_token=shelves/*}/tags" }, body: "tags" },
              ],
            }),
          },
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === file_google_protobuf_timestamp.proto.name ? file_google_protobuf_timestamp : undefined,
  );
  const service = registry.getService("test.v1.Items");
  if (!service) throw new Error("no test.v1.Items");
  return service;
}

let provider: TestProvider;
let items: DescService;

beforeAll(async () => {
  items = itemsService();
  provider = await startContractProvider({}, (p) => {
    p.service(GreeterService, contractGreeter());
    // Search answers the request it received, so each test sees how the URL was bound.
    p.service(items, { search: (req: unknown) => req } as never);
  });
});

afterAll(async () => {
  await provider?.close();
});

type Reply = { status: number; headers: string; json: Record<string, unknown> };

async function curl(args: string[]): Promise<Reply> {
  const { stdout } = await run("curl", ["-sS", "-i", "--max-time", "10", ...args]);
  const end = stdout.indexOf("\r\n\r\n");
  const body = stdout.slice(end + 4);
  return {
    status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(stdout)?.[1]),
    headers: stdout.slice(0, end),
    json: body === "" ? {} : (JSON.parse(body) as Record<string, unknown>),
  };
}

describe.each([
  { http: "--http1.1", label: "HTTP/1.1" },
  { http: "--http2-prior-knowledge", label: "HTTP/2" },
])("REST over $label", ({ http }) => {
  const get = (path: string) => curl([http, `${provider.url}${path}`]);

  it("GET /<service>/<Method>?name=… binds the query to the request", async () => {
    const r = await get("/fixture.v1.GreeterService/Greet?name=alice");
    expect(r.status).toBe(200);
    expect(r.headers).toMatch(/\r\ncontent-type: application\/json\r\n/i);
    expect(r.json).toEqual({ greeting: "hello, alice" });
  });

  it('the sample\'s rule get: "/v1/greet/{name}", the variable percent-decoded', async () => {
    const r = await get("/v1/greet/J%C3%BCrgen%20M");
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ greeting: "hello, Jürgen M" });
  });

  it('the sample\'s additional binding post: "/v1/greet" with body: "*"', async () => {
    const r = await curl([
      http,
      "-H",
      "content-type: application/json",
      "-d",
      '{"name":"bob"}',
      `${provider.url}/v1/greet`,
    ]);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({ greeting: "hello, bob" });
  });

  it("repeated, nested, enum, 64-bit, float, unsigned and Timestamp fields from the query, by JSON or proto name", async () => {
    const r = await get(
      "/v1/items/tok-1?tags=a&tags=b%20c&page.size=20&active=true&since_id=9007199254740993&kind=KIND_BOOK" +
        "&score=1.5&limit=7&at=2026-12-02T10:00:00Z",
    );
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      tags: ["a", "b c"],
      page: { size: 20, pageToken: "tok-1" },
      active: true,
      sinceId: "9007199254740993",
      kind: "KIND_BOOK",
      score: 1.5,
      limit: 7,
      at: "2026-12-02T10:00:00Z",
    });
  });

  it("GET /<service>/<Method> binds nested query fields too (pageToken by its JSON name)", async () => {
    const r = await get("/test.v1.Items/Search?page.pageToken=x&kind=1");
    expect(r.json).toEqual({ page: { pageToken: "x" }, kind: "KIND_BOOK" });
  });

  it('a rule with body: "tags" and a multi-segment variable (shelves/*), with a custom verb path', async () => {
    const patched = await curl([
      ...[http, "-X", "PATCH", "-H", "content-type: application/json", "-d", '["x","y"]'],
      `${provider.url}/v1/shelves/shelves/7/tags`,
    ]);
    expect(patched.status).toBe(200);
    expect(patched.json).toEqual({ tags: ["x", "y"], page: { pageToken: "shelves/7" } });
    const searched = await curl([
      ...[http, "-H", "content-type: application/json", "-d", '{"tags":["z"],"limit":3}'],
      `${provider.url}/v1/items:search`,
    ]);
    expect(searched.json).toEqual({ tags: ["z"], limit: 3 });
  });

  it.each([
    { query: "limit=-1", param: "limit", expected: /expected an unsigned 32-bit integer/ },
    { query: "page.size=big", param: "page.size", expected: /expected a 32-bit integer/ },
    { query: "active=yes", param: "active", expected: /expected true or false/ },
    { query: "kind=KIND_CD", param: "kind", expected: /expected one of KIND_UNSPECIFIED, KIND_BOOK/ },
    { query: "since_id=1e3", param: "since_id", expected: /expected a 64-bit integer/ },
    { query: "nope=1", param: "nope", expected: /unknown query parameter nope: test\.v1\.Query has no field nope/ },
    { query: "page=1", param: "page", expected: /page is a message \(test\.v1\.Page\); set its fields/ },
  ])("a bad query value ($query) -> 400 INVALID_ARGUMENT naming the field", async ({ query, param, expected }) => {
    const r = await get(`/v1/items/t?${query}`);
    expect(r.status).toBe(400);
    expect(r.json.status).toBe(3);
    expect(r.json.message).toContain(param);
    expect(r.json.message).toMatch(expected);
  });

  it("a rule's path with another verb -> 405 with Allow", async () => {
    const r = await curl([http, "-X", "DELETE", `${provider.url}/v1/greet/x`]);
    expect(r.status).toBe(405);
    expect(r.headers).toMatch(/\r\nallow: GET\r\n/i);
    expect(r.json.message).toMatch(/DELETE is not allowed on \/v1\/greet\/x: it takes GET/);
  });

  it("a POST with Dubbo Java's method name (first letter lower case) reaches the IDL method", async () => {
    const r = await curl([
      ...[http, "-H", "content-type: application/json", "-d", '{"name":"java"}'],
      `${provider.url}/fixture.v1.GreeterService/greet`,
    ]);
    expect(r.json).toEqual({ greeting: "hello, java" });
  });

  it("an unknown path -> 404", async () => {
    const r = await curl([http, "-H", "content-type: application/json", `${provider.url}/v2/greet/x`]);
    expect(r.status).toBe(404);
  });

  it("GET of a bidi method -> 405", async () => {
    const r = await get("/fixture.v1.GreeterService/GreetBidi");
    expect(r.status).toBe(405);
    expect(r.json.message).toMatch(/GET calls unary and server-streaming methods/);
  });

  it("GET of a server-streaming method answers Server-Sent Events (what EventSource sends)", async () => {
    const { stdout } = await run("curl", [
      "-sS",
      http,
      `${provider.url}/fixture.v1.GreeterService/GreetStream?name=es`,
    ]);
    expect(stdout).toBe(
      'data:{"greeting":"hello, es #1"}\n\ndata:{"greeting":"hello, es #2"}\n\ndata:{"greeting":"hello, es #3"}\n\n',
    );
  });
});

describe("rules are checked at start-up", () => {
  it("a bad path template stops the general path with a message naming method and template", async () => {
    const { createHttpRuleRouter } = await import("@dubbo-mesh/protocol");
    const broken = structuredClone(items.methods[0]?.proto.options) ?? create(MethodOptionsSchema);
    setExtension(broken, googleApi.http, create(HttpRuleSchema, { pattern: { case: "get", value: "v1/{name" } }));
    const method = { ...items.methods[0], proto: { ...items.methods[0]?.proto, options: broken } } as never;
    expect(() => createHttpRuleRouter([method])).toThrow(/test\.v1\.Items\/Search: bad path template "v1\/\{name"/);
  });
});

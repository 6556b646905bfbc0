import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { callInfo, createProvider } from "@dubbo-mesh/provider";
import { createLifecycle, silentLogger } from "@dubbo-mesh/runtime";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { dubbo } from "dubbo-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ContractGreeter } from "./fixtures/dist/contract-impl.js";
import { repoRoot } from "./peers/protos.js";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const bin = fileURLToPath(new URL("../packages/cli/dist/bin.js", import.meta.url));
const GREET = "fixture.v1.GreeterService/Greet";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built `dubbo-mesh` with `node`, as a user would, optionally feeding standard input. */
async function cli(args: string[], options: { input?: string; env?: Record<string, string> } = {}): Promise<Run> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: repoRoot,
    env: { ...process.env, DUBBO_APPLICATION_QOS_PORT: "", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
  child.stdin.end(options.input ?? "");
  const [code] = (await once(child, "close")) as [number | null];
  return { code, stdout, stderr };
}

/** The Java interface of Dubbo's samples, served here by a plain object. */
const GREETINGS = "org.apache.dubbo.samples.api.GreetingsService";

/** The pretty-printed JSON documents `invoke` prints, one per reply. */
function replies(stdout: string): unknown[] {
  const text = stdout.trim();
  return text === "" ? [] : text.split(/\n(?=\{)/).map((doc) => JSON.parse(doc));
}

/** A loopback port with nothing listening on it. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, "close");
  return port;
}

describe("dubbo-mesh invoke against a dubbo-mesh provider", () => {
  let provider: TestProvider;
  beforeAll(async () => {
    provider = await startContractProvider({}, (p) => {
      p.service(GreeterService, contractGreeter());
      p.service(GreeterService, contractGreeter("v1"), { version: "1.0.0" });
      p.service(GreeterService, contractGreeter("v2"), { version: "2.0.0" });
      // Group "probe" answers with what the call carried, so the tests can see headers and the HTTP version.
      p.service(
        GreeterService,
        {
          greet: (req, ctx) => ({
            greeting: `${req.name}|x-user=${ctx.requestHeader.get("x-user")}|x-team=${ctx.requestHeader.get("x-team")}|http=${callInfo(ctx).httpVersion}`,
          }),
        },
        { group: "probe" },
      );
      p.genericService(
        GREETINGS,
        { sayHi: (name: string) => `hi, ${name}` },
        { version: "1.0.0", parameterCounts: { sayHi: 1 } },
      );
    });
  });
  afterAll(() => provider?.close());

  it("calls a unary method with JSON and prints the reply as JSON", async () => {
    const run = await cli(["invoke", provider.target, GREET, '{"name":"alice"}']);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(replies(run.stdout)).toEqual([{ greeting: "hello, alice" }]);
  });

  it("accepts tri:// and http:// targets, the dotted method form and a lower-case method name", async () => {
    const tri = await cli(["invoke", `tri://${provider.target}`, "fixture.v1.GreeterService.Greet", '{"name":"t"}']);
    expect(replies(tri.stdout)).toEqual([{ greeting: "hello, t" }]);
    const http = await cli(["invoke", provider.url, "/fixture.v1.GreeterService/greet", '{"name":"h"}']);
    expect(replies(http.stdout)).toEqual([{ greeting: "hello, h" }]);
  });

  it("prints one JSON document per message of a server stream", async () => {
    const run = await cli(["invoke", provider.target, "fixture.v1.GreeterService/GreetStream", '{"name":"bob"}']);
    expect(run.code).toBe(0);
    expect(replies(run.stdout)).toEqual([
      { greeting: "hello, bob #1" },
      { greeting: "hello, bob #2" },
      { greeting: "hello, bob #3" },
    ]);
  });

  it("sends a JSON array as the messages of client-streaming and bidi calls; reads - from stdin", async () => {
    const client = await cli(["invoke", provider.target, "fixture.v1.GreeterService/GreetClientStream", "-"], {
      input: '[{"name":"carol"},{"name":"dave"}]',
    });
    expect(replies(client.stdout)).toEqual([{ greeting: "hello, carol, dave" }]);
    const bidi = await cli([
      "invoke",
      provider.target,
      "fixture.v1.GreeterService/GreetBidi",
      '[{"name":"e"},{"name":"f"}]',
    ]);
    expect(replies(bidi.stdout)).toEqual([{ greeting: "hello, e" }, { greeting: "hello, f" }]);
  });

  it("--metadata k=v (repeatable) sends request headers; --group routes by tri-service-group", async () => {
    const run = await cli([
      "invoke",
      provider.target,
      GREET,
      '{"name":"m"}',
      "--group",
      "probe",
      "--metadata",
      "x-user=alice",
      "--metadata=x-team=blue",
    ]);
    expect(run.code).toBe(0);
    expect(replies(run.stdout)).toEqual([{ greeting: "m|x-user=alice|x-team=blue|http=2.0" }]);
  });

  it("--version routes to the registration of that version", async () => {
    const v1 = await cli(["invoke", provider.target, GREET, '{"name":"a"}', "--version", "1.0.0"]);
    const v2 = await cli(["invoke", provider.target, GREET, '{"name":"b"}', "--version=2.0.0"]);
    const none = await cli(["invoke", provider.target, GREET, '{"name":"c"}']);
    expect(replies(v1.stdout)).toEqual([{ greeting: "v1, a" }]);
    expect(replies(v2.stdout)).toEqual([{ greeting: "v2, b" }]);
    expect(replies(none.stdout)).toEqual([{ greeting: "hello, c" }]);
  });

  it("--http1 calls over Triple HTTP on HTTP/1.1 (server streams as SSE), and refuses client/bidi streams", async () => {
    const run = await cli(["invoke", provider.target, GREET, '{"name":"h1"}', "--http1", "--group", "probe"]);
    expect(run.stderr).toBe("");
    expect(replies(run.stdout)).toEqual([{ greeting: "h1|x-user=null|x-team=null|http=1.1" }]);
    const versioned = await cli(["invoke", provider.target, GREET, '{"name":"h2"}', "--http1", "--version", "2.0.0"]);
    expect(replies(versioned.stdout)).toEqual([{ greeting: "v2, h2" }]);
    const sse = await cli([
      "invoke",
      provider.target,
      "fixture.v1.GreeterService/GreetStream",
      '{"name":"s"}',
      "--http1",
    ]);
    expect(sse.stderr).toBe("");
    expect(replies(sse.stdout)).toEqual([
      { greeting: "hello, s #1" },
      { greeting: "hello, s #2" },
      { greeting: "hello, s #3" },
    ]);
    const stream = await cli(["invoke", provider.target, "fixture.v1.GreeterService/GreetBidi", "--http1"]);
    expect(stream.code).toBe(2);
    expect(stream.stderr).toMatch(/--http1.*unary and server-streaming.*GreetBidi/);
  });

  it("--generic calls an interface service with a JSON array of arguments, without reflection", async () => {
    const run = await cli([
      "invoke",
      provider.target,
      `${GREETINGS}/sayHi`,
      '["Dubbo"]',
      "--generic",
      "--version",
      "1.0.0",
    ]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toBe("hi, Dubbo");
    const wrongCount = await cli(["invoke", provider.target, `${GREETINGS}/sayHi`, '["a","b"]', "--generic"]);
    expect(wrongCount.code).toBe(13);
    expect(JSON.parse(wrongCount.stderr)).toEqual({
      code: "InvalidArgument",
      message: `${GREETINGS}/sayHi takes 1 argument(s), got 2`,
    });
    const notArray = await cli(["invoke", provider.target, `${GREETINGS}/sayHi`, '{"name":"x"}', "--generic"]);
    expect(notArray.code).toBe(2);
    expect(notArray.stderr).toMatch(/JSON array/);
  });

  it("a failed call prints {code, message} on stderr and exits 10 + the gRPC code", async () => {
    const run = await cli(["invoke", provider.target, GREET, '{"name":"error:5:no such greeting"}']);
    expect(run.code).toBe(15);
    expect(run.stdout).toBe("");
    expect(JSON.parse(run.stderr)).toEqual({ code: "NotFound", message: "no such greeting" });
    const denied = await cli(["invoke", provider.target, GREET, '{"name":"error:7:nope"}']);
    expect(denied.code).toBe(17);
  });

  it("an unknown method or service says what exists instead", async () => {
    const method = await cli(["invoke", provider.target, "fixture.v1.GreeterService/Nope"]);
    expect(method.code).toBe(15);
    expect(JSON.parse(method.stderr).message).toMatch(
      /unknown method Nope of fixture\.v1\.GreeterService; its methods: Greet, GreetStream, GreetClientStream, GreetBidi/,
    );
    const service = await cli(["invoke", provider.target, "no.such.Service/Call"]);
    expect(service.code).toBe(15);
    expect(JSON.parse(service.stderr).message).toMatch(/no\.such\.Service.*fixture\.v1\.GreeterService/);
  });

  it("lists services without a method, and methods with only a service", async () => {
    const services = await cli(["invoke", provider.target]);
    expect(services.stdout.trim().split("\n").sort()).toEqual([
      "fixture.v1.GreeterService",
      "grpc.health.v1.Health",
      "grpc.reflection.v1.ServerReflection",
      GREETINGS, // a generic (interface) service is described through reflection too
    ]);
    const methods = await cli(["invoke", provider.target, "fixture.v1.GreeterService"]);
    expect(methods.stdout).toContain("fixture.v1.GreeterService/GreetBidi (bidi streaming)");
  });

  it("bad JSON, a request that does not fit the schema and a bad target exit 2 before calling", async () => {
    const json = await cli(["invoke", provider.target, GREET, "{name:"]);
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/not valid JSON/);
    const field = await cli(["invoke", provider.target, GREET, '{"nmae":"x"}']);
    expect(field.code).toBe(2);
    expect(field.stderr).toMatch(/fixture\.v1\.GreetRequest.*nmae/);
    const target = await cli(["invoke", "ftp://x:1", GREET]);
    expect(target.code).toBe(2);
    expect(target.stderr).toMatch(/ftp/);
  });

  it("an unreachable target exits 10 + UNAVAILABLE", async () => {
    const run = await cli(["invoke", `127.0.0.1:${await closedPort()}`, GREET, "{}"]);
    expect(run.code).toBe(24);
    expect(JSON.parse(run.stderr).code).toBe("Unavailable");
  });
});

describe("dubbo-mesh invoke against @grpc/grpc-js with @grpc/reflection", () => {
  let server: grpc.Server;
  let target: string;
  beforeAll(async () => {
    const definition = protoLoader.loadSync("fixture/v1/greeter.proto", {
      includeDirs: [`${repoRoot}proto`, `${repoRoot}test/proto`],
    });
    const greeter = definition["fixture.v1.GreeterService"] as unknown as grpc.ServiceDefinition;
    server = new grpc.Server();
    server.addService(greeter, {
      Greet: (call: grpc.ServerUnaryCall<{ name: string }, unknown>, callback: grpc.sendUnaryData<unknown>) =>
        callback(null, { greeting: `grpc-js, ${call.request.name}|${call.metadata.get("x-user").join(",")}` }),
      GreetStream: (call: grpc.ServerWritableStream<{ name: string }, unknown>) => {
        for (let i = 1; i <= 2; i++) call.write({ greeting: `grpc-js, ${call.request.name} #${i}` });
        call.end();
      },
      GreetClientStream: (_call: unknown, callback: grpc.sendUnaryData<unknown>) =>
        callback({ code: grpc.status.UNIMPLEMENTED }),
      GreetBidi: (call: grpc.ServerDuplexStream<unknown, unknown>) => call.end(),
    });
    new ReflectionService(definition).addToServer(server);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    target = `127.0.0.1:${port}`;
  });
  afterAll(() => server?.forceShutdown());

  it("learns the schema from grpc-js's reflection and calls unary and server-streaming methods", async () => {
    const unary = await cli(["invoke", target, GREET, '{"name":"zoe"}', "--metadata", "x-user=me"]);
    expect(unary.stderr).toBe("");
    expect(unary.code).toBe(0);
    expect(replies(unary.stdout)).toEqual([{ greeting: "grpc-js, zoe|me" }]);
    const stream = await cli(["invoke", target, "fixture.v1.GreeterService/GreetStream", '{"name":"yan"}']);
    expect(replies(stream.stdout)).toEqual([{ greeting: "grpc-js, yan #1" }, { greeting: "grpc-js, yan #2" }]);
  });

  it("passes the peer's status through as the exit code", async () => {
    const run = await cli(["invoke", target, "fixture.v1.GreeterService/GreetClientStream", "[]"]);
    expect(run.code).toBe(22);
    expect(JSON.parse(run.stderr).code).toBe("Unimplemented");
  });
});

describe("dubbo-mesh health", () => {
  let serving: TestProvider;
  beforeAll(async () => {
    serving = await startContractProvider();
  });
  afterAll(() => serving?.close());

  it("exits 0 and prints SERVING for a started provider, for the server and for a service", async () => {
    const all = await cli(["health", serving.target]);
    expect(all).toMatchObject({ code: 0, stdout: "SERVING\n" });
    const one = await cli(["health", serving.target, "fixture.v1.GreeterService", "--timeout", "2000"]);
    expect(one).toMatchObject({ code: 0, stdout: "SERVING\n" });
  });

  it("exits 1 with NOT_SERVING while the lifecycle is still starting", async () => {
    const lifecycle = createLifecycle();
    const provider = createProvider({ port: 0, host: "127.0.0.1", logger: silentLogger, lifecycle }).service(
      GreeterService,
      contractGreeter(),
    );
    const { port } = await provider.start();
    try {
      expect(lifecycle.state).toBe("starting");
      const run = await cli(["health", `127.0.0.1:${port}`]);
      expect(run).toMatchObject({ code: 1, stdout: "NOT_SERVING\n" });
    } finally {
      await provider.stop({ graceMs: 100 });
    }
  });

  it("exits 2 when the check fails: an unknown service (NOT_FOUND) or an unreachable port", async () => {
    const unknown = await cli(["health", serving.target, "no.Such"]);
    expect(unknown.code).toBe(2);
    expect(JSON.parse(unknown.stderr).code).toBe("NotFound");
    const unreachable = await cli(["health", `127.0.0.1:${await closedPort()}`]);
    expect(unreachable.code).toBe(2);
    expect(JSON.parse(unreachable.stderr).code).toBe("Unavailable");
  });
});

describe("dubbo-mesh qos against a real QOS port", () => {
  let app: ReturnType<typeof dubbo> | undefined;
  let qos: string;
  beforeAll(async () => {
    app = dubbo({
      config: { "dubbo.protocol.port": 0, "dubbo.application.qos-port": 0, "dubbo.protocol.host": "127.0.0.1" },
      logger: { info() {}, warn() {}, error() {} },
      handleSignals: false,
    }).provide(ContractGreeter);
    const { qosPort } = await app.start();
    qos = `127.0.0.1:${qosPort}`;
  });
  afterAll(() => app?.stop());

  it("ready exits 0 and prints the body; after offline it exits 1 (503), after online 0 again", async () => {
    expect(await cli(["qos", "ready", "--qos", qos])).toMatchObject({ code: 0, stdout: "true\n" });
    const offline = await cli(["qos", "offline", "--qos", qos]);
    expect(offline.code).toBe(0);
    const notReady = await cli(["qos", "ready", "--qos", `http://${qos}`]);
    expect(notReady.code).toBe(1);
    expect(notReady.stderr).toMatch(/503/);
    expect((await cli(["qos", "online", "--qos", qos])).code).toBe(0);
    // Without --qos the port comes from DUBBO_APPLICATION_QOS_PORT, as inside the application's own container.
    const fromEnv = await cli(["qos", "ready"], { env: { DUBBO_APPLICATION_QOS_PORT: qos.split(":")[1] ?? "" } });
    expect(fromEnv).toMatchObject({ code: 0, stdout: "true\n" });
  });

  it("passes command arguments as path segments", async () => {
    const run = await cli(["qos", "ls", "--qos", qos]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("fixture.v1.GreeterService");
  });

  it("an unknown command exits 1 with the 404 answer; an unreachable port exits 1", async () => {
    const run = await cli(["qos", "nope", "--qos", qos]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/qos nope: 404/);
    const unreachable = await cli(["qos", "ready", "--qos", `127.0.0.1:${await closedPort()}`]);
    expect(unreachable.code).toBe(1);
    expect(unreachable.stderr).toMatch(/cannot reach QOS/);
  });
});

describe("dubbo-mesh command line", () => {
  const flags: Record<string, string[]> = {
    invoke: ["--version", "--group", "--metadata", "--timeout", "--http1", "--generic"],
    health: ["--timeout"],
    qos: ["--qos", "--timeout"],
    manifests: ["--app", "--image", "--namespace", "--replicas", "--istio"],
  };

  it("--help lists every command and exits 0", async () => {
    const run = await cli(["--help"]);
    expect(run.code).toBe(0);
    for (const name of Object.keys(flags)) expect(run.stdout).toMatch(new RegExp(`^  ${name} `, "m"));
  });

  it.each(Object.entries(flags))("%s --help shows usage, its flags and examples, and exits 0", async (name, list) => {
    const run = await cli([name, "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Usage: dubbo-mesh ${name}`);
    for (const flag of [...list, "--help"]) expect(run.stdout).toContain(flag);
    expect(run.stdout).toMatch(/Examples:\n {2}dubbo-mesh /);
  });

  it("an unknown command or flag exits 2 with a message naming it", async () => {
    const command = await cli(["invok"]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'invok'/);
    const flag = await cli(["health", "127.0.0.1:1", "--colour"]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/dubbo-mesh health: unknown flag '--colour'.*--help/);
    const missing = await cli(["invoke"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/missing <target>/);
    const none = await cli([]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/Usage: dubbo-mesh <command>/);
  });

  it("manifests prints validated YAML for an app and names a bad option", async () => {
    const run = await cli([
      "manifests",
      "--app",
      "greeter-provider",
      "--image",
      "greeter:1",
      "--istio",
      "--replicas",
      "3",
    ]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/kind: Deployment[\s\S]*replicas: 3/);
    expect(run.stdout).toContain("kind: VirtualService");
    const bad = await cli(["manifests", "--app", "Greeter", "--image", "greeter:1"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/app.*Greeter/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGrpcJsGreeterClient, type GrpcJsGreeterClient } from "../peers/grpc-js-client.js";
import { type PeerTls, pythonTlsArgs } from "../peers/peer-tls.js";
import { runPython } from "../peers/python-peer.js";
import { ECHO_BIN, rejection } from "./grpc-expect.js";

/** A greeter server under test: where it listens and how to stop it. */
export interface GreeterServer {
  readonly target: string;
  /** How clients reach it over TLS; undefined = cleartext. */
  readonly tls?: PeerTls;
  close(): Promise<void>;
}

/**
 * The greeter contract checked from independent gRPC clients — @grpc/grpc-js and Python grpcio — against a server.
 * Any server that passes it is interoperable for all four call kinds, metadata, deadlines and error codes.
 */
export function describeGreeterContract(label: string, start: () => Promise<GreeterServer>): void {
  describe(label, () => {
    let server: GreeterServer;
    let client: GrpcJsGreeterClient;
    beforeAll(async () => {
      server = await start();
      client = createGrpcJsGreeterClient(server.target, server.tls);
    });
    afterAll(async () => {
      client?.close();
      await server?.close();
    });

    it("grpc-js: unary with header, trailer and binary metadata echoed", async () => {
      const r = await client.greet("world", { metadata: { "x-echo": "abc", "x-echo-bin": ECHO_BIN } });
      expect(r.greeting).toBe("hello, world");
      expect(r.headers["x-echo"]).toBe("abc");
      expect(r.trailers["x-echo-trailer"]).toBe("abc");
      expect(Buffer.compare(r.headers["x-echo-bin"] as Buffer, ECHO_BIN)).toBe(0);
    });

    it("grpc-js: server streaming, client streaming, bidi", async () => {
      const s = await client.greetStream("ann", { metadata: { "x-echo": "s" } });
      expect(s.greetings).toEqual(["hello, ann #1", "hello, ann #2", "hello, ann #3"]);
      expect(s.trailers["x-echo-trailer"]).toBe("s");
      const c = await client.greetClientStream(["a", "b", "c"]);
      expect(c.greeting).toBe("hello, a, b, c");
      const b = await client.greetBidi(["x", "y", "z"]);
      expect(b.greetings).toEqual(["hello, x", "hello, y", "hello, z"]);
    });

    it("grpc-js: messages of 100 kB each way (unary and bidi), several DATA frames and more than one write each", async () => {
      const name = "n".repeat(100_000);
      const r = await client.greet(name);
      expect(r.greeting).toBe(`hello, ${name}`);
      const b = await client.greetBidi([name, "short", name]);
      expect(b.greetings).toEqual([`hello, ${name}`, "hello, short", `hello, ${name}`]);
    });

    it("grpc-js: deadline, error code and message, unknown method", async () => {
      const deadline = await rejection(client.greet("sleep:2000", { deadlineMs: 200 }));
      expect(deadline.code).toBe(4);
      const notFound = await rejection(client.greet("error:5:no such user"));
      expect(notFound.code).toBe(5);
      expect(notFound.details).toBe("no such user");
      const unimplemented = await rejection(client.unary("/fixture.v1.GreeterService/Nope", "x"));
      expect(unimplemented.code).toBe(12);
      const unknownService = await rejection(client.unary("/no.Such/Greet", "x"));
      expect(unknownService.code).toBe(12);
    });

    it("Python grpcio: every call kind, metadata, deadline, errors, unknown method", async () => {
      const r = await runPython("greeter_client.py", [server.target, "all", ...pythonTlsArgs(server.tls)], {
        timeoutMs: 20_000,
      });
      expect(r.stderr).toBe("");
      const json = r.json as { ok: boolean; steps: Record<string, { ok: boolean; code?: string }> };
      expect(json.steps.deadline?.code).toBe("DEADLINE_EXCEEDED");
      expect(json.steps.error?.code).toBe("NOT_FOUND");
      expect(json.steps.unimplemented?.code).toBe("UNIMPLEMENTED");
      expect(json.ok).toBe(true);
      expect(r.code).toBe(0);
    });
  });
}

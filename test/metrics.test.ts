import { readFileSync } from "node:fs";
import { Code, ConnectError } from "@dubbo-mesh/consumer";
import { parser } from "@prometheus-io/lezer-promql";
import { dubbo } from "dubbo-mesh";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contractGreeter } from "./support/contract-greeter.js";
import { GreeterService } from "./support/greeter-proto.js";
import { connectH2, grpcFrame, grpcStatus, h2Request } from "./support/raw-http.js";
import { until } from "./support/wait.js";

const silent = { info() {}, warn() {}, error() {} };
const free = { "dubbo.protocol.port": 0, "dubbo.application.qos-port": 0, "dubbo.protocol.host": "127.0.0.1" };
const dashboardFile = new URL("../samples/greeter/grafana/dubbo-mesh-dashboard.json", import.meta.url);

async function scrape(qosPort: number | undefined): Promise<{ type: string | null; text: string }> {
  const res = await fetch(`http://127.0.0.1:${qosPort}/metrics`);
  expect(res.status).toBe(200);
  return { type: res.headers.get("content-type"), text: await res.text() };
}

/** The value of the one sample of `name` whose labels contain every `labels` pair, or undefined. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`${name}{`) && wanted.every((pair) => l.slice(name.length).includes(pair)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** Every metric name with a sample in a text exposition (`x_bucket`, `x_sum` and `x_count` of a histogram too). */
function sampleNames(text: string): Set<string> {
  return new Set(
    text
      .split("\n")
      .filter((l) => l !== "" && !l.startsWith("#"))
      .map((l) => /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(l)?.[0] ?? ""),
  );
}

/** Every PromQL expression of a Grafana dashboard: panel targets, and the series selectors of `label_values`. */
function dashboardQueries(dashboard: {
  panels: { targets?: { expr: string }[] }[];
  templating: { list: { query?: unknown }[] };
}): string[] {
  const panels = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  const variables = dashboard.templating.list.flatMap((v) => {
    const query = typeof v.query === "object" && v.query !== null ? (v.query as { query: string }).query : "";
    const selector = /^label_values\((.+),\s*\w+\)$/.exec(query)?.[1];
    return selector === undefined ? [] : [selector];
  });
  return [...panels, ...variables];
}

/** Parses PromQL (Prometheus's own grammar) and returns the metric names it selects; throws on a syntax error. */
function metricNamesOf(expr: string): string[] {
  // Grafana's interval variables stand where PromQL has a duration.
  const promql = expr.replaceAll("$__rate_interval", "1m").replaceAll("$__interval", "1m");
  const names: string[] = [];
  const errors: number[] = [];
  parser.parse(promql).iterate({
    enter(node) {
      if (node.type.isError) errors.push(node.from);
      if (node.name === "Identifier" && node.node.parent?.name === "VectorSelector") {
        names.push(promql.slice(node.from, node.to));
      }
    },
  });
  if (errors.length > 0) throw new Error(`PromQL syntax error at ${errors[0]} in: ${promql}`);
  return names;
}

describe("metrics of a provider and a consumer on loopback, and the Grafana dashboard", () => {
  const stops: (() => Promise<void>)[] = [];
  let providerQos: number | undefined;
  let consumerQos: number | undefined;

  beforeAll(async () => {
    const provider = dubbo({
      application: { name: "metrics-provider" },
      config: free,
      logger: silent,
      handleSignals: false,
    });
    stops.push(() => provider.stop());
    const contract = contractGreeter();
    provider.service(GreeterService, {
      ...contract,
      greet(req, ctx) {
        // A handler that throws a plain error: INTERNAL to the caller, a business failure to Dubbo's metrics.
        if (req.name === "throw") throw new Error("the handler broke");
        return contract.greet(req, ctx);
      },
    });
    const started = await provider.start();
    providerQos = started.qosPort;
    const consumer = dubbo({
      application: { name: "metrics-consumer" },
      config: free,
      logger: silent,
      handleSignals: false,
    });
    stops.push(() => consumer.stop());
    consumerQos = (await consumer.start()).qosPort;
    const url = `http://127.0.0.1:${started.protocolPort}`;
    const greeter = consumer.reference(GreeterService, { url, timeout: 5_000 });
    const failure = (p: Promise<unknown>) =>
      p.then(
        () => undefined,
        (e: unknown) => ConnectError.from(e).code,
      );
    for (let i = 0; i < 3; i++) await greeter.greet({ name: `n${i}` });
    expect(await failure(greeter.greet({ name: "error:5:no such greeting" }))).toBe(Code.NotFound);
    expect(await failure(greeter.greet({ name: "sleep:5000" }, { timeoutMs: 100 }))).toBe(Code.DeadlineExceeded);
    expect(await failure(greeter.greet({ name: "throw" }))).toBe(Code.Internal);
    const nowhere = consumer.reference(GreeterService, { url: "http://127.0.0.1:1", timeout: 5_000 });
    expect(await failure(nowhere.greet({ name: "x" }))).toBe(Code.Unavailable);
    const replies: string[] = [];
    for await (const r of greeter.greetStream({ name: "s" })) replies.push(r.greeting);
    expect(replies).toHaveLength(3);
  });
  afterAll(async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  });

  it("the consumer counts each call once, by Dubbo's kinds, with Dubbo's labels", async () => {
    const { type, text } = await scrape(consumerQos);
    expect(type).toBe("text/plain; version=0.0.4; charset=utf-8");
    const greet = { application_name: "metrics-consumer", interface: "fixture.v1.GreeterService", method: "Greet" };
    expect(sample(text, "dubbo_consumer_requests_total", greet)).toBe(7);
    expect(sample(text, "dubbo_consumer_requests_succeed_total", greet)).toBe(3);
    expect(sample(text, "dubbo_consumer_requests_business_failed_total", greet)).toBe(1);
    expect(sample(text, "dubbo_consumer_requests_timeout_total", greet)).toBe(1);
    // Connection refused: retried (not delivered), counted once, as a network failure.
    expect(sample(text, "dubbo_consumer_requests_failed_network_total", greet)).toBe(1);
    // INTERNAL, seen from the caller, could be anything.
    expect(sample(text, "dubbo_consumer_requests_unknown_failed_total", greet)).toBe(1);
    expect(sample(text, "dubbo_consumer_requests_failed_total", greet)).toBe(4);
    expect(sample(text, "dubbo_consumer_requests_processing_total", greet)).toBe(0);
    expect(sample(text, "dubbo_consumer_rt_milliseconds_histogram_count", greet)).toBe(7);
    const stream = { ...greet, method: "GreetStream" };
    expect(sample(text, "dubbo_consumer_requests_succeed_total", stream)).toBe(1);
    expect(sample(text, "dubbo_application_info_total", { application_name: "metrics-consumer" })).toBe(1);
  });

  it("the provider counts what it served", async () => {
    const greet = { application_name: "metrics-provider", interface: "fixture.v1.GreeterService", method: "Greet" };
    let text = "";
    // The call the consumer gave up on ends on the provider at its deadline (or the client's cancel): wait for it.
    await until(async () => {
      text = (await scrape(providerQos)).text;
      return sample(text, "dubbo_provider_requests_processing_total", greet) === 0;
    }, "no Greet call in progress on the provider");
    expect(sample(text, "dubbo_provider_requests_processing_total", greet)).toBe(0);
    expect(sample(text, "dubbo_provider_requests_total", greet)).toBe(6);
    expect(sample(text, "dubbo_provider_requests_succeed_total", greet)).toBe(3);
    // NOT_FOUND from the handler, and the handler that threw.
    expect(sample(text, "dubbo_provider_requests_business_failed_total", greet)).toBe(2);
    expect(sample(text, "dubbo_provider_requests_failed_total", greet)).toBe(3);
    const p99 = sample(text, "dubbo_provider_rt_milliseconds_p99", greet) ?? Number.NaN;
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThanOrEqual(sample(text, "dubbo_provider_rt_milliseconds_max", greet) ?? 0);
  });

  it("every metric the Grafana dashboard queries is in the exposition, and every query parses", async () => {
    const dashboard = JSON.parse(readFileSync(dashboardFile, "utf8"));
    const queries = dashboardQueries(dashboard);
    const used = new Set(queries.flatMap(metricNamesOf));
    expect(used.size).toBeGreaterThan(30);
    // GC samples appear once a collection has happened: make garbage until one has.
    let exposed = new Set<string>();
    await until(async () => {
      const [p, c] = await Promise.all([scrape(providerQos), scrape(consumerQos)]);
      exposed = new Set([...sampleNames(p.text), ...sampleNames(c.text)]);
      if (exposed.has("nodejs_gc_duration_seconds_sum")) return true;
      let garbage: unknown[] = [];
      for (let i = 0; i < 200_000; i++) garbage.push({ i });
      garbage = [];
      return false;
    }, "a GC sample in the exposition");
    expect([...used].filter((name) => !exposed.has(name))).toEqual([]);
  });
});

describe("a request the provider cannot decode is a codec failure in its metrics", () => {
  let stop: (() => Promise<void>) | undefined;
  let qosPort: number | undefined;
  let url = "";

  beforeAll(async () => {
    const provider = dubbo({
      application: { name: "codec-provider" },
      config: free,
      logger: silent,
      handleSignals: false,
    });
    stop = () => provider.stop();
    provider.service(GreeterService, contractGreeter());
    const started = await provider.start();
    qosPort = started.qosPort;
    url = `http://127.0.0.1:${started.protocolPort}`;
  });
  afterAll(async () => {
    await stop?.();
  });

  it("gRPC (unparsable protobuf, a gzip body that does not inflate, a bad client-stream message) and Triple (bad JSON, bad protobuf) -> codec", async () => {
    const session = await connectH2(url);
    try {
      const grpcHeaders = { "content-type": "application/grpc", te: "trailers" };
      // 0xff 0xff 0xff: a varint that never ends — no GreetRequest.
      const garbage = grpcFrame(Buffer.from([0xff, 0xff, 0xff]));
      const calls = [
        { path: "/fixture.v1.GreeterService/Greet", headers: grpcHeaders, body: garbage },
        {
          path: "/fixture.v1.GreeterService/Greet",
          headers: { ...grpcHeaders, "grpc-encoding": "gzip" },
          body: grpcFrame(Buffer.from("not gzip"), { flags: 1 }),
        },
        { path: "/fixture.v1.GreeterService/GreetClientStream", headers: grpcHeaders, body: garbage },
      ];
      for (const call of calls) expect(grpcStatus(await h2Request(session, call))).toBe(Code.Internal);
    } finally {
      session.close();
    }
    // Triple HTTP unary: JSON that does not parse (INVALID_ARGUMENT, HTTP 400), protobuf that does not (INTERNAL, 500).
    const triple = (type: string, body: string | Uint8Array) =>
      fetch(`${url}/fixture.v1.GreeterService/Greet`, { method: "POST", headers: { "content-type": type }, body });
    expect((await triple("application/json", "{not json")).status).toBe(400);
    expect((await triple("application/proto", new Uint8Array([0xff, 0xff, 0xff]))).status).toBe(500);
    const greet = { application_name: "codec-provider", interface: "fixture.v1.GreeterService", method: "Greet" };
    const clientStream = { ...greet, method: "GreetClientStream" };
    const { text } = await scrape(qosPort);
    expect(sample(text, "dubbo_provider_requests_failed_codec_total", greet)).toBe(4);
    expect(sample(text, "dubbo_provider_requests_failed_codec_total", clientStream)).toBe(1);
    expect(sample(text, "dubbo_provider_requests_unknown_failed_total", greet)).toBe(0);
    expect(sample(text, "dubbo_provider_requests_business_failed_total", greet)).toBe(0);
    expect(sample(text, "dubbo_provider_requests_unknown_failed_total", clientStream)).toBe(0);
    expect(sample(text, "dubbo_provider_requests_failed_total", greet)).toBe(4);
    expect(sample(text, "dubbo_provider_requests_processing_total", greet)).toBe(0);
  });
});

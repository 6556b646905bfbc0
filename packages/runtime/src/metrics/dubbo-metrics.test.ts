import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { createDubboMetrics, recordStart } from "./index.js";

function fakeClock() {
  let ms = 1_000_000;
  return {
    now: () => ms,
    advance: (by: number) => {
      ms += by;
    },
  };
}

const base = 'application_name="greeter",application_version="1.2.0",hostname="pod-1",ip="10.0.0.7"';
const svc = 'interface="greet.v1.GreeterService",method="Greet"';

/** The sample lines of one metric name (no HELP/TYPE), e.g. samples(text, "dubbo_provider_requests_total"). */
function samples(text: string, name: string): string[] {
  return text.split("\n").filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

function metricsWithClock() {
  const clock = fakeClock();
  const metrics = createDubboMetrics({
    application: { name: "greeter", version: "1.2.0" },
    hostname: "pod-1",
    ip: "10.0.0.7",
    processMetrics: false,
    now: clock.now,
    rtBucketsMs: [10, 100],
  });
  return { clock, metrics };
}

describe("DubboMetrics", () => {
  it("meters a call kept by its caller: start, then end with the start time, on the series of its labels", async () => {
    const { clock, metrics } = metricsWithClock();
    const greet = metrics.provider.meter("greet.v1.GreeterService", "Greet", "1.0.0");
    const other = metrics.provider.meter("greet.v1.GreeterService", "Other");
    // The same (service, method, version, group) is the same meter, whether it was the last one asked for or not.
    expect(metrics.provider.meter("greet.v1.GreeterService", "Greet", "1.0.0")).toBe(greet);
    expect(metrics.provider.meter("greet.v1.GreeterService", "Greet", "1.0.0", "")).toBe(greet);
    expect(metrics.provider.meter("greet.v1.GreeterService", "Greet")).not.toBe(greet);
    const first = greet.start();
    clock.advance(7);
    const second = greet.start();
    other.end(other.start(), Code.NotFound);
    clock.advance(3);
    greet.end(second, "OK");
    greet.end(first, Code.ResourceExhausted);
    const text = await metrics.render();
    const labels = `{${base},${svc},group="",version="1.0.0"}`;
    expect(samples(text, "dubbo_provider_requests_total")).toContain(`dubbo_provider_requests_total${labels} 2`);
    expect(samples(text, "dubbo_provider_requests_succeed_total")).toContain(
      `dubbo_provider_requests_succeed_total${labels} 1`,
    );
    expect(samples(text, "dubbo_provider_requests_limit_total")).toContain(
      `dubbo_provider_requests_limit_total${labels} 1`,
    );
    expect(samples(text, "dubbo_provider_requests_processing_total")).toContain(
      `dubbo_provider_requests_processing_total${labels} 0`,
    );
    // Each call's own time: 3 ms for the second, 10 ms for the first.
    expect(samples(text, "dubbo_provider_rt_milliseconds_sum")).toContain(
      `dubbo_provider_rt_milliseconds_sum${labels} 13`,
    );
    expect(samples(text, "dubbo_provider_requests_business_failed_total")).toContain(
      `dubbo_provider_requests_business_failed_total{${base},interface="greet.v1.GreeterService",method="Other",group="",version=""} 1`,
    );
  });

  it("counts calls under Dubbo's names and labels, provider side", async () => {
    const { clock, metrics } = metricsWithClock();
    const ok = recordStart(metrics.provider, "greet.v1.GreeterService", "Greet");
    const late = recordStart(metrics.provider, "greet.v1.GreeterService", "Greet");
    recordStart(metrics.provider, "greet.v1.GreeterService", "Greet"); // still processing at the scrape
    clock.advance(4);
    ok("OK");
    ok(Code.Internal); // ignored: a call completes once
    clock.advance(200);
    late(Code.DeadlineExceeded);
    const failed = recordStart(metrics.provider, "greet.v1.GreeterService", "Greet");
    clock.advance(50);
    failed(Code.Internal, "business");
    const text = await metrics.render();
    const labels = `{${base},${svc},group="",version=""}`;
    const one = (name: string) => samples(text, name);
    expect(one("dubbo_provider_requests_total")).toEqual([`dubbo_provider_requests_total${labels} 4`]);
    expect(one("dubbo_provider_requests_succeed_total")).toEqual([`dubbo_provider_requests_succeed_total${labels} 1`]);
    expect(one("dubbo_provider_requests_timeout_total")).toEqual([`dubbo_provider_requests_timeout_total${labels} 1`]);
    expect(one("dubbo_provider_requests_business_failed_total")).toEqual([
      `dubbo_provider_requests_business_failed_total${labels} 1`,
    ]);
    expect(one("dubbo_provider_requests_failed_total")).toEqual([`dubbo_provider_requests_failed_total${labels} 2`]);
    expect(one("dubbo_provider_requests_unknown_failed_total")).toEqual([
      `dubbo_provider_requests_unknown_failed_total${labels} 0`,
    ]);
    expect(one("dubbo_provider_requests_processing_total")).toEqual([
      `dubbo_provider_requests_processing_total${labels} 1`,
    ]);
    expect(one("dubbo_provider_rt_milliseconds_last")).toEqual([`dubbo_provider_rt_milliseconds_last${labels} 50`]);
    expect(one("dubbo_provider_rt_milliseconds_min")).toEqual([`dubbo_provider_rt_milliseconds_min${labels} 4`]);
    expect(one("dubbo_provider_rt_milliseconds_max")).toEqual([`dubbo_provider_rt_milliseconds_max${labels} 204`]);
    expect(one("dubbo_provider_rt_milliseconds_sum")).toEqual([`dubbo_provider_rt_milliseconds_sum${labels} 258`]);
    expect(one("dubbo_provider_rt_milliseconds_avg")).toEqual([`dubbo_provider_rt_milliseconds_avg${labels} 86`]);
    expect(one("dubbo_provider_rt_milliseconds_p99")).toEqual([`dubbo_provider_rt_milliseconds_p99${labels} 204`]);
    // 3 calls finished 254 ms after the first one: the window has filled for 254 ms, counted as at least 1 s.
    expect(one("dubbo_provider_qps_total")).toEqual([`dubbo_provider_qps_total${labels} 3`]);
    const h = `{${base},${svc},group="",version=""`;
    expect(one("dubbo_provider_rt_milliseconds_histogram_bucket")).toEqual([
      `dubbo_provider_rt_milliseconds_histogram_bucket${h},le="10"} 1`,
      `dubbo_provider_rt_milliseconds_histogram_bucket${h},le="100"} 2`,
      `dubbo_provider_rt_milliseconds_histogram_bucket${h},le="+Inf"} 3`,
    ]);
    expect(one("dubbo_provider_rt_milliseconds_histogram_sum")).toEqual([
      `dubbo_provider_rt_milliseconds_histogram_sum${labels} 258`,
    ]);
    expect(one("dubbo_provider_rt_milliseconds_histogram_count")).toEqual([
      `dubbo_provider_rt_milliseconds_histogram_count${labels} 3`,
    ]);
    expect(text).toContain("# TYPE dubbo_provider_rt_milliseconds_histogram histogram\n");
    expect(text).toContain("# TYPE dubbo_provider_requests_total counter\n");
    expect(text).toContain("# TYPE dubbo_provider_requests_processing_total gauge\n");
    expect(one("dubbo_application_info_total")).toEqual([`dubbo_application_info_total{${base}} 1`]);
    expect(metrics.calls("provider", "greet.v1.GreeterService", "Greet")).toEqual({
      requests: 4,
      processing: 1,
      failed: 2,
      succeed: 1,
      business: 1,
      timeout: 1,
      limit: 0,
      network: 0,
      service_unavailable: 0,
      codec: 0,
      unknown: 0,
    });
  });

  it("keeps sides, versions and groups apart; a side without calls has no samples", async () => {
    const { metrics } = metricsWithClock();
    recordStart(metrics.consumer, "greet.v1.GreeterService", "Greet", "1.0.0", "blue")(Code.Unavailable);
    recordStart(metrics.consumer, "greet.v1.GreeterService", "Greet", "1.0.0", "blue")(Code.Unavailable, "codec");
    recordStart(metrics.consumer, "greet.v1.GreeterService", "Greet")("OK");
    const text = await metrics.render();
    expect(samples(text, "dubbo_consumer_requests_failed_network_total")).toEqual([
      `dubbo_consumer_requests_failed_network_total{${base},${svc},group="blue",version="1.0.0"} 1`,
      `dubbo_consumer_requests_failed_network_total{${base},${svc},group="",version=""} 0`,
    ]);
    expect(samples(text, "dubbo_consumer_requests_failed_codec_total")[0]).toMatch(/version="1.0.0"\} 1$/);
    expect(samples(text, "dubbo_provider_requests_total")).toEqual([]);
    expect(text).toContain("# TYPE dubbo_provider_requests_total counter\n");
    expect(metrics.calls("consumer", "greet.v1.GreeterService", "Greet", "1.0.0", "blue")?.failed).toBe(2);
    expect(metrics.calls("consumer", "greet.v1.GreeterService", "Greet", "2.0.0")).toBeUndefined();
  });

  it("counts calls that alternate between methods, services and groups each in its own series", () => {
    const { metrics } = metricsWithClock();
    const keys: [string, string, string?, string?][] = [
      ["s.S", "A"],
      ["s.S", "B"],
      ["s.T", "A"],
      ["s.S", "A", "", "g"],
    ];
    for (let round = 1; round <= 3; round++) for (const k of keys) recordStart(metrics.provider, ...k)("OK");
    for (const [service, method, version, group] of keys) {
      expect(metrics.calls("provider", service, method, version, group)?.requests, `${service}/${method}`).toBe(3);
    }
  });

  it("reuses one series per (service, method, version, group) and bounds the variants callers can make", async () => {
    const { metrics } = metricsWithClock();
    for (let i = 0; i < 100; i++) recordStart(metrics.provider, "s.S", "M", `v${i}`)("OK");
    for (let i = 0; i < 3; i++) recordStart(metrics.provider, "s.S", "M", "v1")("OK");
    const text = await metrics.render();
    const totals = samples(text, "dubbo_provider_requests_total");
    expect(totals).toHaveLength(65); // 64 variants, then one "other"
    expect(totals).toContain(
      `dubbo_provider_requests_total{${base},interface="s.S",method="M",group="",version="v1"} 4`,
    );
    expect(totals).toContain(
      `dubbo_provider_requests_total{${base},interface="s.S",method="M",group="other",version="other"} 36`,
    );
  });

  it("escapes label values in the text format", async () => {
    const { metrics } = metricsWithClock();
    recordStart(metrics.provider, 'we"ird\\svc\nx', "M")("OK");
    expect(await metrics.render()).toContain('interface="we\\"ird\\\\svc\\nx"');
  });

  it("forgets windowed values after the window, keeps the totals", async () => {
    const { clock, metrics } = metricsWithClock();
    recordStart(metrics.provider, "s.S", "M")("OK");
    clock.advance(121_000);
    const text = await metrics.render();
    expect(samples(text, "dubbo_provider_rt_milliseconds_p99")).toEqual([]);
    expect(samples(text, "dubbo_provider_qps_total")[0]).toMatch(/ 0$/);
    expect(samples(text, "dubbo_provider_requests_succeed_total")[0]).toMatch(/ 1$/);
  });

  it("adds Node's process metrics and serves metrics registered by the application", async () => {
    const metrics = createDubboMetrics({ application: { name: "app" } });
    const registry = await metrics.registry();
    const { Counter } = await import("prom-client");
    new Counter({ name: "app_jobs_total", help: "Jobs.", registers: [registry] }).inc(2);
    const text = await metrics.render();
    for (const name of ["nodejs_eventloop_lag_seconds", "nodejs_heap_size_used_bytes", "process_cpu_seconds_total"]) {
      expect(text).toContain(`# TYPE ${name} `);
    }
    expect(text).toContain("nodejs_gc_duration_seconds");
    expect(text).toContain("app_jobs_total 2\n");
    expect(metrics.contentType).toBe("text/plain; version=0.0.4; charset=utf-8");
  });
});

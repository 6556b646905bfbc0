import { describe, expect, it } from "vitest";
import { createRpcMetrics } from "./index.js";

function fakeClock() {
  let seconds = 100;
  return {
    now: () => seconds,
    advance: (by: number) => {
      seconds += by;
    },
  };
}

describe("RpcMetrics", () => {
  it("renders HELP and TYPE for empty families", () => {
    expect(createRpcMetrics().render()).toBe(
      [
        "# HELP dubbo_rpc_requests_total RPCs completed, by service, method and gRPC status code.",
        "# TYPE dubbo_rpc_requests_total counter",
        "# HELP dubbo_rpc_duration_seconds RPC duration in seconds, from the start of the call to its status.",
        "# TYPE dubbo_rpc_duration_seconds histogram",
        "# HELP dubbo_rpc_in_flight RPCs started and not yet completed.",
        "# TYPE dubbo_rpc_in_flight gauge",
        "",
      ].join("\n"),
    );
  });

  it("records counts, durations and in-flight calls in text format 0.0.4", () => {
    const clock = fakeClock();
    const metrics = createRpcMetrics({ now: clock.now, durationBuckets: [0.01, 0.1, 1] }); // binary-exact steps below
    const first = metrics.recordStart("greet.v1.GreeterService", "Greet");
    const second = metrics.recordStart("greet.v1.GreeterService", "Greet");
    expect(metrics.inFlight("greet.v1.GreeterService", "Greet")).toBe(2);
    clock.advance(0.0625);
    first("OK");
    first("INTERNAL"); // ignored: a call completes once
    clock.advance(2);
    second("DEADLINE_EXCEEDED");
    const third = metrics.recordStart("greet.v1.GreeterService", "Greet");
    clock.advance(0.0078125);
    third("OK");
    expect(metrics.inFlight("greet.v1.GreeterService", "Greet")).toBe(0);

    const s = 'service="greet.v1.GreeterService",method="Greet"';
    expect(metrics.render()).toBe(
      [
        "# HELP dubbo_rpc_requests_total RPCs completed, by service, method and gRPC status code.",
        "# TYPE dubbo_rpc_requests_total counter",
        `dubbo_rpc_requests_total{${s},code="OK"} 2`,
        `dubbo_rpc_requests_total{${s},code="DEADLINE_EXCEEDED"} 1`,
        "# HELP dubbo_rpc_duration_seconds RPC duration in seconds, from the start of the call to its status.",
        "# TYPE dubbo_rpc_duration_seconds histogram",
        `dubbo_rpc_duration_seconds_bucket{${s},le="0.01"} 1`,
        `dubbo_rpc_duration_seconds_bucket{${s},le="0.1"} 2`,
        `dubbo_rpc_duration_seconds_bucket{${s},le="1"} 2`,
        `dubbo_rpc_duration_seconds_bucket{${s},le="+Inf"} 3`,
        `dubbo_rpc_duration_seconds_sum{${s}} 2.1328125`,
        `dubbo_rpc_duration_seconds_count{${s}} 3`,
        "# HELP dubbo_rpc_in_flight RPCs started and not yet completed.",
        "# TYPE dubbo_rpc_in_flight gauge",
        `dubbo_rpc_in_flight{${s}} 0`,
        "",
      ].join("\n"),
    );
  });

  it("escapes label values", () => {
    const metrics = createRpcMetrics();
    metrics.recordStart('we"ird\\svc\nx', "M")("OK");
    expect(metrics.render()).toContain(
      'dubbo_rpc_requests_total{service="we\\"ird\\\\svc\\nx",method="M",code="OK"} 1',
    );
  });

  it("keeps label sets apart even when their joined text would collide", () => {
    const metrics = createRpcMetrics();
    metrics.recordStart("a,b", "c")("OK");
    metrics.recordStart("a", "b,c")("OK");
    const lines = metrics.render().split("\n");
    expect(lines.filter((line) => line.startsWith("dubbo_rpc_requests_total{"))).toHaveLength(2);
  });

  it("uses the default buckets from 1 ms to 10 s", () => {
    const metrics = createRpcMetrics();
    metrics.recordStart("s", "m")("OK");
    const les = [...metrics.render().matchAll(/le="([^"]+)"/g)].map((match) => match[1]);
    expect(les).toEqual([
      "0.001",
      "0.0025",
      "0.005",
      "0.01",
      "0.025",
      "0.05",
      "0.1",
      "0.25",
      "0.5",
      "1",
      "2.5",
      "5",
      "10",
      "+Inf",
    ]);
  });
});

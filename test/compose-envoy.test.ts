// docker-compose.yml, samples/greeter/envoy/envoy.yaml and samples/greeter/Dockerfile, checked statically: no Docker
// engine and no Envoy binary exist here. The files are parsed and cross-checked (ports, names, protocols, health
// checks, shutdown timings); Envoy field names are checked against the proto fields used, since Envoy refuses to start
// on an unknown field; `docker compose config` validates the compose file when a compose client is installed.
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const repo = fileURLToPath(new URL("..", import.meta.url));
const read = (path: string) => readFileSync(join(repo, path), "utf8");

type Yaml = Record<string, unknown>;
const obj = (value: unknown): Yaml => {
  expect(value, "expected a mapping").toBeTypeOf("object");
  return value as Yaml;
};
const list = (value: unknown): unknown[] => {
  expect(Array.isArray(value), "expected a sequence").toBe(true);
  return value as unknown[];
};
const at = (value: unknown, ...path: (string | number)[]): unknown =>
  path.reduce<unknown>((v, key) => (v as Record<string | number, unknown> | undefined)?.[key], value);

const compose = obj(parse(read("docker-compose.yml")));
const services = obj(compose.services);
const envoy = obj(parse(read("samples/greeter/envoy/envoy.yaml")));
const dockerfile = read("samples/greeter/Dockerfile");

const providerEnv = obj(at(services, "greeter-provider", "environment"));
const consumerEnv = obj(at(services, "greeter-consumer", "environment"));
const listener = obj(at(envoy, "static_resources", "listeners", 0));
const hcm = obj(at(listener, "filter_chains", 0, "filters", 0, "typed_config"));
const routes = list(at(hcm, "route_config", "virtual_hosts", 0, "routes")).map(obj);
const clusters = list(at(envoy, "static_resources", "clusters")).map(obj);
const cluster = obj(clusters.find((c) => c.name === "greeter-provider"));
const healthCheck = obj(at(cluster, "health_checks", 0));

/** Seconds in an Envoy/compose duration such as "2s", "1.5s" or "500ms". */
function seconds(duration: unknown): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(String(duration));
  expect(m, `duration ${String(duration)}`).not.toBeNull();
  return Number(m?.[1]) / (m?.[2] === "ms" ? 1000 : 1);
}

describe("compose ↔ envoy wiring", () => {
  it("Envoy is the official image, with envoy.yaml mounted where the image reads its config", () => {
    expect(at(services, "envoy", "image")).toMatch(/^envoyproxy\/envoy:v1\.\d+-latest$/);
    const volumes = list(at(services, "envoy", "volumes")).map(String);
    expect(volumes).toContain("./samples/greeter/envoy/envoy.yaml:/etc/envoy/envoy.yaml:ro");
    expect(existsSync(join(repo, "samples/greeter/envoy/envoy.yaml"))).toBe(true);
  });

  it("the consumer targets Envoy's listener; Envoy's endpoint is the providers' protocol port", () => {
    const listenerPort = at(listener, "address", "socket_address", "port_value");
    const url = new URL(String(consumerEnv.DUBBO_CONSUMER_URL));
    expect(url.hostname).toBe("envoy");
    expect(Number(url.port)).toBe(listenerPort);
    const published = list(at(services, "envoy", "ports")).map(String);
    expect(published).toContain(`${listenerPort}:${listenerPort}`);
    const endpoint = at(cluster, "load_assignment", "endpoints", 0, "lb_endpoints", 0, "endpoint", "address");
    expect(at(endpoint, "socket_address", "port_value")).toBe(Number(providerEnv.DUBBO_PROTOCOL_PORT));
    expect(providerEnv.DUBBO_PROTOCOL_PORT).toBe("50052");
    expect(list(at(services, "greeter-provider", "expose")).map(String)).toContain("50052");
  });

  it("every host Envoy dials is a compose service; every depends_on names a service", () => {
    const hosts: string[] = [];
    const collect = (node: unknown): void => {
      if (Array.isArray(node)) node.forEach(collect);
      else if (node !== null && typeof node === "object") {
        const socket = (node as Yaml).socket_address as Yaml | undefined;
        if (socket !== undefined) hosts.push(String(socket.address));
        Object.values(node).forEach(collect);
      }
    };
    collect(envoy.static_resources);
    const dialled = hosts.filter((h) => h !== "0.0.0.0");
    expect(dialled).toEqual(["greeter-provider"]);
    for (const host of dialled) expect(Object.keys(services)).toContain(host);
    for (const [name, service] of Object.entries(services)) {
      const dependsOn = at(service, "depends_on");
      const names = Array.isArray(dependsOn) ? dependsOn.map(String) : Object.keys(obj(dependsOn ?? {}));
      for (const dep of names) expect(Object.keys(services), `${name} depends_on ${dep}`).toContain(dep);
    }
    expect(Object.keys(obj(at(services, "envoy", "depends_on")))).toContain("greeter-provider");
  });

  it("3 provider replicas of one service, resolved by STRICT_DNS over its name", () => {
    expect(at(services, "greeter-provider", "deploy", "replicas")).toBe(3);
    expect(cluster.type).toBe("STRICT_DNS");
    expect(seconds(cluster.dns_refresh_rate)).toBeLessThanOrEqual(5);
  });

  it("the provider drains long enough for Envoy's health check to notice, within the stop grace period", () => {
    const delay = Number(providerEnv.DUBBO_APPLICATION_SHUTDOWN_DELAY) / 1000;
    const wait = Number(providerEnv.DUBBO_SERVICE_SHUTDOWN_WAIT) / 1000;
    const notice =
      (seconds(healthCheck.interval) + seconds(healthCheck.timeout)) * Number(healthCheck.unhealthy_threshold);
    expect(delay).toBeGreaterThanOrEqual(notice);
    expect(seconds(at(services, "greeter-provider", "stop_grace_period"))).toBeGreaterThanOrEqual(delay + wait);
  });

  it("builds come from the Dockerfile's provider and consumer targets", () => {
    for (const [service, target] of [
      ["greeter-provider", "provider"],
      ["greeter-consumer", "consumer"],
    ]) {
      expect(at(services, service as string, "build")).toEqual({
        context: ".",
        dockerfile: "samples/greeter/Dockerfile",
        target,
      });
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${target}$`, "m"));
    }
  });
});

describe("envoy.yaml", () => {
  it("listener: HCM with codec AUTO, gRPC route to the cluster with retries on unavailable and reset", () => {
    expect(hcm["@type"]).toBe(
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
    );
    expect(hcm.codec_type).toBe("AUTO");
    const grpcRoute = obj(routes[0]);
    expect(grpcRoute.match).toEqual({ prefix: "/", grpc: {} });
    expect(at(grpcRoute, "route", "cluster")).toBe("greeter-provider");
    const retryOn = String(at(grpcRoute, "route", "retry_policy", "retry_on")).split(",");
    expect(retryOn).toEqual(expect.arrayContaining(["unavailable", "reset", "connect-failure", "refused-stream"]));
    expect(at(grpcRoute, "route", "retry_policy", "num_retries")).toBe(2);
    for (const route of routes) expect(clusters.map((c) => c.name)).toContain(at(route, "route", "cluster"));
    const router = obj(list(hcm.http_filters).at(-1));
    expect(router.name).toBe("envoy.filters.http.router");
  });

  it("cluster: HTTP/2 upstream, round robin, active gRPC health check, outlier detection", () => {
    const options = obj(at(cluster, "typed_extension_protocol_options"));
    const http = obj(options["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]);
    expect(http["@type"]).toBe("type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions");
    expect(at(http, "explicit_http_config", "http2_protocol_options")).toEqual({});
    expect(cluster.lb_policy).toBe("ROUND_ROBIN");
    expect(healthCheck.grpc_health_check).toEqual({});
    expect(healthCheck).toMatchObject({ timeout: "1s", interval: "2s", unhealthy_threshold: 1 });
    expect([1, 2]).toContain(healthCheck.healthy_threshold);
    const outlier = obj(cluster.outlier_detection);
    for (const field of [
      "consecutive_5xx",
      "consecutive_gateway_failure",
      "interval",
      "base_ejection_time",
      "max_ejection_percent",
    ]) {
      expect(outlier, field).toHaveProperty(field);
    }
    expect(at(envoy, "admin", "address", "socket_address", "port_value")).toBe(9901);
  });

  it("uses only fields that exist in Envoy's v3 protos (an unknown field stops Envoy at start-up)", () => {
    expect(unknownEnvoyFields(envoy, "Bootstrap", "")).toEqual([]);
  });
});

describe("provider healthcheck (compose)", () => {
  const test = list(at(services, "greeter-provider", "healthcheck", "test")).map(String);
  const qosPort = String(providerEnv.DUBBO_APPLICATION_QOS_PORT);

  it("probes QOS /ready on 22222 from inside the container, with node (the slim image has no curl)", () => {
    expect(test.slice(0, 3)).toEqual(["CMD", "node", "-e"]);
    expect(qosPort).toBe("22222");
    expect(test[3]).toContain(`http://127.0.0.1:${qosPort}/ready`);
  });

  it("the script exits 0 on 200, 1 on 503, 1 when nothing listens", async () => {
    let status = 200;
    const qos = createServer((req, res) => {
      res.statusCode = req.url === "/ready" ? status : 404;
      res.end(status === 200 ? "true" : "false");
    });
    await new Promise<void>((resolve) => qos.listen(0, "127.0.0.1", resolve));
    const port = (qos.address() as AddressInfo).port;
    const script = String(test[3]).replace(`:${qosPort}/`, `:${port}/`);
    const run = () =>
      new Promise<number>((resolve) => {
        execFile(process.execPath, ["-e", script], (err) => resolve(err === null ? 0 : Number(err.code)));
      });
    try {
      expect(await run()).toBe(0);
      status = 503;
      expect(await run()).toBe(1);
    } finally {
      await new Promise((resolve) => qos.close(resolve));
    }
    expect(await run()).toBe(1);
  });
});

describe("Dockerfile", () => {
  const lines = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  const stages = lines.filter((l) => l.startsWith("FROM "));
  const defaultImage = /^ARG NODE_IMAGE=(\S+)$/m.exec(dockerfile)?.[1];

  it("multi-stage on node:24-slim: build (npm ci + tsc) and a runtime that copies only the built tree", () => {
    expect(defaultImage).toBe("node:24-slim");
    expect(stages.map((s) => s.split(/\s+/).at(-1))).toEqual(["build", "runtime", "consumer", "provider"]);
    expect(stages[0]).toMatch(/^FROM \$\{NODE_IMAGE\} AS build$/);
    expect(stages[1]).toMatch(/^FROM \$\{NODE_IMAGE\} AS runtime$/);
    expect(lines).toContain("RUN npm ci --no-audit --no-fund");
    expect(lines).toContain("RUN npx --no-install tsc -b samples/greeter packages/cli");
    expect(lines.filter((l) => l.startsWith("COPY --from="))).toEqual(["COPY --from=build /out/ ./"]);
  });

  it("runs as the non-root node user, stops with SIGTERM, exposes the protocol and QOS ports", () => {
    const runtime = lines.slice(lines.indexOf(stages[1] as string));
    expect(runtime).toContain("USER node");
    expect(lines).not.toContain("USER root");
    expect(runtime).toContain("STOPSIGNAL SIGTERM");
    expect(runtime).toContain("EXPOSE 50052 22222");
  });

  it("the provider (default target) health-checks through the CLI; the consumer has no healthcheck", () => {
    const provider = lines.slice(lines.indexOf(stages[3] as string));
    const consumer = lines.slice(lines.indexOf(stages[2] as string), lines.indexOf(stages[3] as string));
    const healthcheck = provider.find((l) => l.startsWith("HEALTHCHECK "));
    expect(healthcheck).toMatch(/CMD \["node", "packages\/cli\/dist\/bin\.js", "health", "127\.0\.0\.1:50052"\]$/);
    expect(provider).toContain('CMD ["node", "samples/greeter/bundle/provider.mjs"]');
    expect(consumer).toContain("HEALTHCHECK NONE");
    expect(consumer).toContain('CMD ["node", "samples/greeter/bundle/consumer.mjs"]');
  });

  it("the images run bundles that the build stage writes from the compiled entry points", () => {
    // `dubbo-mesh bundle <entry>... --outdir <dir>` writes <dir>/<name>.mjs (test/bundle.test.ts runs it).
    const bundle = lines.find((l) => l.startsWith("RUN node packages/cli/dist/bin.js bundle "));
    expect(bundle).toBeDefined();
    const words = (bundle as string).split(/\s+/).slice(4);
    const outdir = words[words.indexOf("--outdir") + 1];
    const entries = words.filter((w, i) => !w.startsWith("--") && words[i - 1] !== "--outdir");
    const written = entries.map((e) => `${outdir}/${e.replace(/^.*\//, "").replace(/\.js$/, ".mjs")}`);
    const cmds = lines.filter((l) => l.startsWith("CMD ")).map((l) => (JSON.parse(l.slice(4)) as string[])[1]);
    expect(cmds.sort()).toEqual(written.sort());
    for (const entry of entries) {
      const source = entry.replace("/dist/", "/src/").replace(/\.js$/, ".ts");
      expect(existsSync(join(repo, source)), `${source} compiles to ${entry}`).toBe(true);
    }
    expect(lines.indexOf(bundle as string)).toBeGreaterThan(
      lines.indexOf("RUN npx --no-install tsc -b samples/greeter packages/cli"),
    );
  });

  it(".dockerignore keeps host node_modules and dist out of the build context", () => {
    const ignore = read(".dockerignore").split("\n");
    expect(ignore).toEqual(expect.arrayContaining(["**/node_modules", "**/dist", "**/bundle", ".git"]));
  });
});

/** `docker compose` (v2) if it runs here, else the Debian `docker-compose` (v1), else nothing. */
function composeClient(): string[] | undefined {
  if (spawnSync("docker", ["compose", "version"], { stdio: "ignore" }).status === 0) return ["docker", "compose"];
  if (spawnSync("docker-compose", ["version"], { stdio: "ignore" }).status === 0) return ["docker-compose"];
  return undefined;
}
const client = composeClient();

describe("compose client", () => {
  it.skipIf(client === undefined)("`config` accepts docker-compose.yml (schema, interpolation, paths)", () => {
    const [cmd, ...base] = client as string[];
    let file = join(repo, "docker-compose.yml");
    let dir: string | undefined;
    if (cmd === "docker-compose") {
      // Compose v1 predates the top-level `name`; check everything else with it.
      dir = mkdtempSync(join(tmpdir(), "compose-"));
      file = join(dir, "docker-compose.yml");
      writeFileSync(file, read("docker-compose.yml").replace(/^name: .*$/m, ""));
    }
    try {
      const result = spawnSync(cmd as string, [...base, "--project-directory", repo, "-f", file, "config"], {
        encoding: "utf8",
      });
      expect(result.status, result.stderr).toBe(0);
    } finally {
      if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    }
  });
});

// The Envoy v3 fields this configuration may use, per message (from the envoyproxy/envoy api/ protos). A field
// mapped to a message name is checked recursively; `null` means a scalar, a list of scalars, or an opaque Any.
type Fields = Record<string, string | null>;
const ENVOY: Record<string, Fields> = {
  Bootstrap: { admin: "Admin", static_resources: "StaticResources" },
  Admin: { address: "Address", access_log: null },
  Address: { socket_address: "SocketAddress" },
  SocketAddress: { address: null, port_value: null, protocol: null },
  StaticResources: { listeners: "Listener", clusters: "Cluster" },
  Listener: { name: null, address: "Address", filter_chains: "FilterChain" },
  FilterChain: { filters: "NetworkFilter", filter_chain_match: null },
  NetworkFilter: { name: null, typed_config: "HttpConnectionManager" },
  HttpConnectionManager: {
    "@type": null,
    stat_prefix: null,
    codec_type: null,
    route_config: "RouteConfiguration",
    http_filters: "HttpFilter",
    access_log: null,
  },
  HttpFilter: { name: null, typed_config: null },
  RouteConfiguration: { name: null, virtual_hosts: "VirtualHost" },
  VirtualHost: { name: null, domains: null, routes: "Route" },
  Route: { name: null, match: "RouteMatch", route: "RouteAction" },
  RouteMatch: { prefix: null, path: null, grpc: "Empty", headers: null },
  RouteAction: {
    cluster: null,
    timeout: null,
    idle_timeout: null,
    max_stream_duration: "MaxStreamDuration",
    retry_policy: "RetryPolicy",
  },
  MaxStreamDuration: { max_stream_duration: null, grpc_timeout_header_max: null, grpc_timeout_header_offset: null },
  RetryPolicy: {
    retry_on: null,
    num_retries: null,
    per_try_timeout: null,
    retry_host_predicate: "RetryHostPredicate",
    host_selection_retry_max_attempts: null,
    retriable_status_codes: null,
  },
  RetryHostPredicate: { name: null, typed_config: null },
  Cluster: {
    name: null,
    type: null,
    dns_refresh_rate: null,
    dns_lookup_family: null,
    lb_policy: null,
    connect_timeout: null,
    typed_extension_protocol_options: "ExtensionProtocolOptions",
    load_assignment: "ClusterLoadAssignment",
    health_checks: "HealthCheck",
    outlier_detection: "OutlierDetection",
  },
  ExtensionProtocolOptions: { "envoy.extensions.upstreams.http.v3.HttpProtocolOptions": "HttpProtocolOptions" },
  HttpProtocolOptions: { "@type": null, explicit_http_config: "ExplicitHttpConfig" },
  ExplicitHttpConfig: { http2_protocol_options: "Http2ProtocolOptions" },
  Http2ProtocolOptions: { connection_keepalive: null, max_concurrent_streams: null },
  ClusterLoadAssignment: { cluster_name: null, endpoints: "LocalityLbEndpoints" },
  LocalityLbEndpoints: { lb_endpoints: "LbEndpoint" },
  LbEndpoint: { endpoint: "Endpoint" },
  Endpoint: { address: "Address" },
  HealthCheck: {
    timeout: null,
    interval: null,
    initial_jitter: null,
    interval_jitter: null,
    unhealthy_threshold: null,
    healthy_threshold: null,
    reuse_connection: null,
    no_traffic_interval: null,
    unhealthy_interval: null,
    grpc_health_check: "GrpcHealthCheck",
  },
  GrpcHealthCheck: { service_name: null, authority: null },
  OutlierDetection: {
    consecutive_5xx: null,
    consecutive_gateway_failure: null,
    enforcing_consecutive_gateway_failure: null,
    interval: null,
    base_ejection_time: null,
    max_ejection_percent: null,
  },
  Empty: {},
};

/** Paths in `node` (a message of type `type`) whose field is not one of that message's known fields. */
function unknownEnvoyFields(node: unknown, type: string, path: string): string[] {
  if (Array.isArray(node)) return node.flatMap((item, i) => unknownEnvoyFields(item, type, `${path}[${i}]`));
  const fields = ENVOY[type] as Fields;
  return Object.entries(obj(node)).flatMap(([key, value]) => {
    if (!(key in fields)) return [`${path}.${key} (not a field of ${type})`];
    const child = fields[key];
    return child === null || child === undefined ? [] : unknownEnvoyFields(value, child, `${path}.${key}`);
  });
}

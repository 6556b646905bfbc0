// Kubernetes/Istio manifests from @dubbo-mesh/cli: every object validates against its schema, the pieces that must
// line up do (ports, names, labels, probes, shutdown timings, Istio hosts), and the committed greeter manifests under
// samples/greeter/k8s/ are exactly what the generator produces.
import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  CONSUMER_HEALTH_CHECK,
  GRACE_MARGIN_SECONDS,
  generateManifests,
  type ManifestModel,
  ManifestOptionError,
  type ManifestOptions,
  modelFromObject,
  outboundClusterName,
  preStopCommand,
  renderManifests,
  serviceFqdn,
  terminationGracePeriodSeconds,
} from "@dubbo-mesh/cli";
import {
  greeterConsumerManifests,
  greeterManifestFiles,
  greeterProviderManifests,
} from "@dubbo-mesh/sample-greeter/k8s";
import type { DestinationRule } from "@kubernetes-models/istio/networking.istio.io/v1/DestinationRule";
import type { VirtualService } from "@kubernetes-models/istio/networking.istio.io/v1/VirtualService";
import type { EnvoyFilter } from "@kubernetes-models/istio/networking.istio.io/v1alpha3/EnvoyFilter";
import type { Deployment } from "kubernetes-models/apps/v1/Deployment";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { Namespace } from "kubernetes-models/v1/Namespace";
import type { Service } from "kubernetes-models/v1/Service";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";

const execFileAsync = promisify(execFile);
const repo = fileURLToPath(new URL("..", import.meta.url));
const k8sDir = join(repo, "samples/greeter/k8s");

interface Kinds {
  Namespace: Namespace;
  Service: Service;
  Deployment: Deployment;
  VirtualService: VirtualService;
  DestinationRule: DestinationRule;
  EnvoyFilter: EnvoyFilter;
}

function all<K extends keyof Kinds>(models: readonly ManifestModel[], kind: K): Kinds[K][] {
  return models.filter((m) => m.kind === kind) as unknown as Kinds[K][];
}

function one<K extends keyof Kinds>(models: readonly ManifestModel[], kind: K): Kinds[K] {
  const found = all(models, kind);
  expect(found, kind).toHaveLength(1);
  return found[0] as Kinds[K];
}

function container(deployment: Deployment): IContainer {
  const containers = deployment.spec?.template.spec?.containers ?? [];
  expect(containers).toHaveLength(1);
  return containers[0] as IContainer;
}

function env(c: IContainer, name: string): string | undefined {
  return c.env?.find((e) => e.name === name)?.value;
}

function subsetOf(small: Record<string, string> | undefined, big: Record<string, string> | undefined): boolean {
  return Object.entries(small ?? {}).every(([k, v]) => big?.[k] === v);
}

const provider = greeterProviderManifests();
const consumer = greeterConsumerManifests();

describe("generated objects", () => {
  it("every object validates against its schema, also after a YAML round trip", () => {
    for (const model of [...provider, ...consumer]) {
      expect(() => model.validate()).not.toThrow();
    }
    for (const text of Object.values(greeterManifestFiles())) {
      for (const doc of parseAllDocuments(text)) {
        expect(doc.errors).toEqual([]);
        expect(() => modelFromObject(doc.toJS())).not.toThrow();
      }
    }
  });

  it("a schema violation is caught by the same validation", () => {
    const [deployment] = all(provider, "Deployment");
    const broken = { ...deployment?.toJSON(), spec: { replicas: 1 } };
    expect(() => modelFromObject(broken)).toThrow(/selector|template/);
    expect(() => modelFromObject({ apiVersion: "v1", kind: "Pod" })).toThrow(/no model/);
  });

  it("renderManifests prints one YAML document per object, apiVersion and kind first", () => {
    const options: ManifestOptions = { app: "greeter-provider", image: "img:1", istio: true };
    const docs = parseAllDocuments(renderManifests(options));
    const models = generateManifests(options);
    expect(docs.map((d) => d.get("kind"))).toEqual(models.map((m) => m.kind));
    for (const doc of docs) {
      const keys = Object.keys(doc.toJS() as object);
      expect(keys.slice(0, 2)).toEqual(["apiVersion", "kind"]);
    }
  });
});

describe("provider", () => {
  const ns = one(provider, "Namespace");
  const service = one(provider, "Service");
  const deployment = one(provider, "Deployment");
  const c = container(deployment);
  const podLabels = deployment.spec?.template.metadata?.labels;

  it("Namespace dubbo-demo with istio-injection enabled; every object in it", () => {
    expect(ns.metadata?.name).toBe("dubbo-demo");
    expect(ns.metadata?.labels).toEqual({ "istio-injection": "enabled" });
    for (const m of provider.filter((m) => m.kind !== "Namespace")) expect(m.metadata?.namespace).toBe("dubbo-demo");
  });

  it("app name = Service name = selector app label = DUBBO_APPLICATION_NAME = ServiceAccount", () => {
    expect(service.metadata?.name).toBe("greeter-provider");
    expect(service.spec?.selector).toEqual({ app: "greeter-provider" });
    expect(env(c, "DUBBO_APPLICATION_NAME")).toBe("greeter-provider");
    expect(subsetOf(service.spec?.selector, podLabels)).toBe(true);
    expect(subsetOf(deployment.spec?.selector.matchLabels, podLabels)).toBe(true);
    expect(podLabels).toEqual({ app: "greeter-provider", version: "v1" });
    const sa = provider.find((m) => m.kind === "ServiceAccount");
    expect(sa?.metadata?.name).toBe(deployment.spec?.template.spec?.serviceAccountName);
  });

  it("Service port grpc-tri 50052 targets the container port of that name and number", () => {
    expect(service.spec?.type).toBe("ClusterIP");
    expect(service.spec?.ports).toHaveLength(1);
    const port = service.spec?.ports?.[0];
    expect(port).toMatchObject({ name: "grpc-tri", port: 50052 });
    const target = c.ports?.find((p) => p.name === port?.targetPort || p.containerPort === port?.targetPort);
    expect(target).toMatchObject({ name: "grpc-tri", containerPort: 50052 });
    expect(env(c, "DUBBO_PROTOCOL_PORT")).toBe(String(target?.containerPort));
  });

  it("probes /live /ready /startup on the QOS port with the sample's timings", () => {
    const qos = c.ports?.find((p) => p.name === "http-health");
    expect(qos?.containerPort).toBe(22222);
    expect(env(c, "DUBBO_APPLICATION_QOS_PORT")).toBe("22222");
    const get = (path: string) => ({ httpGet: expect.objectContaining({ path, port: qos?.containerPort }) });
    expect(c.livenessProbe).toMatchObject({
      ...get("/live"),
      initialDelaySeconds: 10,
      periodSeconds: 5,
      timeoutSeconds: 1,
    });
    expect(c.readinessProbe).toMatchObject({
      ...get("/ready"),
      initialDelaySeconds: 5,
      periodSeconds: 5,
      timeoutSeconds: 2,
    });
    expect(c.startupProbe).toMatchObject({
      ...get("/startup"),
      failureThreshold: 30,
      initialDelaySeconds: 10,
      periodSeconds: 5,
      timeoutSeconds: 2,
    });
  });

  it("kubelet (a foreign address) may reach the public probe commands", () => {
    expect(env(c, "DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP")).toBe("true");
    const annotations = deployment.spec?.template.metadata?.annotations;
    expect(annotations?.["sidecar.istio.io/rewriteAppHTTPProbers"]).toBe("false");
    expect(annotations?.["traffic.sidecar.istio.io/excludeInboundPorts"]).toBe("22222");
  });

  it("Prometheus (a foreign address) is told where to scrape and may run metrics, no other protected command", () => {
    const annotations = deployment.spec?.template.metadata?.annotations;
    expect(annotations?.["prometheus.io/scrape"]).toBe("true");
    expect(annotations?.["prometheus.io/port"]).toBe("22222");
    expect(annotations?.["prometheus.io/path"]).toBe("/metrics");
    expect(env(c, "DUBBO_APPLICATION_QOS_ANONYMOUS_ALLOW_COMMANDS")).toBe("metrics");
  });

  it("POD_NAMESPACE comes from the downward API; mesh mode has no registry", () => {
    const podNs = c.env?.find((e) => e.name === "POD_NAMESPACE");
    expect(podNs?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.namespace");
    expect(env(c, "DUBBO_REGISTRY_ADDRESS")).toBe("N/A");
  });

  it("the grace period covers preStop sleep + shutdown delay + shutdown wait + margin", () => {
    const command = c.lifecycle?.preStop?.exec?.command ?? [];
    expect(command.join(" ")).toContain("http://127.0.0.1:22222/offline");
    const sleepMs = Number(/setTimeout\(\(\)=>\{\},(\d+)\)/.exec(command.join(" "))?.[1]);
    expect(sleepMs).toBe(10_000);
    const delayMs = Number(env(c, "DUBBO_APPLICATION_SHUTDOWN_DELAY"));
    const waitMs = Number(env(c, "DUBBO_SERVICE_SHUTDOWN_WAIT"));
    expect(waitMs).toBe(10_000);
    const grace = deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 0;
    expect(grace * 1000).toBeGreaterThanOrEqual(sleepMs + delayMs + waitMs + GRACE_MARGIN_SECONDS * 1000);
    expect(grace).toBe(25);
    const drain = JSON.parse(deployment.spec?.template.metadata?.annotations?.["proxy.istio.io/config"] ?? "{}");
    expect(drain.terminationDrainDuration).toBe(`${grace - GRACE_MARGIN_SECONDS}s`);
  });

  it("resources have requests and limits; the pod runs as non-root", () => {
    expect(c.resources?.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(c.resources?.limits).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
    expect(deployment.spec?.template.spec?.securityContext?.runAsNonRoot).toBe(true);
    expect(deployment.spec?.template.spec?.securityContext?.runAsUser).not.toBe(0);
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
  });

  it("VirtualService and DestinationRule route the Service FQDN to subsets selecting pods by version", () => {
    const fqdn = `${service.metadata?.name}.${service.metadata?.namespace}.svc.cluster.local`;
    const vs = one(provider, "VirtualService");
    const dr = one(provider, "DestinationRule");
    expect(vs.spec?.hosts).toEqual([fqdn]);
    expect(dr.spec?.host).toBe(fqdn);
    expect(dr.spec?.trafficPolicy?.loadBalancer?.simple).toBe("ROUND_ROBIN");
    const routes = vs.spec?.http?.flatMap((h) => h.route ?? []) ?? [];
    expect(routes.reduce((sum, r) => sum + (r.weight ?? 0), 0)).toBe(100);
    for (const route of routes) {
      expect(route.destination?.host).toBe(fqdn);
      expect(route.destination?.port?.number).toBe(service.spec?.ports?.[0]?.port);
      const subset = dr.spec?.subsets?.find((s) => s.name === route.destination?.subset);
      expect(subset?.labels).toEqual({ version: podLabels?.version });
    }
  });
});

describe("consumer", () => {
  const deployment = one(consumer, "Deployment");
  const c = container(deployment);
  const providerService = one(provider, "Service");
  const providerFqdn = serviceFqdn("greeter-provider", "dubbo-demo", "cluster.local");

  it("has no Service and no protocol port; probes and shutdown as the provider's", () => {
    expect(all(consumer, "Service")).toHaveLength(0);
    expect(c.ports?.map((p) => p.name)).toEqual(["http-health"]);
    expect(c.readinessProbe?.httpGet?.path).toBe("/ready");
    expect(env(c, "DUBBO_CONSUMER_MESH_ENABLE")).toBe("true");
    // Mesh addressing: no URL, so providedBy + POD_NAMESPACE give the provider's FQDN; long-running with probes.
    expect(env(c, "DUBBO_CONSUMER_URL")).toBeUndefined();
    expect(c.env?.find((e) => e.name === "POD_NAMESPACE")?.valueFrom?.fieldRef?.fieldPath).toBe("metadata.namespace");
    expect(Number(env(c, "DUBBO_CONSUMER_INTERVAL_MS"))).toBeGreaterThan(0);
    expect(env(c, "DUBBO_APPLICATION_QOS_PORT")).toBe("22222");
  });

  it("EnvoyFilter merges an active gRPC health check into the consumer's outbound clusters for the provider", () => {
    const ef = one(consumer, "EnvoyFilter");
    expect(subsetOf(ef.spec?.workloadSelector?.labels, deployment.spec?.template.metadata?.labels)).toBe(true);
    expect(ef.spec?.workloadSelector?.labels).toEqual({ app: "greeter-consumer" });
    const patch = ef.spec?.configPatches?.[0];
    expect(patch?.applyTo).toBe("CLUSTER");
    expect(patch?.patch?.operation).toBe("MERGE");
    expect(patch?.match?.context).toBe("SIDECAR_OUTBOUND");
    const match = patch?.match?.cluster;
    expect(match?.service).toBe(providerFqdn);
    expect(match?.portNumber).toBe(providerService.spec?.ports?.[0]?.port);
    // What Istio names those clusters: the Service's own and one per DestinationRule subset; the match covers both.
    expect(outboundClusterName(50052, providerFqdn)).toBe(
      "outbound|50052||greeter-provider.dubbo-demo.svc.cluster.local",
    );
    const value = patch?.patch?.value as { health_checks: Record<string, unknown>[] };
    expect(value.health_checks).toHaveLength(1);
    const hc = value.health_checks[0];
    expect(hc).toMatchObject({ timeout: "5s", interval: "5s", initial_jitter: "1s", interval_jitter: "1s" });
    expect(hc).toMatchObject({ unhealthy_threshold: 1, healthy_threshold: 2, reuse_connection: true });
    expect(hc).toMatchObject({ no_traffic_interval: "2s", no_traffic_healthy_interval: "4s" });
    expect(hc?.grpc_health_check).toEqual({ authority: providerFqdn });
    expect(hc).toMatchObject(CONSUMER_HEALTH_CHECK);
  });
});

describe("options", () => {
  it("without istio: no injection label and no Istio objects", () => {
    const models = generateManifests({ app: "plain", image: "plain:1" });
    expect(models.map((m) => m.kind)).toEqual(["Namespace", "ServiceAccount", "Service", "Deployment"]);
    expect(one(models, "Namespace").metadata?.labels).toBeUndefined();
    expect(one(models, "Deployment").spec?.replicas).toBe(2);
  });

  it("custom ports, namespace, cluster domain and timings flow into every dependent field", () => {
    const models = generateManifests({
      app: "svc",
      image: "svc:2",
      namespace: "prod",
      port: 9000,
      qosPort: 9001,
      clusterDomain: "corp.local",
      shutdownWaitMs: 30_500,
      shutdownDelayMs: 2000,
      preStopSleepSeconds: 15,
      istio: true,
      trafficSplit: { v1: 80, v2: 20 },
    });
    const d = one(models, "Deployment");
    const c = container(d);
    expect(one(models, "Service").spec?.ports?.[0]).toMatchObject({ port: 9000, targetPort: "grpc-tri" });
    expect(c.ports?.find((p) => p.name === "grpc-tri")?.containerPort).toBe(9000);
    expect(c.readinessProbe?.httpGet?.port).toBe(9001);
    expect(c.lifecycle?.preStop?.exec?.command?.join(" ")).toContain("127.0.0.1:9001/offline");
    expect(env(c, "CLUSTER_DOMAIN")).toBe("corp.local");
    expect(d.spec?.template.spec?.terminationGracePeriodSeconds).toBe(
      terminationGracePeriodSeconds({ preStopSleepSeconds: 15, shutdownDelayMs: 2000, shutdownWaitMs: 30_500 }),
    );
    expect(d.spec?.template.spec?.terminationGracePeriodSeconds).toBe(15 + 33 + GRACE_MARGIN_SECONDS);
    expect(one(models, "DestinationRule").spec?.host).toBe("svc.prod.svc.corp.local");
    expect(one(models, "DestinationRule").spec?.subsets?.map((s) => s.name)).toEqual(["v1", "v2"]);
    expect(one(models, "VirtualService").spec?.http?.[0]?.route?.map((r) => r.weight)).toEqual([80, 20]);
  });

  it("bad options fail with the option's name", () => {
    const bad: [ManifestOptions, RegExp][] = [
      [{ app: "Bad_Name", image: "x" }, /option app/],
      [{ app: "c", image: "x", role: "consumer", istio: true }, /option providerApp/],
      [{ app: "a", image: "x", port: 22222 }, /option qosPort/],
      [{ app: "a", image: "x", replicas: -1 }, /option replicas/],
      [{ app: "a", image: "x", trafficSplit: { v1: 50 } }, /option trafficSplit/],
      [{ app: "a", image: "" }, /option image/],
    ];
    for (const [options, message] of bad) {
      expect(() => generateManifests(options)).toThrow(ManifestOptionError);
      expect(() => generateManifests(options)).toThrow(message);
    }
  });
});

describe("preStop hook", () => {
  async function runHook(port: number): Promise<number> {
    const [cmd, ...args] = preStopCommand(port, 1);
    expect(cmd).toBe("node");
    const started = Date.now();
    await execFileAsync(process.execPath, args);
    return Date.now() - started;
  }

  it("runs in a bare node (no curl, wget or shell), sends offline to QOS on loopback, then sleeps", async () => {
    const seen: string[] = [];
    const qos = createServer((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.socket.remoteAddress}`);
      res.end("OK");
    });
    await new Promise<void>((resolve) => qos.listen(0, "127.0.0.1", resolve));
    try {
      const elapsed = await runHook((qos.address() as AddressInfo).port);
      expect(seen).toEqual(["GET /offline 127.0.0.1"]);
      expect(elapsed).toBeGreaterThanOrEqual(1000);
    } finally {
      qos.close();
    }
  });

  it("still sleeps, and exits 0, when nothing answers on the QOS port", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await runHook(port)).toBeGreaterThanOrEqual(1000);
  });
});

describe("committed greeter manifests", () => {
  it("samples/greeter/k8s/*.yaml are exactly what greeterManifestFiles() generates", () => {
    const expected = greeterManifestFiles();
    const committed = readdirSync(k8sDir).filter((f) => f.endsWith(".yaml") || f.endsWith(".yml"));
    expect(committed.sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      expect(readFileSync(join(k8sDir, name), "utf8"), `${name} drifted; see samples/greeter/k8s/README.md`).toBe(text);
    }
  });
});

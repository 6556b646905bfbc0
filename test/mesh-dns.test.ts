import type { Interceptor } from "@connectrpc/connect";
import {
  Code,
  ConnectError,
  type ConsumerOptions,
  createConsumer,
  meshAddress,
  type ReferenceOptions,
} from "@dubbo-mesh/consumer";
import { referenceUrl } from "@dubbo-mesh/consumer/internal";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Dnsmasq, startDnsmasq } from "./support/dnsmasq.js";
import { GreeterService } from "./support/greeter-proto.js";
import { startContractProvider, type TestProvider } from "./support/start-provider.js";

const FQDN = "greeter-provider.demo.svc.cluster.local";

describe("meshAddress: <providedBy>.<namespace>.svc.<clusterDomain>:<port>", () => {
  it("defaults: namespace default, cluster.local, port 50052", () => {
    expect(meshAddress({ providedBy: "greeter-provider" }, {})).toEqual({
      host: "greeter-provider.default.svc.cluster.local",
      port: 50052,
      url: "http://greeter-provider.default.svc.cluster.local:50052",
    });
  });

  it("namespace: providerNamespace > POD_NAMESPACE > default (an empty variable counts as unset)", () => {
    expect(meshAddress({ providedBy: "p" }, { POD_NAMESPACE: "demo" }).host).toBe("p.demo.svc.cluster.local");
    expect(meshAddress({ providedBy: "p", providerNamespace: "prod" }, { POD_NAMESPACE: "demo" }).host).toBe(
      "p.prod.svc.cluster.local",
    );
    expect(meshAddress({ providedBy: "p" }, { POD_NAMESPACE: "" }).host).toBe("p.default.svc.cluster.local");
  });

  it("cluster domain from CLUSTER_DOMAIN, a trailing dot dropped", () => {
    expect(meshAddress({ providedBy: "p" }, { CLUSTER_DOMAIN: "corp.example" }).host).toBe(
      "p.default.svc.corp.example",
    );
    expect(meshAddress({ providedBy: "p" }, { CLUSTER_DOMAIN: "k8s.local." }).url).toBe(
      "http://p.default.svc.k8s.local:50052",
    );
  });

  it("port from providerPort", () => {
    const a = meshAddress({ providedBy: "p", providerNamespace: "demo", providerPort: 8080 }, {});
    expect(a).toEqual({ host: "p.demo.svc.cluster.local", port: 8080, url: "http://p.demo.svc.cluster.local:8080" });
  });

  it("a name that is no DNS label or a port out of range is refused, naming it", () => {
    expect(() => meshAddress({ providedBy: "greeter.provider" }, {})).toThrow(/"greeter.provider"/);
    expect(() => meshAddress({ providedBy: "p", providerNamespace: "a_b" }, {})).toThrow(/"a_b"/);
    expect(() => meshAddress({ providedBy: "p", providerPort: 70000 }, {})).toThrow(/70000/);
  });

  it("a reference url overrides all of it", () => {
    const ctx = { meshEnable: true, env: { POD_NAMESPACE: "demo" } };
    const ref = { url: "tri://10.0.0.7:20880", providedBy: "p", providerPort: 1 };
    expect(referenceUrl("fixture.v1.GreeterService", ref, ctx).href).toBe("http://10.0.0.7:20880/");
    expect(referenceUrl("fixture.v1.GreeterService", { providedBy: "p" }, ctx).href).toBe(
      "http://p.demo.svc.cluster.local:50052/",
    );
  });
});

describe("mesh mode (dubbo.consumer.mesh-enable) checks at reference()", () => {
  const mesh = createConsumer({ meshEnable: true, env: {} });
  const plain = createConsumer({ env: {} });
  afterAll(() => {
    mesh.close();
    plain.close();
  });

  it("no providedBy and no url -> error naming the service and providedBy", () => {
    expect(() => mesh.reference(GreeterService, {})).toThrow(
      /fixture\.v1\.GreeterService: providedBy is required in mesh mode/,
    );
  });

  it("a protocol that is not Triple -> error saying mesh requires Triple", () => {
    const dubbo = { providedBy: "p", protocol: "dubbo" } as unknown as ReferenceOptions;
    expect(() => mesh.reference(GreeterService, dubbo)).toThrow(/mesh mode .* requires the Triple protocol.*"dubbo"/);
    // Triple is accepted, and the reference addresses the provider by its mesh name (no connection opens yet).
    const triple = mesh.reference(GreeterService, { providedBy: "p", protocol: "triple" });
    expect(mesh.endpoints(triple).map((e) => e.authority)).toEqual(["p.default.svc.cluster.local:50052"]);
  });

  it("outside mesh mode, a reference without an address is still an error", () => {
    expect(() => plain.reference(GreeterService, {})).toThrow(/GreeterService needs url or providedBy/);
  });
});

describe("end to end: a mesh name resolved by a real DNS server (dnsmasq)", () => {
  let dns: Dnsmasq;
  let provider: TestProvider;
  const authorities: string[] = [];
  const recordAuthority: Interceptor = (next) => async (req) => {
    authorities.push(new URL(req.url).host);
    return next(req);
  };
  let consumerOptions: ConsumerOptions;

  beforeAll(async () => {
    provider = await startContractProvider({ host: "127.0.0.2", interceptors: [recordAuthority] });
    dns = await startDnsmasq({ [FQDN]: "127.0.0.2" });
    consumerOptions = { dns: { servers: [`127.0.0.1:${dns.port}`] }, env: {}, meshEnable: true };
  });
  afterAll(async () => {
    await dns?.stop();
    await provider?.close();
  });

  const mesh = (ref: Partial<ReferenceOptions> = {}): ReferenceOptions => ({
    providedBy: "greeter-provider",
    providerNamespace: "demo",
    providerPort: provider.port,
    timeout: 3000,
    ...ref,
  });

  it("gRPC over HTTP/2: Greet reaches the provider at the DNS answer, with :authority = the FQDN", async () => {
    const consumer = createConsumer(consumerOptions);
    try {
      authorities.length = 0;
      const res = await consumer.reference(GreeterService, mesh()).greet({ name: "mesh" });
      expect(res.greeting).toBe("hello, mesh");
      expect(authorities).toEqual([`${FQDN}:${provider.port}`]);
      expect(dns.log()).toContain(`query[A] ${FQDN} from 127.0.0.1`);
    } finally {
      consumer.close();
    }
  });

  it("Triple HTTP/1.1 through the same DNS, with Host = the FQDN", async () => {
    const consumer = createConsumer(consumerOptions);
    try {
      authorities.length = 0;
      const res = await consumer.reference(GreeterService, mesh({ protocol: "triple" })).greet({ name: "h1" });
      expect(res.greeting).toBe("hello, h1");
      expect(authorities).toEqual([`${FQDN}:${provider.port}`]);
    } finally {
      consumer.close();
    }
  });

  it("the namespace comes from the consumer's POD_NAMESPACE when the reference names none", async () => {
    const consumer = createConsumer({ ...consumerOptions, env: { POD_NAMESPACE: "demo" } });
    try {
      const res = await consumer
        .reference(GreeterService, mesh({ providerNamespace: undefined }))
        .greet({ name: "env" });
      expect(res.greeting).toBe("hello, env");
    } finally {
      consumer.close();
    }
  });

  it("a url overrides providedBy", async () => {
    const consumer = createConsumer(consumerOptions);
    try {
      const ref = mesh({ providedBy: "not-in-dns", url: `http://127.0.0.2:${provider.port}` });
      expect((await consumer.reference(GreeterService, ref).greet({ name: "url" })).greeting).toBe("hello, url");
    } finally {
      consumer.close();
    }
  });

  it("a name not in DNS -> UNAVAILABLE naming the host", async () => {
    const consumer = createConsumer(consumerOptions);
    try {
      const e = await consumer
        .reference(GreeterService, mesh({ providedBy: "no-such-provider" }))
        .greet({ name: "x" })
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(e).toBeInstanceOf(ConnectError);
      expect((e as ConnectError).code).toBe(Code.Unavailable);
      expect((e as ConnectError).rawMessage).toContain("no-such-provider.demo.svc.cluster.local");
      expect(dns.log()).toContain("query[A] no-such-provider.demo.svc.cluster.local");
    } finally {
      consumer.close();
    }
  });
});

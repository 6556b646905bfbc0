import { errorMessage } from "@dubbo-mesh/runtime";
import { type Env, meshAddress } from "./mesh-address.js";
import { type ReferenceOptions, referenceProtocols } from "./options.js";
import { parseDnsTarget, parseTarget, parseTargetList } from "./target.js";

/** What decides a reference's address besides the reference itself. */
export interface TargetContext {
  /** Mesh mode (`dubbo.consumer.mesh-enable`). */
  meshEnable: boolean;
  /** Environment for `POD_NAMESPACE` and `CLUSTER_DOMAIN`. */
  env: Env;
  /** Who balances a `providedBy` reference (see `ConsumerOptions.balancing`). Default "mesh". */
  balancing?: "mesh" | "client";
}

/**
 * Where a reference's calls go, which also chooses the resolver of its endpoints:
 * - "single": one connection to `url`'s host (a sidecar or kube-proxy balances) — a one-host `url`, or `providedBy`
 *   with `balancing: "mesh"`;
 * - "static": the fixed list of a `url` with several hosts (`tri://h1:p1,h2:p2`);
 * - "dns": every A/AAAA record of `url`'s host — `dns:///name:port`, or `providedBy` with `balancing: "client"`.
 * Every URL is an `http://host:port` base URL; its `host` is the `:authority` of calls.
 */
export type ReferenceTarget =
  | { kind: "single"; url: URL }
  | { kind: "static"; urls: URL[] }
  | { kind: "dns"; url: URL };

/** The name of a target in messages: `host:port`, hosts of a list joined by commas. */
export function targetName(target: ReferenceTarget): string {
  return target.kind === "static" ? target.urls.map((u) => u.host).join(",") : target.url.host;
}

/**
 * Decides where a reference's calls go: its `url` if set, else the mesh address of `providedBy` (see `meshAddress`),
 * resolved by DNS to every instance when the reference (or the consumer) balances on the client. Throws, naming the
 * service, when there is neither, or — in mesh mode, as Dubbo Java's `checkMeshConfig` — when the protocol is not
 * Triple. This is the first step of the call path (resolve -> pick -> retry -> wire).
 */
export function referenceTarget(service: string, ref: ReferenceOptions, context: TargetContext): ReferenceTarget {
  const protocol: string = ref.protocol ?? "grpc";
  if (!referenceProtocols.includes(protocol)) {
    const rule = context.meshEnable
      ? "mesh mode (dubbo.consumer.mesh-enable) requires the Triple protocol"
      : "unsupported protocol";
    throw new Error(`reference to ${service}: ${rule} ("grpc" or "triple"), not "${protocol}"`);
  }
  try {
    if (ref.url !== undefined && ref.url !== "") {
      const dns = parseDnsTarget(ref.url);
      if (dns) return { kind: "dns", url: dns };
      const urls = parseTargetList(ref.url);
      const [first] = urls;
      return urls.length === 1 && first ? { kind: "single", url: first } : { kind: "static", urls };
    }
    if (ref.providedBy !== undefined && ref.providedBy !== "") {
      const url = new URL(meshAddress({ ...ref, providedBy: ref.providedBy }, context.env).url);
      return (ref.balancing ?? context.balancing ?? "mesh") === "client"
        ? { kind: "dns", url }
        : { kind: "single", url };
    }
  } catch (e) {
    throw new Error(`reference to ${service}: ${errorMessage(e)}`);
  }
  throw new Error(
    context.meshEnable
      ? `reference to ${service}: providedBy is required in mesh mode (dubbo.consumer.mesh-enable), or set url`
      : `reference to ${service} needs url or providedBy: there is no registry to find providers in`,
  );
}

/**
 * The base URL of a reference's calls, as `referenceTarget` decides it: the one host, the DNS name, or the first host
 * of a list. Kept for callers that need one address (e.g. to print it).
 */
export function referenceUrl(service: string, ref: ReferenceOptions, context: TargetContext): URL {
  const target = referenceTarget(service, ref, context);
  if (target.kind !== "static") return target.url;
  return target.urls[0] ?? parseTarget(ref.url ?? "");
}

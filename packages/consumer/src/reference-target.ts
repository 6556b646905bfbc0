import { type Env, meshAddress } from "./mesh-address.js";
import { type ReferenceOptions, referenceProtocols } from "./options.js";
import { parseTarget } from "./target.js";

/** What decides a reference's address besides the reference itself. */
export interface TargetContext {
  /** Mesh mode (`dubbo.consumer.mesh-enable`). */
  meshEnable: boolean;
  /** Environment for `POD_NAMESPACE` and `CLUSTER_DOMAIN`. */
  env: Env;
}

/**
 * Decides the base URL a reference's calls go to: its `url` if set, else the mesh address of `providedBy` (see
 * `meshAddress`). Throws, naming the service, when there is neither, or — in mesh mode, as Dubbo Java's
 * `checkMeshConfig` — when the protocol is not Triple. This is the "resolve" step of the call path; a resolver of
 * several endpoints would start from the same decision.
 */
export function referenceUrl(service: string, ref: ReferenceOptions, context: TargetContext): URL {
  const protocol: string = ref.protocol ?? "grpc";
  if (!referenceProtocols.includes(protocol)) {
    const rule = context.meshEnable
      ? "mesh mode (dubbo.consumer.mesh-enable) requires the Triple protocol"
      : "unsupported protocol";
    throw new Error(`reference to ${service}: ${rule} ("grpc" or "triple"), not "${protocol}"`);
  }
  if (ref.url !== undefined && ref.url !== "") return parseTarget(ref.url);
  if (ref.providedBy !== undefined && ref.providedBy !== "") {
    try {
      return new URL(meshAddress({ ...ref, providedBy: ref.providedBy }, context.env).url);
    } catch (e) {
      throw new Error(`reference to ${service}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  throw new Error(
    context.meshEnable
      ? `reference to ${service}: providedBy is required in mesh mode (dubbo.consumer.mesh-enable), or set url`
      : `reference to ${service} needs url or providedBy: there is no registry to find providers in`,
  );
}

import type { NameResolver, ResolverListener } from "./resolver.js";

/**
 * The resolver of addresses known up front: a static list (`tri://h1:p1,h2:p2`) or the single address of mesh mode
 * (one connection to the name; the sidecar or kube-proxy balances). Reports at once, during the call, and never
 * again; a host name in the list is resolved when its connection is made, as for any URL.
 */
export function createFixedResolver(urls: readonly URL[], listener: ResolverListener): NameResolver {
  listener.onAddresses(urls.map((url) => ({ url })));
  return { requestResolution() {}, close() {} };
}

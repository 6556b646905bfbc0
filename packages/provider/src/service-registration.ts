import type { DescService } from "@bufbuild/protobuf";
import { checkPrincipalRule, type PrincipalRule, type ServiceTable, serviceKey } from "@dubbo-mesh/runtime";
import type { AnyServiceImpl, Registration } from "./dispatch.js";

/** Options of one registration: Dubbo's version and group. */
export interface ServiceOptions {
  /** The service version callers select with `tri-service-version`. Default none. */
  version?: string;
  /** The service group callers select with `tri-service-group`. Default none. */
  group?: string;
  /**
   * Who may call this service, by the SPIFFE ID of their verified client certificate (mTLS), as an Istio
   * AuthorizationPolicy's `principals` (`cluster.local/ns/default/sa/web`, `spiffe://...`, a `*` at one end) or
   * trust domains. Everyone else — other identities, callers without a client certificate — gets PERMISSION_DENIED.
   * Default none: anyone who can connect.
   */
  authorization?: PrincipalRule;
}

/**
 * Adds an implementation of `desc` to the table under its version and group — what `Provider.service` and the
 * in-memory transport register. Throws for a bad authorization rule, naming the service.
 */
export function addRegistration(
  table: ServiceTable<Registration>,
  desc: DescService,
  impl: AnyServiceImpl,
  options: ServiceOptions = {},
): void {
  const { authorization } = options;
  if (authorization) checkPrincipalRule(authorization, `authorization of ${desc.typeName}`);
  table.add(serviceKey(desc.typeName, options.version, options.group), {
    desc,
    impl,
    ...(authorization ? { authorization } : {}),
  });
}

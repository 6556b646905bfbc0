import type { DescService } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextKey,
  type HandlerContext,
  type MethodImplSpec,
  type ServiceImplSpec,
} from "@connectrpc/connect";
import { headerServiceGroup, headerServiceVersion } from "@dubbo-mesh/protocol";
import { formatServiceKey, matchesPrincipalRule, type PrincipalRule, type ServiceTable } from "@dubbo-mesh/runtime";
import { callInfo } from "./call-info.js";

/** An implementation object as registered: any object with (some of) the service's methods. */
export type AnyServiceImpl = object;

/** What the table holds for each registration. */
export interface Registration {
  readonly desc: DescService;
  readonly impl: AnyServiceImpl;
  /** Who may call it (verified client certificates); undefined = anyone. */
  readonly authorization?: PrincipalRule;
}

const kTarget = createContextKey<BoundMethod | undefined>(undefined, { description: "dubbo-mesh dispatch target" });

/** A method of a registered implementation, bound to it: what a call finally invokes. */
export type BoundMethod = (input: unknown, context: HandlerContext) => unknown;

/**
 * Resolves the implementation method for a call by (service, version, group): the exact registration, or Dubbo's
 * fallback when enabled. No match is UNIMPLEMENTED naming what was asked for. Both paths — connect's general path (via
 * the request gate) and the gRPC engine — route through this one function.
 */
export function resolveTarget(
  table: ServiceTable<Registration>,
  fallback: boolean,
  service: string,
  methodLocalName: string,
  methodName: string,
  version: string,
  group: string,
): BoundMethod {
  return resolveCall(table, fallback, service, methodLocalName, methodName, version, group).target;
}

/** What `resolveCall` finds: the bound method and the registration's own version and group (for metrics). */
export interface ResolvedCall {
  readonly target: BoundMethod;
  readonly version: string;
  readonly group: string;
}

/** `resolveTarget`, also naming the version and group of the registration that serves the call. */
export function resolveCall(
  table: ServiceTable<Registration>,
  fallback: boolean,
  service: string,
  methodLocalName: string,
  methodName: string,
  version: string,
  group: string,
): ResolvedCall {
  const found = table.find(service, version, group, fallback);
  if (!found) {
    throw new ConnectError(
      `no provider for ${formatServiceKey({ service, version, group })}` +
        (fallback ? "" : " (fallback to the unversioned service is off)"),
      Code.Unimplemented,
    );
  }
  let methods = boundMethods.get(found.value);
  if (!methods) {
    methods = new Map();
    boundMethods.set(found.value, methods);
  }
  let resolved = methods.get(methodLocalName);
  if (!resolved) {
    const impl = found.value.impl as Record<string, unknown>;
    const fn = impl[methodLocalName];
    if (typeof fn !== "function") {
      throw new ConnectError(`${formatServiceKey(found.key)} does not implement ${methodName}`, Code.Unimplemented);
    }
    const rule = found.value.authorization;
    const target = formatServiceKey(found.key);
    const bound: BoundMethod = rule
      ? (input, ctx) => {
          authorize(rule, ctx, target);
          return fn.call(impl, input, ctx);
        }
      : (input, ctx) => fn.call(impl, input, ctx);
    resolved = { target: bound, version: found.key.version, group: found.key.group };
    methods.set(methodLocalName, resolved);
  }
  return resolved;
}

/**
 * Answers PERMISSION_DENIED unless the caller's verified client certificate satisfies the registration's rule (as an
 * Istio AuthorizationPolicy's principals). Runs in the bound method, so both paths and every call kind check it,
 * before the implementation runs.
 */
function authorize(rule: PrincipalRule, ctx: HandlerContext, target: string): void {
  const peer = callInfo(ctx).peer;
  if (matchesPrincipalRule(rule, peer)) return;
  const who =
    peer === undefined
      ? "a caller without a verified client certificate"
      : (peer.spiffeId ?? peer.subject.replace(/\n/g, ", "));
  throw new ConnectError(`${who} may not call ${target}`, Code.PermissionDenied);
}

// Bound methods per registration, made once (not one closure per call). Registrations never change after start.
const boundMethods = new WeakMap<Registration, Map<string, ResolvedCall>>();

/**
 * Creates the request gate of connect's general path: it reads `tri-service-version` and `tri-service-group`,
 * resolves the target with `resolveTarget`, and records it for the dispatching implementation. It runs before the
 * request body is read, for every protocol.
 */
export function createDispatchGate(table: ServiceTable<Registration>, fallback: boolean) {
  return (context: HandlerContext): void => {
    const target = resolveTarget(
      table,
      fallback,
      context.service.typeName,
      context.method.localName,
      context.method.name,
      context.requestHeader.get(headerServiceVersion) ?? "",
      context.requestHeader.get(headerServiceGroup) ?? "",
    );
    context.values.set(kTarget, target);
  };
}

/**
 * Builds the one connect implementation spec of a service whose every method forwards to the registration that the
 * dispatch gate chose for the call. All protocols — gRPC, gRPC-web, Connect, Triple — share it: one dispatch path.
 */
export function createDispatchingSpec(desc: DescService): ServiceImplSpec {
  const methods: Record<string, MethodImplSpec> = {};
  for (const method of desc.methods) {
    const impl = (input: unknown, context: HandlerContext) => {
      const target = context.values.get(kTarget);
      if (!target) throw new ConnectError(`no dispatch target for ${method.name}`, Code.Internal);
      return target(input, context);
    };
    methods[method.localName] = { kind: method.methodKind, method, impl } as MethodImplSpec;
  }
  return { service: desc, methods };
}

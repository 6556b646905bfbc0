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
import { formatServiceKey, type ServiceTable } from "@dubbo-mesh/runtime";

/** An implementation object as registered: any object with (some of) the service's methods. */
export type AnyServiceImpl = object;

/** What the table holds for each registration. */
export interface Registration {
  readonly desc: DescService;
  readonly impl: AnyServiceImpl;
}

type BoundMethod = (input: unknown, context: HandlerContext) => unknown;

const kTarget = createContextKey<BoundMethod | undefined>(undefined, { description: "dubbo-mesh dispatch target" });

/**
 * Creates the request gate that routes a call by (service, version, group): it reads `tri-service-version` and
 * `tri-service-group`, looks the registration up in the table (with Dubbo's fallback when enabled), and records the
 * bound method for the dispatching implementation. No match is UNIMPLEMENTED, naming what was asked for. It runs
 * before the request body is read, for every protocol.
 */
export function createDispatchGate(table: ServiceTable<Registration>, fallback: boolean) {
  return (context: HandlerContext): void => {
    const service = context.service.typeName;
    const version = context.requestHeader.get(headerServiceVersion) ?? "";
    const group = context.requestHeader.get(headerServiceGroup) ?? "";
    const found = table.lookup(service, version, group, fallback);
    if (!found) {
      throw new ConnectError(
        `no provider for ${formatServiceKey({ service, version, group })}` +
          (fallback ? "" : " (fallback to the unversioned service is off)"),
        Code.Unimplemented,
      );
    }
    const impl = found.value.impl as Record<string, unknown>;
    const fn = impl[context.method.localName];
    if (typeof fn !== "function") {
      throw new ConnectError(
        `${formatServiceKey(found.key)} does not implement ${context.method.name}`,
        Code.Unimplemented,
      );
    }
    context.values.set(kTarget, (input, ctx) => fn.call(impl, input, ctx));
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

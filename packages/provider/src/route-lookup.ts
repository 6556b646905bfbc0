import type { DescMethod } from "@bufbuild/protobuf";
import type { UniversalHandler } from "@connectrpc/connect/protocol";
import { createHttpRuleRouter, type HttpBinding } from "@dubbo-mesh/protocol";
import type { Routes } from "./router.js";

/** Where a request goes: a method's handler (with the HTTP rule binding that led there), a 405, or a 404. */
export type RouteResult =
  | { kind: "handler"; handler: UniversalHandler; binding?: HttpBinding }
  | { kind: "wrong-verb"; allowed: string[] }
  | { kind: "none" };

/** Finds the handler of a request by its verb and path. */
export type RouteLookup = (verb: string, path: string) => RouteResult;

/**
 * Creates the lookup of the general path: the method's own path (`/<package.Service>/<Method>`), the same with the
 * method's first letter in lower case as Java clients write it (`/…Greeter/greet`, Dubbo Java's method name for an
 * IDL method), then the `google.api.http` rules of the methods (`GET /v1/greet/{name}`) — a path that a rule has but
 * not for this verb is a 405 listing the verbs it has.
 */
export function createRouteLookup(routes: Routes, methods: Iterable<DescMethod>): RouteLookup {
  const rules = createHttpRuleRouter(methods);
  return (verb, path) => {
    const direct = routes.get(path) ?? routes.get(upperFirstMethodLetter(path));
    if (direct) return { kind: "handler", handler: direct };
    const m = rules.match(verb, path);
    if (m.kind === "wrong-verb") return m;
    if (m.kind === "none") return m;
    const handler = routes.get(`/${m.rule.method.parent.typeName}/${m.rule.method.name}`);
    if (!handler) return { kind: "none" };
    const binding: HttpBinding = {
      body: m.rule.body,
      pathVariables: m.variables,
      rule: `${m.rule.verb} ${m.rule.template}`,
    };
    return { kind: "handler", handler, binding };
  };
}

/**
 * A method path with the method's first letter in upper case (`/…Greeter/greet` -> `/…Greeter/Greet`): Java clients
 * write Dubbo's method name of an IDL method, and every serving path accepts it.
 */
export function upperFirstMethodLetter(path: string): string {
  const slash = path.lastIndexOf("/");
  const first = path.charAt(slash + 1);
  return first >= "a" && first <= "z"
    ? `${path.slice(0, slash + 1)}${first.toUpperCase()}${path.slice(slash + 2)}`
    : path;
}

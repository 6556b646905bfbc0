import { type DescMethod, getOption, hasOption } from "@bufbuild/protobuf";
import { http } from "../gen/google/api/annotations_pb.js";
import type { HttpRule } from "../gen/google/api/http_pb.js";

/** One HTTP binding of a method, compiled from a `google.api.http` rule. */
export interface CompiledHttpRule {
  readonly method: DescMethod;
  /** The HTTP verb, upper case (`GET`, `POST`, … or a custom one). */
  readonly verb: string;
  /** The path template as written, for messages. */
  readonly template: string;
  /** Which request field the body fills: "*" (the whole request), a field path, or undefined for no body. */
  readonly body: string | undefined;
  readonly pattern: RegExp;
  /** The field path of each capture group of `pattern`, and whether it may span segments. */
  readonly variables: readonly { field: string; multiSegment: boolean }[];
}

/** What a path matched: a rule and its variables, or only other verbs (405), or nothing (404). */
export type HttpRuleMatch =
  | { kind: "match"; rule: CompiledHttpRule; variables: [string, string][] }
  | { kind: "wrong-verb"; allowed: string[] }
  | { kind: "none" };

/** The HTTP rules of a set of methods, matched against a request's verb and path. */
export interface HttpRuleRouter {
  readonly rules: readonly CompiledHttpRule[];
  match(verb: string, path: string): HttpRuleMatch;
}

/**
 * Collects and compiles the `google.api.http` rules (and their `additional_bindings`) of the given methods. A
 * template that does not parse is an error naming the method and the template — at start-up, not at the first call.
 * Supported template syntax: literal segments, `*`, `**`, `{field.path}`, `{field.path=pattern}` and a `:verb`
 * suffix, as googleapis' http.proto defines it; `response_body` is not supported (the whole response is returned).
 */
export function createHttpRuleRouter(methods: Iterable<DescMethod>): HttpRuleRouter {
  const rules: CompiledHttpRule[] = [];
  for (const method of methods) {
    if (!hasOption(method, http)) continue;
    const top = getOption(method, http);
    for (const rule of [top, ...top.additionalBindings]) rules.push(compileRule(method, rule));
  }
  return {
    rules,
    match(verb, path) {
      const allowed = new Set<string>();
      for (const rule of rules) {
        const m = rule.pattern.exec(path);
        if (!m) continue;
        if (rule.verb !== verb) {
          allowed.add(rule.verb);
          continue;
        }
        const variables: [string, string][] = rule.variables.map((v, i) => [
          v.field,
          decodeVariable(m[i + 1] ?? "", v.multiSegment),
        ]);
        return { kind: "match", rule, variables };
      }
      return allowed.size > 0 ? { kind: "wrong-verb", allowed: [...allowed] } : { kind: "none" };
    },
  };
}

function compileRule(method: DescMethod, rule: HttpRule): CompiledHttpRule {
  const where = `google.api.http of ${method.parent.typeName}/${method.name}`;
  let verb: string;
  let template: string;
  switch (rule.pattern.case) {
    case "get":
    case "put":
    case "post":
    case "delete":
    case "patch":
      verb = rule.pattern.case.toUpperCase();
      template = rule.pattern.value;
      break;
    case "custom":
      verb = rule.pattern.value.kind.toUpperCase();
      template = rule.pattern.value.path;
      break;
    default:
      throw new Error(`${where}: a rule needs get, put, post, delete, patch or custom`);
  }
  const { pattern, variables } = compileTemplate(template, where);
  const body = rule.body === "" ? undefined : rule.body;
  return { method, verb, template, body, pattern, variables };
}

const literal = /^[A-Za-z0-9._~!$&'()+,;=@-]+$/;
const fieldPath = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/** Compiles a path template to a regular expression with one capture group per variable. */
function compileTemplate(template: string, where: string): Pick<CompiledHttpRule, "pattern" | "variables"> {
  const bad = (why: string) => new Error(`${where}: bad path template "${template}": ${why}`);
  if (!template.startsWith("/")) throw bad("it must start with /");
  let rest = template.slice(1);
  let verbSuffix = "";
  const lastColon = rest.lastIndexOf(":");
  if (lastColon !== -1 && rest.lastIndexOf("}") < lastColon) {
    verbSuffix = rest.slice(lastColon + 1);
    rest = rest.slice(0, lastColon);
    if (!literal.test(verbSuffix)) throw bad(`invalid verb ":${verbSuffix}"`);
  }
  const variables: { field: string; multiSegment: boolean }[] = [];
  const segmentsRegex = (text: string): string =>
    text
      .split("/")
      .map((segment) => {
        if (segment === "*") return "[^/]+?";
        if (segment === "**") return ".+?";
        if (!literal.test(segment)) throw bad(`invalid segment "${segment}"`);
        return escapeRegExp(segment);
      })
      .join("/");
  // Split into top-level segments, keeping {…} (which may hold "/") together.
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (const c of rest) {
    if (c === "{") depth++;
    if (c === "}") depth--;
    if (depth < 0 || depth > 1) throw bad("unbalanced braces");
    if (c === "/" && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  if (depth !== 0) throw bad("unbalanced braces");
  parts.push(current);
  const regex = parts
    .map((part) => {
      if (!part.startsWith("{")) return segmentsRegex(part);
      if (!part.endsWith("}")) throw bad(`invalid variable "${part}"`);
      const inner = part.slice(1, -1);
      const eq = inner.indexOf("=");
      const field = eq === -1 ? inner : inner.slice(0, eq);
      if (!fieldPath.test(field)) throw bad(`invalid field path "${field}"`);
      const sub = eq === -1 ? "*" : inner.slice(eq + 1);
      variables.push({ field, multiSegment: sub.includes("/") || sub.includes("**") });
      return `(${segmentsRegex(sub)})`;
    })
    .join("/");
  const pattern = new RegExp(`^/${regex}${verbSuffix ? `:${escapeRegExp(verbSuffix)}` : ""}$`);
  return { pattern, variables };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** A captured path variable, percent-decoded (a multi-segment one keeps its `/` separators, as the spec says). */
function decodeVariable(raw: string, multiSegment: boolean): string {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return multiSegment ? raw.split("/").map(decode).join("/") : decode(raw);
}

import type { DescMethod, DescService, FileRegistry } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@dubbo-mesh/consumer";
import { parseMethodPath } from "./method-path.js";
import type { ReflectionClient } from "./reflection-client.js";
import { loadSchema } from "./schema.js";

/** A service learnt through reflection and, unless only the service was named, one of its methods. */
export interface ResolvedMethod {
  /** Every type the service's files declare or import (for JSON of `Any` fields too). */
  readonly registry: FileRegistry;
  readonly service: DescService;
  readonly method: DescMethod | undefined;
}

/**
 * Finds `package.Service/Method` (or `package.Service.Method`, or just `package.Service`) on the server through
 * reflection. Method names match exactly, else ignoring case (`greet` finds `Greet`). Fails with NOT_FOUND naming
 * what is missing and what exists instead: the server's services for an unknown service, the service's methods for
 * an unknown method.
 */
export async function resolveMethod(client: ReflectionClient, text: string): Promise<ResolvedMethod> {
  const { primary, alternative } = parseMethodPath(text);
  const candidates = alternative === undefined ? [primary] : [primary, alternative];
  let firstError: ConnectError | undefined;
  for (const candidate of candidates) {
    let registry: FileRegistry;
    try {
      registry = await loadSchema(client, candidate.service);
    } catch (e) {
      const err = ConnectError.from(e);
      if (err.code !== Code.NotFound) throw err;
      firstError ??= err;
      continue;
    }
    const service = registry.getService(candidate.service);
    if (service === undefined) {
      firstError ??= new ConnectError(`${candidate.service} is not a service`, Code.NotFound);
      continue;
    }
    if (candidate.method === undefined) return { registry, service, method: undefined };
    const method = findMethod(service, candidate.method);
    if (method === undefined) {
      const names = service.methods.map((m) => m.name).join(", ");
      throw new ConnectError(
        `unknown method ${candidate.method} of ${service.typeName}; its methods: ${names || "none"}`,
        Code.NotFound,
      );
    }
    return { registry, service, method };
  }
  throw await withServiceList(client, text, firstError);
}

function findMethod(service: DescService, name: string): DescMethod | undefined {
  const lower = name.toLowerCase();
  return (
    service.methods.find((m) => m.name === name) ??
    service.methods.find((m) => m.name.toLowerCase() === lower || m.localName.toLowerCase() === lower)
  );
}

async function withServiceList(client: ReflectionClient, text: string, cause: ConnectError | undefined) {
  const services = await client.listServices().catch(() => undefined);
  const list = services === undefined ? "" : `; the server has: ${services.join(", ")}`;
  const reason = cause === undefined ? "" : ` (${cause.rawMessage})`;
  return new ConnectError(`unknown service or method ${text}${reason}${list}`, Code.NotFound);
}

import { UsageError } from "../args.js";

/** A method (or just a service) as named on the `invoke` command line. */
export interface MethodPath {
  /** Fully-qualified service name, e.g. `greet.v1.GreeterService`. */
  readonly service: string;
  /** Method name as written (`Greet`, or `greet`); undefined to list the service's methods. */
  readonly method: string | undefined;
}

const QUALIFIED = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

/**
 * Reads `package.Service/Method` (gRPC's path form, a leading `/` allowed) or a bare `package.Service`. The dotted
 * form `package.Service.Method` is ambiguous without asking the server, so it comes back as a service name and
 * `alternative` gives the reading with the last segment as the method.
 */
export function parseMethodPath(text: string): { primary: MethodPath; alternative?: MethodPath } {
  const trimmed = text.startsWith("/") ? text.slice(1) : text;
  const slash = trimmed.lastIndexOf("/");
  if (slash >= 0) {
    const service = trimmed.slice(0, slash);
    const method = trimmed.slice(slash + 1);
    if (!QUALIFIED.test(service) || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(method)) throw bad(text);
    return { primary: { service, method } };
  }
  if (!QUALIFIED.test(trimmed)) throw bad(text);
  const dot = trimmed.lastIndexOf(".");
  if (dot < 0) return { primary: { service: trimmed, method: undefined } };
  return {
    primary: { service: trimmed, method: undefined },
    alternative: { service: trimmed.slice(0, dot), method: trimmed.slice(dot + 1) },
  };
}

function bad(text: string): UsageError {
  return new UsageError(
    `'${text}' is not a method: expected package.Service/Method (e.g. greet.v1.GreeterService/Greet)`,
  );
}

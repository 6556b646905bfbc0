import { type DescService, fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { type Value, ValueSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type HandlerContext } from "@connectrpc/connect";
import { createGenericService } from "@dubbo-mesh/protocol";

/** Options of a generic (interface) service registration. */
export interface GenericServiceOptions {
  /** The service version callers select with `tri-service-version`. Default none. */
  version?: string;
  /** The service group callers select with `tri-service-group`. Default none. */
  group?: string;
  /**
   * How many arguments each method takes, where its declared parameter count (`fn.length`) is not it — a method
   * that also declares the call context parameter, or has default or rest parameters. Default `fn.length`.
   */
  parameterCounts?: Readonly<Record<string, number>>;
}

/** What `genericServiceOf` makes: a descriptor and an implementation to register like any other service. */
export interface GenericRegistration {
  readonly desc: DescService;
  readonly impl: object;
}

/**
 * Makes a plain object or class instance callable as a Dubbo interface service without a .proto, the way Dubbo
 * Java's interface services are called over Triple HTTP: `POST /<interfaceName>/<method>` with `application/json`
 * and a JSON array of the arguments (`["Dubbo"]`), answered with the JSON of the return value. Every method of the
 * object (own and inherited, but not `constructor`) is exported under its own name, called with the arguments spread
 * and the handler context after them (`sayHi(name, ctx)`). A body that is not an array, or holds the wrong number of
 * arguments, is INVALID_ARGUMENT naming the method and what was expected.
 *
 * @example
 * class GreetingsServiceImpl { sayHi(name: string) { return `hi, ${name}`; } }
 * provider.service(...Object.values(genericServiceOf("org.apache.dubbo.samples.api.GreetingsService", new GreetingsServiceImpl())));
 */
export function genericServiceOf(
  interfaceName: string,
  impl: object,
  options: Pick<GenericServiceOptions, "parameterCounts"> = {},
): GenericRegistration {
  const methods = methodsOf(impl);
  if (methods.size === 0) throw new Error(`generic service ${interfaceName}: the implementation has no methods`);
  const desc = createGenericService(interfaceName, [...methods.keys()]);
  const adapter: Record<string, (input: Value, ctx: HandlerContext) => Promise<Value>> = {};
  for (const method of desc.methods) {
    const fn = methods.get(method.name) as (...args: unknown[]) => unknown;
    const expected = options.parameterCounts?.[method.name] ?? fn.length;
    const where = `${interfaceName}/${method.name}`;
    adapter[method.localName] = async (input, ctx) => {
      const args = toJson(ValueSchema, input);
      if (!Array.isArray(args)) {
        throw new ConnectError(
          `the request of ${where} must be a JSON array of its ${expected} argument(s), e.g. ["Dubbo"]; got ${describeJson(args)}`,
          Code.InvalidArgument,
        );
      }
      if (args.length !== expected) {
        throw new ConnectError(`${where} takes ${expected} argument(s), got ${args.length}`, Code.InvalidArgument);
      }
      const result = await fn.apply(impl, [...args, ctx]);
      return fromJson(ValueSchema, toJsonValue(result, where));
    };
  }
  return { desc, impl: adapter };
}

/** The callable members of an object and its prototypes (not Object.prototype's), by name. */
function methodsOf(impl: object): Map<string, (...args: unknown[]) => unknown> {
  const out = new Map<string, (...args: unknown[]) => unknown>();
  for (let o: object | null = impl; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
    for (const name of Object.getOwnPropertyNames(o)) {
      if (name === "constructor" || out.has(name)) continue;
      const value = (impl as Record<string, unknown>)[name];
      if (typeof value === "function") out.set(name, value as (...args: unknown[]) => unknown);
    }
  }
  return out;
}

/** A return value as JSON: `undefined` is `null`; a value JSON cannot hold is INTERNAL. */
function toJsonValue(result: unknown, where: string): JsonValue {
  if (result === undefined) return null;
  try {
    return JSON.parse(JSON.stringify(result)) as JsonValue;
  } catch (e) {
    throw new ConnectError(`${where} returned a value that is not JSON`, Code.Internal, undefined, undefined, e);
  }
}

function describeJson(value: JsonValue): string {
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}

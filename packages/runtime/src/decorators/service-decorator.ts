import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";

/** Options of `@DubboService`, as Dubbo Java's annotation names them. */
export interface DubboServiceOptions {
  /** The version callers select with `tri-service-version`. Default none. */
  version?: string;
  /** The group callers select with `tri-service-group`. Default none. */
  group?: string;
}

/** What `@DubboService` recorded about a class: one entry per decorator on it. */
export interface ServiceMetadata {
  readonly desc: DescService;
  readonly options: DubboServiceOptions;
}

/** Options of `@DubboGenericService`: Dubbo's version and group, and argument counts where `fn.length` is not it. */
export interface DubboGenericServiceOptions extends DubboServiceOptions {
  /** How many arguments a method takes where its declared parameter count is not it (see `genericServiceOf`). */
  parameterCounts?: Readonly<Record<string, number>>;
}

/** What `@DubboGenericService` recorded about a class. */
export interface GenericServiceMetadata {
  readonly interfaceName: string;
  readonly options: DubboGenericServiceOptions;
}

// Keyed by the class itself: Node has no Symbol.metadata, so context.metadata is undefined at run time.
const byClass = new WeakMap<object, (ServiceMetadata | GenericServiceMetadata)[]>();

/**
 * Marks a class as the implementation of a service. It only records metadata; `app.provide(Class)` turns it into the
 * same registration call as `provider.service(desc, new Class(), options)` — one dispatch path.
 * The class must implement every method of the service: a missing one is a type error.
 *
 * @example
 * ＠DubboService(GreeterService, { version: "1.0.0" })
 * class GreeterImpl implements ServiceImpl<typeof GreeterService> { async greet(req) { ... } ... }
 */
export function DubboService<T extends DescService>(desc: T, options: DubboServiceOptions = {}) {
  return <C extends abstract new (...args: never[]) => ServiceImpl<T>>(
    target: C,
    context: ClassDecoratorContext<C>,
  ) => {
    if (context.kind !== "class") throw new Error("@DubboService decorates a class");
    const list = byClass.get(target) ?? [];
    list.push({ desc, options: { ...options } });
    byClass.set(target, list);
  };
}

/**
 * Marks a plain class as the implementation of a Dubbo interface service without a .proto (a Java interface name):
 * `app.provide(Class)` registers it as `app.genericService(interfaceName, new Class(), options)` does.
 *
 * @example
 * ＠DubboGenericService("org.apache.dubbo.samples.api.GreetingsService", { version: "1.0.0" })
 * class GreetingsServiceImpl { sayHi(name: string) { return `hi, ${name}`; } }
 */
export function DubboGenericService(interfaceName: string, options: DubboGenericServiceOptions = {}) {
  return <C extends abstract new (...args: never[]) => object>(target: C, context: ClassDecoratorContext<C>) => {
    if (context.kind !== "class") throw new Error("@DubboGenericService decorates a class");
    const list = byClass.get(target) ?? [];
    list.push({ interfaceName, options: { ...options } });
    byClass.set(target, list);
  };
}

/** The services a class was decorated with, innermost decorator first; empty for an undecorated class. */
export function serviceMetadataOf(target: object): readonly (ServiceMetadata | GenericServiceMetadata)[] {
  return byClass.get(target) ?? [];
}

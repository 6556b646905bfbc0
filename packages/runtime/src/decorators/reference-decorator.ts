import type { DescService } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";

/** Options of `@DubboReference`, as Dubbo Java's annotation names them. */
export interface DubboReferenceOptions {
  /** The provider's application name; in mesh mode the reference dials `<providedBy>.<ns>.svc.<domain>:<port>`. */
  providedBy?: string;
  /** Service version to call (`tri-service-version`). */
  version?: string;
  /** Service group to call (`tri-service-group`). */
  group?: string;
  /** The provider's port in mesh mode. Default 50052. */
  providerPort?: number;
  /** The provider's namespace in mesh mode. Default env POD_NAMESPACE, else "default". */
  providerNamespace?: string;
  /** A direct address (`tri://host:port`) that overrides mesh addressing. */
  url?: string;
  /** Deadline of each call in ms. Default `dubbo.consumer.timeout` (1000). */
  timeout?: number;
  /** Retries of calls that cannot have reached a provider. Default `dubbo.consumer.retries` (2). */
  retries?: number;
  /** Methods safe to retry after any UNAVAILABLE: true for all, or their names. */
  idempotent?: boolean | string[];
  /** True: no connection until the first call. False (default): connect while the application starts. */
  lazy?: boolean;
  /** "grpc" (default, HTTP/2, all call kinds) or "triple" (Triple HTTP unary). */
  protocol?: "grpc" | "triple";
}

/** What `@DubboReference` recorded about one field or accessor. */
export interface ReferenceMetadata {
  readonly name: string | symbol;
  readonly desc: DescService;
  readonly options: DubboReferenceOptions;
}

const byClass = new WeakMap<object, Map<string | symbol, ReferenceMetadata>>();

/**
 * Marks a field or accessor as a reference to a service. It only records metadata; `app.consume(Class)` constructs the
 * class and fills the member with a client from the same `reference(desc, options)` call the plain API makes.
 *
 * @example
 * class Greeting {
 *   ＠DubboReference(GreeterService, { version: "1.0.0", providedBy: "greeter-provider", lazy: true })
 *   accessor greeter!: Client<typeof GreeterService>;
 * }
 */
export function DubboReference<T extends DescService>(desc: T, options: DubboReferenceOptions = {}) {
  return (
    _value: unknown,
    context: ClassFieldDecoratorContext<object, Client<T>> | ClassAccessorDecoratorContext<object, Client<T>>,
  ): void => {
    if (context.static) throw new Error("@DubboReference decorates instance fields and accessors");
    context.addInitializer(function (this: object) {
      const ctor = this.constructor;
      let map = byClass.get(ctor);
      if (!map) {
        map = new Map();
        byClass.set(ctor, map);
      }
      if (!map.has(context.name)) map.set(context.name, { name: context.name, desc, options: { ...options } });
    });
  };
}

/** The references recorded for an instance's class (known once an instance was constructed). */
export function referenceMetadataOf(instance: object): readonly ReferenceMetadata[] {
  return [...(byClass.get(instance.constructor)?.values() ?? [])];
}

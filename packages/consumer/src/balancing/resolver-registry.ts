import type { ReferenceTarget } from "../reference-target.js";
import type { AddressAnswer } from "./dns-query.js";
import { createDnsResolver } from "./dns-resolver.js";
import { createFixedResolver } from "./fixed-resolver.js";
import type { NameResolver, ResolverListener } from "./resolver.js";

/** What every resolver of a consumer may use. */
export interface ResolverContext {
  /** All addresses of a name (see `createAddressQuery`): the consumer's DNS servers, or the system's. */
  query: (host: string) => Promise<AddressAnswer>;
  /** Resolve again at least this often, in ms (`ConsumerOptions.resolveIntervalMs`). */
  resolveIntervalMs: number;
  /** Never resolve more often than this, in ms (`ConsumerOptions.minResolveIntervalMs`). */
  minResolveIntervalMs: number;
}

/**
 * Starts the resolver of one target: reports its addresses to `listener` (possibly during the call) and again when
 * they may have changed, until closed. `urls` are the target's base URLs as the reference gave them (one for a name).
 */
export type ResolverFactory = (
  urls: readonly URL[],
  listener: ResolverListener,
  context: ResolverContext,
) => NameResolver;

/** The resolvers every consumer knows, by scheme: "dns" (every A/AAAA record of the name), "static" (the list). */
export const builtinResolvers: Readonly<Record<string, ResolverFactory>> = {
  static: (urls, listener) => createFixedResolver(urls, listener),
  dns: (urls, listener, context) =>
    createDnsResolver(
      urls[0] ?? new URL("http://localhost"),
      { query: context.query, intervalMs: context.resolveIntervalMs, minIntervalMs: context.minResolveIntervalMs },
      listener,
    ),
};

/** The scheme of the resolver a target uses: "dns" for a `dns:` target or a client-balanced mesh name, else "static". */
export function resolverScheme(target: ReferenceTarget): string {
  return target.kind === "dns" ? "dns" : "static";
}

/** The base URLs of a target, as its resolver is given them. */
export function targetUrls(target: ReferenceTarget): URL[] {
  return target.kind === "static" ? target.urls : [target.url];
}

/**
 * The resolvers of one consumer by scheme, after grpc-js's resolver registry but owned by the consumer instead of
 * module-global: the built-in ones plus `custom` (which may replace them, e.g. "dns" with a service-discovery client).
 */
export class ResolverRegistry {
  readonly #factories: ReadonlyMap<string, ResolverFactory>;

  constructor(custom: Readonly<Record<string, ResolverFactory>> = {}) {
    this.#factories = new Map(Object.entries({ ...builtinResolvers, ...custom }));
  }

  /** The factory registered for `scheme`; throws naming the known schemes when there is none. */
  get(scheme: string): ResolverFactory {
    const factory = this.#factories.get(scheme);
    if (!factory)
      throw new Error(`no resolver for scheme "${scheme}" (known: ${[...this.#factories.keys()].join(", ")})`);
    return factory;
  }
}

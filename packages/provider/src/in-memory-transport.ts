import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor, ServiceImpl, Transport } from "@connectrpc/connect";
import { createUniversalHandlerClient } from "@connectrpc/connect/protocol";
import { createTransport } from "@connectrpc/connect/protocol-connect";
import { ServiceTable } from "@dubbo-mesh/runtime";
import type { Registration } from "./dispatch.js";
import { validateProviderOptions } from "./provider-options.js";
import { createRoutes } from "./router.js";
import { addRegistration, type ServiceOptions } from "./service-registration.js";

/** Where the services of an in-memory transport are registered, as on a provider. */
export interface InMemoryServices {
  /** Registers an implementation of a service under a version and group (see `Provider.service`). */
  service<T extends DescService>(desc: T, impl: Partial<ServiceImpl<T>>, options?: ServiceOptions): this;
}

/** Options of `createInMemoryTransport`: the provider's, for what there is to serve without a port. */
export interface InMemoryTransportOptions {
  /** Server interceptors (Dubbo's provider filters), outermost first, as `ProviderOptions.interceptors`. */
  interceptors?: Interceptor[];
  /** As `ProviderOptions.fallbackToDefault` (`dubbo.tri.resolve-fallback-to-default`). Default true. */
  fallbackToDefault?: boolean;
  /** As `ProviderOptions.readMaxBytes` (`dubbo.protocol.max-message-size`). Default 4 MiB. */
  readMaxBytes?: number;
}

/**
 * A connect `Transport` that serves its calls in this process, with no socket: for testing service implementations
 * and interceptors fast — all four call kinds, errors with their codes, version and group routing (the call's
 * `tri-service-version` / `tri-service-group` headers), headers and trailers — as connect's `createRouterTransport`
 * does for connect routers. Calls go through the provider's own dispatch (the same registrations, interceptors and
 * routing as a provider) over the Connect protocol in memory. There is no connection, so `callInfo(ctx)` reports
 * unknown addresses and no peer certificate (a service with `authorization` refuses every call).
 *
 * @example
 * const transport = createInMemoryTransport((s) => s.service(GreeterService, impl, { version: "1.0.0" }));
 * const greeter = createClient(GreeterService, transport);
 * await greeter.greet({ name: "alice" }, { headers: { "tri-service-version": "1.0.0" } });
 */
export function createInMemoryTransport(
  register: (services: InMemoryServices) => void,
  options: InMemoryTransportOptions = {},
): Transport {
  const valid = validateProviderOptions(options);
  const table = new ServiceTable<Registration>();
  const services: InMemoryServices = {
    service(desc, impl, serviceOptions) {
      addRegistration(table, desc, impl, serviceOptions);
      return services;
    },
  };
  register(services);
  const routes = createRoutes(table, {
    readMaxBytes: valid.readMaxBytes,
    fallbackToDefault: valid.fallbackToDefault,
    interceptors: valid.interceptors,
  });
  return createTransport({
    httpClient: createUniversalHandlerClient([...routes.values()]),
    baseUrl: "https://in-memory",
    useBinaryFormat: true,
    interceptors: [],
    acceptCompression: [],
    sendCompression: null,
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    readMaxBytes: valid.readMaxBytes,
    writeMaxBytes: valid.readMaxBytes,
  });
}

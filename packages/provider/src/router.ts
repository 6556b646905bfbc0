import type { DescService } from "@bufbuild/protobuf";
import type { Interceptor } from "@connectrpc/connect";
import {
  createUniversalMethodHandler,
  type UniversalHandler,
  type UniversalHandlerOptions,
} from "@connectrpc/connect/protocol";
import { createHandlerFactory as createConnectHandlerFactory } from "@connectrpc/connect/protocol-connect";
import { createHandlerFactory as createGrpcWebHandlerFactory } from "@connectrpc/connect/protocol-grpc-web";
import {
  compressionGzip,
  createTripleHandlerFactory,
  headerContentType,
  kHttpBinding,
  parseTripleContentType,
  withNumericEndStreamStatus,
} from "@dubbo-mesh/protocol";
import type { ServiceTable } from "@dubbo-mesh/runtime";
import { createDispatchGate, createDispatchingSpec, type Registration } from "./dispatch.js";

/** Options of the router; every field has a default. */
export interface RouterOptions {
  /** Largest request message accepted, in bytes (gRPC's max receive message size). Default 4 MiB. */
  readMaxBytes: number;
  /** Fall back to the unversioned registration when no exact (version, group) match exists. Default true. */
  fallbackToDefault: boolean;
  /** Server interceptors (Dubbo's provider filters), outermost first. */
  interceptors: Interceptor[];
  /** Aborted when the provider shuts down, cancelling handlers that outlive the drain. */
  shutdownSignal?: AbortSignal;
}

/** The routing table: request path -> the handler that negotiates the protocol for that method. */
export type Routes = ReadonlyMap<string, UniversalHandler>;

/**
 * Builds one handler per method path of every registered service, for the protocols connect serves here: gRPC-web,
 * Triple HTTP unary (`application/json|proto`) and Connect. Each handler negotiates the protocol by content type, and
 * all of them dispatch through the same gate and implementations. gRPC itself is the engine's (`grpc/engine.ts`); a
 * gRPC request over HTTP/1.1, which gRPC does not define, gets connect's 415.
 */
export function createRoutes(table: ServiceTable<Registration>, options: RouterOptions): Routes {
  const handlerOptions: Partial<UniversalHandlerOptions> = {
    readMaxBytes: options.readMaxBytes,
    acceptCompression: [compressionGzip],
    interceptors: options.interceptors,
    shutdownSignal: options.shutdownSignal,
    requestGate: createDispatchGate(table, options.fallbackToDefault),
  };
  const triple = createTripleHandlerFactory(handlerOptions);
  const protocols = [
    createGrpcWebHandlerFactory(handlerOptions),
    triple,
    withNumericEndStreamStatus(createConnectHandlerFactory(handlerOptions)),
  ];
  const descs = new Map<string, DescService>();
  for (const { value } of table.entries()) descs.set(value.desc.typeName, value.desc);
  const routes = new Map<string, UniversalHandler>();
  for (const desc of descs.values()) {
    for (const spec of Object.values(createDispatchingSpec(desc).methods)) {
      const handler = preferTriple(createUniversalMethodHandler(spec, protocols), triple(spec));
      routes.set(handler.requestPath, handler);
    }
  }
  return routes;
}

/**
 * Sends a request with a Triple content type straight to the Triple handler, ahead of connect's negotiation — which
 * would answer a bidi call over HTTP/1.1 with a bare 505 before any protocol sees it, where Triple callers get
 * Dubbo's own error. REST-style requests go there too: those an HTTP rule led to, and a GET that is not Connect's
 * GET (`?connect=v1&message=…`). Every other request negotiates as before.
 */
function preferTriple(negotiating: UniversalHandler, triple: UniversalHandler): UniversalHandler {
  const handler = (req: Parameters<UniversalHandler>[0]) => (isTriple(req) ? triple(req) : negotiating(req));
  return Object.assign(handler, {
    service: negotiating.service,
    method: negotiating.method,
    requestPath: negotiating.requestPath,
    supportedContentType: negotiating.supportedContentType,
    protocolNames: negotiating.protocolNames,
    allowedMethods: negotiating.allowedMethods,
  });
}

function isTriple(req: Parameters<UniversalHandler>[0]): boolean {
  if (req.contextValues?.get(kHttpBinding)) return true;
  if (req.method === "GET") return !/[?&]connect=v1(&|$)/.test(req.url);
  return req.method === "POST" && parseTripleContentType(req.header.get(headerContentType)) !== undefined;
}

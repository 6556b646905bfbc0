import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient } from "@connectrpc/connect";
import { defaultBackoff } from "./backoff.js";
import { ConnectionPool } from "./connection-pool.js";
import { createDnsLookup } from "./dns-lookup.js";
import { tripleHeaders } from "./headers-interceptor.js";
import { idempotencyOf } from "./idempotency.js";
import { type ConsumerOptions, checkCount, type ReferenceOptions } from "./options.js";
import { createProtocolTransport } from "./protocol-transport.js";
import { referenceUrl } from "./reference-target.js";
import { createRetryingTransport } from "./retrying-transport.js";

/** A consumer: the owner of references and their connections. */
export interface Consumer {
  /**
   * Creates a typed client of a service. No connection opens until the first call. Throws, naming the service, when
   * the reference has no address (`url` or `providedBy`) or breaks mesh mode's rules.
   */
  reference<T extends DescService>(service: T, options: ReferenceOptions): Client<T>;
  /** Closes every connection of every reference. */
  close(): void;
}

/**
 * Creates a consumer. A call goes through: address (`url`, or the mesh name of `providedBy`) -> retry policy (unary
 * calls, within the deadline) -> interceptors and the wire protocol, once per attempt. Calls fail with one error type,
 * `ConnectError`, carrying the gRPC code, the message and the response metadata.
 *
 * @example
 * const consumer = createConsumer({ application: "greeter-consumer" });
 * const greeter = consumer.reference(GreeterService, { providedBy: "greeter-provider", version: "1.0.0" });
 * const { greeting } = await greeter.greet({ name: "alice" }); // greeter-provider.default.svc.cluster.local:50052
 */
export function createConsumer(options: ConsumerOptions = {}): Consumer {
  checkCount("timeout", options.timeout);
  checkCount("retries", options.retries);
  const backoff = { ...defaultBackoff, ...options.backoff };
  const context = { meshEnable: options.meshEnable ?? false, env: options.env ?? process.env };
  const pool = new ConnectionPool({ lookup: options.dns ? createDnsLookup(options.dns) : undefined });
  return {
    reference(service, ref) {
      checkCount(`timeout of the reference to ${service.typeName}`, ref.timeout);
      checkCount(`retries of the reference to ${service.typeName}`, ref.retries);
      const baseUrl = referenceUrl(service.typeName, ref, context);
      const timeout = ref.timeout ?? options.timeout ?? 1000;
      const defaultTimeoutMs = timeout > 0 ? timeout : undefined;
      const wire = createProtocolTransport(pool, {
        baseUrl,
        protocol: ref.protocol ?? "grpc",
        httpVersion: ref.httpVersion ?? "1.1",
        json: ref.json ?? false,
        readMaxBytes: ref.readMaxBytes ?? 4 * 1024 * 1024,
        defaultTimeoutMs,
        interceptors: [...(options.interceptors ?? []), ...(ref.interceptors ?? [])],
        headers: tripleHeaders({ version: ref.version, group: ref.group, application: options.application }),
        fastLane: ref.fastLane ?? true,
      });
      const transport = createRetryingTransport(wire, {
        retries: ref.retries ?? options.retries ?? 2,
        isIdempotent: idempotencyOf(ref.idempotent),
        defaultTimeoutMs,
        backoff,
      });
      return createClient(service, transport);
    },
    close: () => pool.close(),
  };
}

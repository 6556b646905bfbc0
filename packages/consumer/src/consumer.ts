import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, type Interceptor, type Transport } from "@connectrpc/connect";
import { compressionGzip, createGrpcTransport, createNodeHttpClient } from "@connectrpc/connect-node";
import { createTripleTransport } from "@dubbo-mesh/protocol";
import { ConnectionPool } from "./connection-pool.js";
import { tripleHeadersInterceptor } from "./headers-interceptor.js";
import { parseTarget } from "./target.js";

/** Options of `createConsumer`, shared by all its references. */
export interface ConsumerOptions {
  /** This application's name, sent as `tri-consumer-appname` (`dubbo.application.name`). Default none. */
  application?: string;
  /** Deadline of calls that set none, in ms (`dubbo.consumer.timeout`). Default 1000, as Dubbo. 0 = no deadline. */
  timeout?: number;
  /** Client interceptors (Dubbo's consumer filters) for every reference, outermost first. */
  interceptors?: Interceptor[];
}

/** How a reference reaches its provider. */
export interface ReferenceOptions {
  /** The provider's address: `tri://host:port`, `http://host:port` or `host:port`. */
  url: string;
  /** Service version to call (`tri-service-version`). Default none. */
  version?: string;
  /** Service group to call (`tri-service-group`). Default none. */
  group?: string;
  /** Deadline of this reference's calls in ms; overrides the consumer's. 0 = no deadline. */
  timeout?: number;
  /**
   * Wire protocol: "grpc" (default) — gRPC over HTTP/2, all four call kinds, what every gRPC peer speaks; or
   * "triple" — Triple HTTP unary, over HTTP/1.1 by default (`httpVersion`), unary methods only.
   */
  protocol?: "grpc" | "triple";
  /** HTTP version of the "triple" protocol. Default "1.1". gRPC is always HTTP/2. */
  httpVersion?: "1.1" | "2";
  /** For "triple": send JSON instead of binary protobuf. Default false. */
  json?: boolean;
  /** Largest response message accepted, in bytes. Default 4 MiB. */
  readMaxBytes?: number;
  /** Interceptors of this reference only, inside the consumer's. */
  interceptors?: Interceptor[];
}

/** A consumer: the owner of references and their connections. */
export interface Consumer {
  /** Creates a typed client of a service. No connection opens until the first call. */
  reference<T extends DescService>(service: T, options: ReferenceOptions): Client<T>;
  /** Closes every connection of every reference. */
  close(): void;
}

/**
 * Creates a consumer. Calls fail with one error type, `ConnectError`, carrying the gRPC code, the message and the
 * response metadata.
 *
 * @example
 * const consumer = createConsumer({ application: "greeter-consumer" });
 * const greeter = consumer.reference(GreeterService, { url: "tri://127.0.0.1:50052", version: "1.0.0" });
 * const { greeting } = await greeter.greet({ name: "alice" });
 */
export function createConsumer(options: ConsumerOptions = {}): Consumer {
  const pool = new ConnectionPool();
  return {
    reference(service, ref) {
      return createClient(service, createReferenceTransport(pool, options, ref));
    },
    close: () => pool.close(),
  };
}

function createReferenceTransport(pool: ConnectionPool, consumer: ConsumerOptions, ref: ReferenceOptions): Transport {
  const baseUrl = parseTarget(ref.url);
  const timeout = ref.timeout ?? consumer.timeout ?? 1000;
  const interceptors = [
    ...(consumer.interceptors ?? []),
    ...(ref.interceptors ?? []),
    tripleHeadersInterceptor({ version: ref.version, group: ref.group, application: consumer.application }),
  ];
  const readMaxBytes = ref.readMaxBytes ?? 4 * 1024 * 1024;
  const defaultTimeoutMs = timeout > 0 ? timeout : undefined;
  if ((ref.protocol ?? "grpc") === "grpc") {
    return createGrpcTransport({
      baseUrl: baseUrl.href,
      sessionManager: pool.http2(baseUrl),
      interceptors,
      readMaxBytes,
      defaultTimeoutMs,
      acceptCompression: [compressionGzip],
    });
  }
  const httpClient =
    ref.httpVersion === "2"
      ? createNodeHttpClient({ httpVersion: "2", sessionProvider: () => pool.http2(baseUrl) })
      : createNodeHttpClient({ httpVersion: "1.1", nodeOptions: { agent: pool.agent } });
  return createTripleTransport({
    baseUrl: baseUrl.href,
    httpClient,
    useBinaryFormat: !ref.json,
    interceptors,
    readMaxBytes,
    defaultTimeoutMs,
  });
}

import { fromJson, type JsonValue, toJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { Transport } from "@connectrpc/connect";
import {
  type AttachmentValue,
  attachmentsFromHeaders,
  attachmentsToHeaders,
  genericMethod,
} from "@dubbo-mesh/protocol";

/** Options of one generic call. */
export interface GenericCallOptions {
  /** Deadline of this call in ms (`tri-service-timeout`); 0 = none. Default the reference's timeout. */
  timeoutMs?: number;
  /** Cancels the call (CANCELED). */
  signal?: AbortSignal;
  /** Request headers, as they are. */
  headers?: ConstructorParameters<typeof Headers>[0];
  /**
   * Dubbo attachments, sent as request metadata the way Dubbo 3.3 does: names lower-cased, bytes base64 under
   * `<name>-bin`, `tri-header-convert` restoring upper-case names on a Dubbo peer.
   */
  attachments?: Readonly<Record<string, AttachmentValue>>;
  /** Receives the response's attachments (its metadata, header and trailer, names restored). */
  onAttachments?: (attachments: Record<string, string | Uint8Array>) => void;
}

/** A client of an interface service without a .proto; see `Consumer.generic`. */
export interface GenericClient {
  /** The interface this client calls, e.g. `org.apache.dubbo.samples.api.GreetingsService`. */
  readonly interfaceName: string;
  /**
   * Calls `method` with the arguments as a JSON array and resolves with the JSON of its return value. Fails with a
   * `ConnectError` carrying the gRPC code, in whichever Triple error dialect the provider answered.
   *
   * @example
   * const hi = await greetings.invoke("sayHi", ["Dubbo"]); // "hi, Dubbo"
   */
  invoke(method: string, args: readonly unknown[], options?: GenericCallOptions): Promise<unknown>;
}

/**
 * Makes the generic client of an interface over a reference's transport (Triple HTTP with JSON): each call is
 * `POST /<interfaceName>/<method>` with the JSON array of the arguments, through the reference's whole call path
 * (addressing, balancing, retries, deadline, interceptors).
 */
export function createGenericClient(interfaceName: string, transport: Transport): GenericClient {
  return {
    interfaceName,
    async invoke(method, args, options = {}) {
      if (!Array.isArray(args)) throw new TypeError(`invoke ${interfaceName}/${method}: args must be an array`);
      const header = new Headers(options.headers);
      if (options.attachments) attachmentsToHeaders(options.attachments, header);
      const input = fromJson(ValueSchema, JSON.parse(JSON.stringify(args)) as JsonValue);
      const res = await transport.unary(
        genericMethod(interfaceName, method),
        options.signal,
        options.timeoutMs,
        header,
        input,
      );
      if (options.onAttachments) {
        const metadata = new Headers(res.header);
        for (const [key, value] of res.trailer) metadata.append(key, value);
        options.onAttachments(attachmentsFromHeaders(metadata));
      }
      return toJson(ValueSchema, res.message);
    },
  };
}

import { type ContextValues, createContextKey, type HandlerContext } from "@connectrpc/connect";

/** Where a call came in: the provider's own address and the caller's, as the socket saw them. */
export interface CallInfo {
  /** The address and port this provider instance answered on, e.g. `10.1.2.3:50052` or `[::1]:50052`. */
  readonly localAddress: string;
  /** The caller's address and port (a sidecar's, behind a mesh). */
  readonly remoteAddress: string;
  /** "1.1" or "2.0". */
  readonly httpVersion: string;
}

/** @internal The context key the server fills for every call. */
export const kCallInfo = createContextKey<CallInfo | undefined>(undefined, { description: "dubbo-mesh call info" });

/**
 * Returns where a call came in. Handlers use it to name the instance that served a call, e.g. to show a balancer's
 * spread: `` `hello, ${name} from ${callInfo(ctx).localAddress}` ``.
 */
export function callInfo(context: HandlerContext | { values: ContextValues }): CallInfo {
  return context.values.get(kCallInfo) ?? { localAddress: "unknown", remoteAddress: "unknown", httpVersion: "" };
}

/** Formats a socket address as `host:port`, bracketing IPv6 and unwrapping IPv4-mapped IPv6. */
export function formatAddress(address: string | undefined, port: number | undefined): string {
  let host = address ?? "unknown";
  if (host.startsWith("::ffff:") && host.includes(".")) host = host.slice(7);
  if (host.includes(":")) host = `[${host}]`;
  return `${host}:${port ?? 0}`;
}

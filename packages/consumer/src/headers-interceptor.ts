import type { Interceptor } from "@connectrpc/connect";
import { headerConsumerAppName, headerServiceGroup, headerServiceVersion } from "@dubbo-mesh/protocol";

/** What a reference tells the provider about the call, in Triple headers. */
export interface TripleCallHeaders {
  version?: string;
  group?: string;
  application?: string;
}

/** The Triple headers of a reference as a plain object, for transports that set them without an interceptor. */
export function tripleHeaders(values: TripleCallHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  if (values.version) out[headerServiceVersion] = values.version;
  if (values.group) out[headerServiceGroup] = values.group;
  if (values.application) out[headerConsumerAppName] = values.application;
  return out;
}

/** An interceptor that sets fixed headers on every call, unless the call set them itself. */
export function staticHeadersInterceptor(headers: Readonly<Record<string, string>>): Interceptor {
  const pairs = Object.entries(headers);
  return (next) => (req) => {
    for (const [k, v] of pairs) if (!req.header.has(k)) req.header.set(k, v);
    return next(req);
  };
}

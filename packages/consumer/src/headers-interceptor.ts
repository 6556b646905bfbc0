import type { Interceptor } from "@connectrpc/connect";
import { headerConsumerAppName, headerServiceGroup, headerServiceVersion } from "@dubbo-mesh/protocol";

/** What a reference tells the provider about the call, in Triple headers. */
export interface TripleCallHeaders {
  version?: string;
  group?: string;
  application?: string;
}

/**
 * Creates the interceptor that adds `tri-service-version`, `tri-service-group` and `tri-consumer-appname` to every
 * call of a reference — unary and streaming alike — unless the caller set them per call.
 */
export function tripleHeadersInterceptor(values: TripleCallHeaders): Interceptor {
  const pairs: [string, string][] = [];
  if (values.version) pairs.push([headerServiceVersion, values.version]);
  if (values.group) pairs.push([headerServiceGroup, values.group]);
  if (values.application) pairs.push([headerConsumerAppName, values.application]);
  return (next) => (req) => {
    for (const [k, v] of pairs) if (!req.header.has(k)) req.header.set(k, v);
    return next(req);
  };
}

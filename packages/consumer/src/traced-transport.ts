import {
  type ClientCallTrace,
  type ClientEndpointInfo,
  endTraceWithError,
  type RpcTracing,
  traceStream,
} from "@dubbo-mesh/runtime";
import type { Call, CallTransport } from "./call.js";
import { withMessages } from "./with-messages.js";

/** Where one endpoint's attempts go, as a client span names it: `server.address`, `server.port`. */
export interface TracedEndpoint {
  /** The address dialled, `host:port` or `ip:port` (`[v6]:port`). */
  readonly address: string;
}

/**
 * Wraps the transport of one endpoint so that every attempt — a retried call has several — is a CLIENT span, a child
 * of the context the call was made in (a handler's server span, when made inside one), its W3C trace context and
 * baggage added to the request headers for the provider. Ends with the attempt's gRPC code.
 */
export function tracedTransport(
  inner: CallTransport,
  tracing: RpcTracing,
  endpoint: TracedEndpoint,
  system: "grpc" | "apache_dubbo",
): CallTransport {
  const { host, port } = splitAddress(endpoint.address);
  // One object for every attempt to this endpoint: the tracing computes its span attributes once per method.
  const target: ClientEndpointInfo = { serverAddress: host, serverPort: port };
  const start = (call: Call) => {
    const method = call.method;
    return tracing.startClient({ system, service: method.parent.typeName, method: method.name, endpoint: target });
  };
  return {
    async unary(call, input, attempt) {
      const trace = start(call);
      try {
        const res = await inner.unary(withTraceHeaders(call, trace), input, attempt);
        trace.end(0);
        return res;
      } catch (e) {
        endTraceWithError(trace, e);
        throw e;
      }
    },
    async stream(call, input, attempt) {
      const trace = start(call);
      let res: Awaited<ReturnType<typeof inner.stream<(typeof call.method)["input"], (typeof call.method)["output"]>>>;
      try {
        res = await inner.stream(withTraceHeaders(call, trace), input, attempt);
      } catch (e) {
        endTraceWithError(trace, e);
        throw e;
      }
      return withMessages(res, traceStream(res.message, trace, "the caller stopped reading"));
    },
  };
}

/** The call with the trace's headers added to the caller's (a copy: the caller's headers are not changed). */
function withTraceHeaders<C extends Call>(call: C, trace: ClientCallTrace): C {
  let header: Headers | undefined;
  trace.inject((name, value) => {
    header ??= new Headers(call.header);
    header.set(name, value);
  });
  return header === undefined ? call : { ...call, header };
}

function splitAddress(address: string): { host: string; port: number | undefined } {
  const m = /^\[?(.*?)\]?:(\d+)$/.exec(address);
  return m ? { host: m[1] ?? address, port: Number(m[2]) } : { host: address, port: undefined };
}

import type { DescMethod, DescService, Message } from "@bufbuild/protobuf";
import type { Consumer } from "@dubbo-mesh/consumer";

/** How one dynamic call is made. */
export interface DynamicCall {
  /** Provider address as on the command line. */
  readonly url: string;
  readonly service: DescService;
  readonly method: DescMethod;
  /** Request messages: exactly one for unary and server streaming, any number for client streaming and bidi. */
  readonly inputs: readonly Message[];
  /** Triple routing (`tri-service-version`, `tri-service-group`). */
  readonly version?: string;
  readonly group?: string;
  /** Deadline in ms; 0 = none. */
  readonly timeoutMs: number;
  /** "grpc" (HTTP/2, all call kinds) or "triple" (Triple HTTP over HTTP/1.1: unary, server streaming as SSE). */
  readonly protocol: "grpc" | "triple";
  /** Request metadata. */
  readonly headers: Headers;
  /** Receives every response message as it arrives. */
  readonly onOutput: (message: Message) => void;
}

type CallOptions = { headers: Headers };
type AnyMethod = (input: unknown, options: CallOptions) => unknown;

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

/**
 * Calls a method known only at run time through a consumer reference to its service descriptor (the same call path,
 * headers, deadline and retries as a typed reference), whatever its kind: unary and client streaming produce one
 * output, server streaming and bidi one per message the server sends.
 */
export async function callMethod(consumer: Consumer, call: DynamicCall): Promise<void> {
  const client = consumer.reference(call.service, {
    url: call.url,
    version: call.version,
    group: call.group,
    timeout: call.timeoutMs,
    protocol: call.protocol,
  });
  const fn = (client as unknown as Record<string, AnyMethod>)[call.method.localName];
  if (fn === undefined) throw new Error(`no client method for ${call.method.name}`);
  const options = { headers: call.headers };
  const [first] = call.inputs;
  switch (call.method.methodKind) {
    case "unary":
      call.onOutput((await fn(first, options)) as Message);
      return;
    case "client_streaming":
      call.onOutput((await fn(each(call.inputs), options)) as Message);
      return;
    case "server_streaming":
      for await (const out of fn(first, options) as AsyncIterable<Message>) call.onOutput(out);
      return;
    case "bidi_streaming":
      for await (const out of fn(each(call.inputs), options) as AsyncIterable<Message>) call.onOutput(out);
      return;
  }
}

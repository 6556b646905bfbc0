import type { DescMessage, DescMethodUnary, DescService, MessageInitShape } from "@bufbuild/protobuf";
import type { CallOptions, Transport, UnaryResponse } from "@connectrpc/connect";

type UnaryMethod = (input: unknown, options?: CallOptions) => Promise<unknown>;

/**
 * Replaces a client's unary methods with ones that do what connect's do — the call through `transport` with the
 * options' `signal`, `timeoutMs`, `headers`, `contextValues`; `onHeader` and `onTrailer` with the response's
 * metadata; the response message as the result — without connect's async function (a frame and a promise more per
 * call). Changes `client` in place.
 */
export function installUnaryMethods<T extends object>(client: T, service: DescService, transport: Transport): T {
  const methods = client as unknown as Record<string, UnaryMethod>;
  for (const m of service.methods) {
    if (m.methodKind !== "unary") continue;
    const method = m as DescMethodUnary;
    methods[method.localName] = (input, options) => {
      let response: Promise<UnaryResponse<DescMessage, DescMessage>>;
      try {
        response = transport.unary(
          method,
          options?.signal,
          options?.timeoutMs,
          options?.headers,
          input as MessageInitShape<DescMessage>,
          options?.contextValues,
        );
      } catch (e) {
        return Promise.reject(e);
      }
      if (options?.onHeader === undefined && options?.onTrailer === undefined) return response.then(messageOf);
      return response.then((r) => {
        options.onHeader?.(r.header);
        options.onTrailer?.(r.trailer);
        return r.message;
      });
    };
  }
  return client;
}

function messageOf(response: UnaryResponse<DescMessage, DescMessage>): unknown {
  return response.message;
}

import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type ContextValues, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import { type CallInfo, kCallInfo } from "../call-info.js";

/** A call's request headers as Node gives them (node:http's or node:http2's object, lower-case names). */
export type RequestHeaders = Readonly<Record<string, string | string[] | undefined>>;

/** What a call context reads from the call that owns it. */
export interface ContextSource {
  readonly method: DescMethod;
  readonly headers: RequestHeaders;
  readonly signal: AbortSignal;
  /** `HandlerContext.protocolName`: "grpc" or "triple". */
  readonly protocolName: string;
  timeoutMs(): number | undefined;
  /** The request URL, e.g. `http://host:50052/greet.v1.GreeterService/Greet`. */
  url(): string;
  /** Where the call came in (the `callInfo` of the handler context). */
  callInfo(): CallInfo;
}

/**
 * The HandlerContext a handler gets from a provider call (the gRPC engine's, Triple HTTP unary's): a view of its
 * `CallEnd`, which owns the signal and the deadline. The costly parts — the Headers objects, the context values, the
 * URL — are built only when a handler or interceptor first reads them (most unary handlers read nothing).
 */
export class CallContext implements HandlerContext {
  readonly method: DescMethod;
  readonly service: DescService;
  readonly requestMethod = "POST";
  readonly protocolName: string;
  readonly #call: ContextSource;
  #requestHeader: Headers | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;
  #values: ContextValues | undefined;

  constructor(call: ContextSource) {
    this.#call = call;
    this.method = call.method;
    this.service = call.method.parent;
    this.protocolName = call.protocolName;
  }

  get signal(): AbortSignal {
    return this.#call.signal;
  }

  timeoutMs(): number | undefined {
    return this.#call.timeoutMs();
  }

  get requestHeader(): Headers {
    this.#requestHeader ??= grpc.headersFromNode(this.#call.headers);
    return this.#requestHeader;
  }

  get responseHeader(): Headers {
    this.#responseHeader ??= new Headers();
    return this.#responseHeader;
  }

  get responseTrailer(): Headers {
    this.#responseTrailer ??= new Headers();
    return this.#responseTrailer;
  }

  /** Response headers set by the handler, if any were (without creating the object). */
  get responseHeaderIfSet(): Headers | undefined {
    return this.#responseHeader;
  }

  /** Response trailers set by the handler, if any were. */
  get responseTrailerIfSet(): Headers | undefined {
    return this.#responseTrailer;
  }

  get values(): ContextValues {
    if (!this.#values) {
      const values = createContextValues();
      values.set(kCallInfo, this.#call.callInfo());
      this.#values = values;
    }
    return this.#values;
  }

  get url(): string {
    return this.#call.url();
  }

  /**
   * This context as a plain object with every field built. Connect's interceptor plumbing copies the context with a
   * spread, which keeps own properties only and would drop the getters; calls with interceptors hand it this
   * instead. The Headers and the signal are this context's own, so what is set through either reaches the client.
   */
  toPlain(): HandlerContext {
    return {
      method: this.method,
      service: this.service,
      requestMethod: this.requestMethod,
      protocolName: this.protocolName,
      signal: this.signal,
      timeoutMs: () => this.timeoutMs(),
      requestHeader: this.requestHeader,
      responseHeader: this.responseHeader,
      responseTrailer: this.responseTrailer,
      values: this.values,
      url: this.url,
    };
  }
}

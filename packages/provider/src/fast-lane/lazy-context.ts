import type * as http2 from "node:http2";
import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { type ContextValues, createContextValues, type HandlerContext } from "@connectrpc/connect";
import { headersFromNode } from "@dubbo-mesh/protocol";
import { callInfoOf, kCallInfo } from "../call-info.js";

/**
 * The HandlerContext of a fast-lane call. It has every field connect's context has, but builds the costly ones —
 * the AbortSignal, the Headers objects, the URL — only when a handler or interceptor first reads them, since most
 * unary handlers never do. Semantics are connect's: the signal aborts on deadline, client cancel and shutdown, with
 * the reason as a ConnectError.
 */
export class LazyHandlerContext implements HandlerContext {
  readonly method: DescMethod;
  readonly service: DescService;
  readonly requestMethod = "POST";
  readonly protocolName = "grpc";
  readonly #stream: http2.ServerHttp2Stream;
  readonly #headers: http2.IncomingHttpHeaders;
  readonly #timeoutMs: number | undefined;
  readonly #deadline: number | undefined;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;
  #requestHeader: Headers | undefined;
  #responseHeader: Headers | undefined;
  #responseTrailer: Headers | undefined;
  #values: ContextValues | undefined;

  constructor(
    method: DescMethod,
    stream: http2.ServerHttp2Stream,
    headers: http2.IncomingHttpHeaders,
    timeoutMs?: number,
  ) {
    this.method = method;
    this.service = method.parent;
    this.#stream = stream;
    this.#headers = headers;
    this.#timeoutMs = timeoutMs;
    this.#deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  /** Aborts the call's signal (if anyone holds it) with a reason; later aborts are ignored. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  timeoutMs = (): number | undefined => (this.#deadline === undefined ? undefined : this.#deadline - Date.now());

  /** The timeout the caller asked for, in ms, or undefined. */
  get requestedTimeoutMs(): number | undefined {
    return this.#timeoutMs;
  }

  get requestHeader(): Headers {
    this.#requestHeader ??= headersFromNode(this.#headers);
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
      values.set(kCallInfo, callInfoOf(this.#stream.session?.socket, "2.0"));
      this.#values = values;
    }
    return this.#values;
  }

  /**
   * This context as a plain object with every field built. Connect's interceptor plumbing copies the context with a
   * spread, which keeps own properties only and would drop the lazy getters (`responseHeader`, `url`, ...); calls with
   * interceptors hand it this instead. The Headers and the signal are this context's own, so what a handler sets
   * through either object is what the lane sends.
   */
  toPlain(): HandlerContext {
    return {
      method: this.method,
      service: this.service,
      requestMethod: this.requestMethod,
      protocolName: this.protocolName,
      signal: this.signal,
      timeoutMs: this.timeoutMs,
      requestHeader: this.requestHeader,
      responseHeader: this.responseHeader,
      responseTrailer: this.responseTrailer,
      values: this.values,
      url: this.url,
    };
  }

  get url(): string {
    return `http://${this.#headers[":authority"] ?? "localhost"}${this.#headers[":path"] ?? "/"}`;
  }
}

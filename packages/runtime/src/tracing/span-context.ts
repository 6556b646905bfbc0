import type { Context, Span } from "@opentelemetry/api";
import type { OtelApiModule } from "./otel-api.js";

/**
 * The key under which `@opentelemetry/api` keeps a context's current span, learnt the way `trace.getSpan` reads it
 * (from a context that only records what it is asked), on first use; null if the API ever reads it some other way.
 */
let spanKey: symbol | null | undefined;

function spanKeyOf(api: OtelApiModule): symbol | null {
  if (spanKey === undefined) {
    let asked: symbol | null = null;
    const probe: Context = {
      getValue(key) {
        asked = key;
        return undefined;
      },
      setValue: () => probe,
      deleteValue: () => probe,
    };
    api.trace.getSpan(probe);
    spanKey = asked;
  }
  return spanKey;
}

/**
 * A context that is `parent` with `span` as its current span — what `trace.setSpan(parent, span)` makes, without what
 * that costs on every call: the API's context copies the parent's values into a new Map and makes three closures
 * (~0.5 µs a call, several µs while the code is cold). Reading a value asks the span's key here and everything else of
 * the parent; setting or deleting one (rare on a call's context: suppressing tracing, a baggage change) makes the
 * API's own context first.
 */
class SpanContext implements Context {
  readonly #api: OtelApiModule;
  readonly #parent: Context;
  readonly #span: Span;
  readonly #key: symbol;

  constructor(api: OtelApiModule, parent: Context, span: Span, key: symbol) {
    this.#api = api;
    this.#parent = parent;
    this.#span = span;
    this.#key = key;
  }

  getValue(key: symbol): unknown {
    return key === this.#key ? this.#span : this.#parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return this.#api.trace.setSpan(this.#parent, this.#span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return this.#api.trace.setSpan(this.#parent, this.#span).deleteValue(key);
  }
}

/** `parent` with `span` as its current span (see SpanContext); the API's `trace.setSpan` if the key is unknown. */
export function withSpan(api: OtelApiModule, parent: Context, span: Span): Context {
  const key = spanKeyOf(api);
  return key === null ? api.trace.setSpan(parent, span) : new SpanContext(api, parent, span, key);
}

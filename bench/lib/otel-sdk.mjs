/**
 * The OpenTelemetry SDK as an application registers it (issue 13's cost row): a tracer provider with a batch span
 * processor whose exporter drops every span (counting them), registered globally with the AsyncLocalStorage context
 * manager and W3C propagation. From `@opentelemetry/sdk-trace-node` when installed, else `@opentelemetry/sdk-trace`
 * (SDK 3) or `@opentelemetry/sdk-trace-base` (+ `context-async-hooks`, `core` when present). dubbo-mesh depends on `@opentelemetry/api` only; the bench brings
 * no SDK of its own: the row runs when the repository has one installed.
 */

async function optional(name) {
  try {
    return await import(name);
  } catch {
    return undefined;
  }
}

/**
 * Registers the SDK; resolves with `{ exported(), flush() }` (spans exported so far; flush the batch processor), or
 * with `{ unsupported: reason }` when no SDK is installed. Knows the SDK's two shapes: 1.x/2.x
 * (`sdk-trace-node`'s NodeTracerProvider or `sdk-trace-base`'s BasicTracerProvider, `new BatchSpanProcessor(exporter)`)
 * and 3.x (`@opentelemetry/sdk-trace`'s TracerProvider, `new BatchSpanProcessor({ exporter })`).
 */
export async function registerOtelSdk() {
  const api = await optional("@opentelemetry/api");
  const node = await optional("@opentelemetry/sdk-trace-node");
  const v3 = node ? undefined : await optional("@opentelemetry/sdk-trace");
  const base = node ?? v3 ?? (await optional("@opentelemetry/sdk-trace-base"));
  if (!api || !base?.BatchSpanProcessor) {
    return {
      unsupported: "no OpenTelemetry SDK installed (@opentelemetry/api + sdk-trace-node, sdk-trace or sdk-trace-base)",
    };
  }
  let count = 0;
  const exporter = {
    export(spans, done) {
      count += spans.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const processor = v3 ? new v3.BatchSpanProcessor({ exporter }) : new base.BatchSpanProcessor(exporter);
  if (node?.NodeTracerProvider) {
    const provider = new node.NodeTracerProvider({ spanProcessors: [processor] });
    provider.addSpanProcessor?.(processor); // SDK 1.x without the spanProcessors option
    provider.register();
  } else {
    const Provider = v3 ? v3.TracerProvider : base.BasicTracerProvider;
    const provider = new Provider({ spanProcessors: [processor] });
    provider.addSpanProcessor?.(processor);
    api.trace.setGlobalTracerProvider(provider);
    const hooks = await optional("@opentelemetry/context-async-hooks");
    if (hooks) api.context.setGlobalContextManager(new hooks.AsyncLocalStorageContextManager().enable());
    const core = await optional("@opentelemetry/core");
    if (core) api.propagation.setGlobalPropagator(new core.W3CTraceContextPropagator());
  }
  return { exported: () => count, flush: () => processor.forceFlush() };
}

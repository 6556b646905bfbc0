import { otelApi } from "./tracing/otel-api.js";

/** Fields of one log event; `event` names what happened. */
export type LogFields = { event: string } & Record<string, unknown>;

/** Where dubbo-mesh writes its events: one JSON object per line. */
export interface Logger {
  info(fields: LogFields): void;
  warn(fields: LogFields): void;
  error(fields: LogFields): void;
}

/**
 * Creates the default logger: one JSON line per event on stdout (`{"time":…,"level":"info","event":…}`), as
 * container log collectors expect. Errors carry their message, never a stack trace: an expected failure is not a crash.
 * A line written during a traced call (inside its span's context: a handler, what it calls) carries the span's
 * `trace_id` and `span_id` (OpenTelemetry's log correlation fields), so logs and traces join.
 */
export function createJsonLogger(write: (line: string) => void = (l) => process.stdout.write(l)): Logger {
  const log = (level: string, fields: LogFields) => {
    const out: Record<string, unknown> = { time: new Date().toISOString(), level };
    // No span is current before anything is registered with OpenTelemetry (otelApi is undefined until then).
    const api = otelApi();
    const span = api?.trace.getSpanContext(api.context.active());
    if (span !== undefined && api?.isSpanContextValid(span)) {
      out.trace_id = span.traceId;
      out.span_id = span.spanId;
    }
    for (const [k, v] of Object.entries(fields)) out[k] = v instanceof Error ? v.message : v;
    write(`${JSON.stringify(out)}\n`);
  };
  return {
    info: (f) => log("info", f),
    warn: (f) => log("warn", f),
    error: (f) => log("error", f),
  };
}

/** A logger that drops everything, for tests and embedding. */
export const silentLogger: Logger = { info() {}, warn() {}, error() {} };

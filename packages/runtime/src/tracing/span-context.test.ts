import * as api from "@opentelemetry/api";
import { type Context, createContextKey, propagation, ROOT_CONTEXT, trace } from "@opentelemetry/api";
import { describe, expect, it } from "vitest";
import { withSpan } from "./span-context.js";

const spanOf = (traceId: string) =>
  trace.wrapSpanContext({ traceId, spanId: "00f067aa0ba902b7", traceFlags: 1, isRemote: true });

describe("withSpan", () => {
  const parentSpan = spanOf("4bf92f3577b34da6a3ce929d0e0e4736");
  const own = createContextKey("test key");
  const baggage = propagation.createBaggage({ tenant: { value: "t-7" } });
  const parent: Context = propagation.setBaggage(trace.setSpan(ROOT_CONTEXT, parentSpan), baggage).setValue(own, 1);
  const span = spanOf("0af7651916cd43dd8448eb211c80319c");

  it("is the parent with the span as the current one, as trace.setSpan makes it", () => {
    const ctx = withSpan(api, parent, span);
    expect(trace.getSpan(ctx)).toBe(span);
    expect(trace.getSpan(parent)).toBe(parentSpan);
    expect(propagation.getBaggage(ctx)?.getEntry("tenant")?.value).toBe("t-7");
    expect(ctx.getValue(own)).toBe(1);
  });

  it("setting or deleting a value keeps the span and the parent's values, and changes neither context", () => {
    const ctx = withSpan(api, parent, span);
    const set = ctx.setValue(own, 2);
    expect(trace.getSpan(set)).toBe(span);
    expect(set.getValue(own)).toBe(2);
    expect(ctx.getValue(own)).toBe(1);
    const deleted = ctx.deleteValue(own);
    expect(deleted.getValue(own)).toBeUndefined();
    expect(propagation.getBaggage(deleted)?.getEntry("tenant")?.value).toBe("t-7");
    expect(trace.getSpan(trace.deleteSpan(ctx))).toBeUndefined();
    expect(trace.getSpan(ctx)).toBe(span);
  });
});

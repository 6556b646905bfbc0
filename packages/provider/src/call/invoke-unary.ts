import type { Interceptor, MethodImplSpec } from "@connectrpc/connect";
import { invokeUnaryImplementation } from "@connectrpc/connect/protocol";
import type { BoundMethod } from "../dispatch.js";
import type { CallEnd } from "./call-end.js";

/** What answering a call with one message takes: the handler, the interceptors, and the response serializer. */
export interface UnaryPlan<Body = Uint8Array> {
  readonly target: BoundMethod;
  readonly interceptors: Interceptor[];
  /** Serializes the handler's result (a codec's `serialize`; throws a ConnectError when it cannot). */
  readonly output: { serialize(message: unknown): Body };
}

/**
 * Runs the handler of a call that answers one message (unary on every serving path, client streaming on gRPC's) and
 * answers with its result: through connect's `invokeUnaryImplementation` under interceptors, else called directly (a
 * plain return value is answered without a promise hop). A response that does not serialize fails the call as a
 * codec failure; anything the handler throws fails it as `CallEnd.fail` says. Nothing happens once the call ended.
 */
export function invokeUnary<Body>(call: CallEnd<Body>, plan: UnaryPlan<Body>, input: unknown): void {
  if (call.ended) return;
  if (plan.interceptors.length > 0) {
    const impl = call.implOf(plan.target);
    const spec = { kind: "unary", method: call.method, impl } as MethodImplSpec & { kind: "unary" };
    settle(call, plan, invokeUnaryImplementation(spec, call.context.toPlain(), input as never, plan.interceptors));
    return;
  }
  let out: unknown;
  try {
    out = call.invoke(plan.target, input);
  } catch (e) {
    call.fail(e);
    return;
  }
  if (out instanceof Promise) settle(call, plan, out);
  else answerUnary(call, plan, out);
}

/** Answers the call when the handler's promise settles (the closures are made only for a handler that is async). */
function settle<Body>(call: CallEnd<Body>, plan: UnaryPlan<Body>, out: Promise<unknown>): void {
  out.then(
    (value) => answerUnary(call, plan, value),
    (e: unknown) => call.fail(e),
  );
}

/** Serializes a handler's result and answers the call with it (a codec failure if it does not serialize). */
export function answerUnary<Body>(call: CallEnd<Body>, plan: Pick<UnaryPlan<Body>, "output">, out: unknown): void {
  let bytes: Body;
  try {
    bytes = plan.output.serialize(out);
  } catch (e) {
    call.fail(e, "codec");
    return;
  }
  call.respondUnary(bytes);
}

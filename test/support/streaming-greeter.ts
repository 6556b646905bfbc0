import { setTimeout as sleep, setImmediate as yieldToLoop } from "node:timers/promises";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import type { GreeterService, GreetRequest } from "./greeter-proto.js";

/** What one GreetStream call did on the provider, as its handler saw it. */
export interface StreamCall {
  /** The request name (the script of the call, see `streamingGreeter`). */
  readonly name: string;
  /** Whether the handler got the engine's own context (see `laneOf`). */
  readonly lane: "engine" | "plain context";
  /** Messages the handler yielded so far. */
  produced: number;
  /** How the handler's generator ended: ran to its end, threw, or was stopped at a `yield` (return()). */
  ended?: "completed" | "threw" | "stopped";
  /** The code of the handler's signal's abort reason, once it aborted (connect aborts it after every call). */
  aborted?: string;
  /** The request header `x-test`, as the handler read it. */
  header: string | null;
}

/**
 * What context a handler got: the gRPC engine hands it the call's own lazily built context object; connect's
 * plumbing (its general path, and its interceptor chain on the engine) a plain object.
 */
export function laneOf(ctx: HandlerContext): StreamCall["lane"] {
  return Object.getPrototypeOf(ctx) === Object.prototype ? "plain context" : "engine";
}

/** A GreetStream reply carrying `i`, padded to `size` characters. */
export function streamGreeting(i: number, size = 0): string {
  return `#${i}`.padEnd(size, ".");
}

/**
 * A GreeterService whose GreetStream follows a script in the request name and records every call in `calls`:
 * - `count:<n>` — yields n replies `#1`..`#n`, then ends;
 * - `count:<n>:error:<code>:<message>` — yields n replies, then throws that status;
 * - `endless:<size>` — yields replies of `size` characters until stopped, giving the event loop a turn every 64
 *   (so a lane without backpressure shows as unbounded production, not as a hung test process);
 * - `tick:<ms>` — yields one reply every ms, sleeping on the call's signal, until the signal aborts (then throws its
 *   reason).
 * Every call sets response header `x-stream: <name>`, response trailer `x-stream-end: done` and binary trailer
 * `x-stream-bin` (bytes 0, 255). Greet answers `hello, <name>` with response header `x-greet`.
 */
export function streamingGreeter(calls: StreamCall[]): Partial<ServiceImpl<typeof GreeterService>> {
  return {
    greet(req: GreetRequest, ctx: HandlerContext) {
      ctx.responseHeader.set("x-greet", "set by the handler");
      return { greeting: `hello, ${req.name}` };
    },
    async *greetStream(req: GreetRequest, ctx: HandlerContext) {
      const call: StreamCall = {
        name: req.name,
        lane: laneOf(ctx),
        produced: 0,
        header: ctx.requestHeader.get("x-test"),
      };
      calls.push(call);
      ctx.signal.addEventListener("abort", () => {
        call.aborted = Code[ConnectError.from(ctx.signal.reason).code];
      });
      ctx.responseHeader.set("x-stream", req.name);
      ctx.responseTrailer.set("x-stream-end", "done");
      ctx.responseTrailer.set("x-stream-bin", Buffer.from([0, 255]).toString("base64"));
      const [kind = "", arg = "0", , code = "0", ...message] = req.name.split(":");
      let completed = false;
      try {
        if (kind === "count") {
          for (let i = 1; i <= Number(arg); i++) {
            call.produced++;
            yield { greeting: streamGreeting(i) };
          }
          if (req.name.includes(":error:")) throw new ConnectError(message.join(":"), Number(code) as Code);
        } else if (kind === "endless") {
          for (let i = 1; ; i++) {
            call.produced++;
            yield { greeting: streamGreeting(i, Number(arg)) };
            if (i % 64 === 0) await yieldToLoop();
          }
        } else if (kind === "tick") {
          for (let i = 1; ; i++) {
            // As a connect handler should: a sleep cut short by the signal fails with the signal's reason (the
            // general path answers anything but a ConnectError as INTERNAL).
            await sleep(Number(arg), undefined, { signal: ctx.signal }).catch((e: unknown) => {
              throw ctx.signal.aborted ? ctx.signal.reason : e;
            });
            call.produced++;
            yield { greeting: streamGreeting(i) };
          }
        }
        completed = true;
      } catch (e) {
        call.ended = "threw";
        throw e;
      } finally {
        call.ended ??= completed ? "completed" : "stopped";
      }
    },
  };
}

import { setTimeout as sleep } from "node:timers/promises";
import { Code, ConnectError, type HandlerContext, type ServiceImpl } from "@connectrpc/connect";
import { greetAction } from "../peers/greeter-contract.js";
import type { GreeterService, GreetRequest } from "./greeter-proto.js";

/** Applies the contract's metadata echo: `x-echo` -> header + trailer `x-echo-trailer`; `x-echo-bin` -> header. */
function echo(ctx: HandlerContext): void {
  const text = ctx.requestHeader.get("x-echo");
  if (text !== null) {
    ctx.responseHeader.set("x-echo", text);
    ctx.responseTrailer.set("x-echo-trailer", text);
  }
  const bin = ctx.requestHeader.get("x-echo-bin");
  if (bin !== null) ctx.responseHeader.set("x-echo-bin", bin);
}

/**
 * The greeter contract of test/peers (the same behaviour as the grpc-js peer) implemented on dubbo-mesh, so every
 * client — ours, grpc-js, Python grpcio, curl — can be checked against our provider. `prefix` marks which
 * registration answered (for version/group routing tests).
 */
export function contractGreeter(prefix = "hello"): ServiceImpl<typeof GreeterService> {
  return {
    async greet(req: GreetRequest, ctx: HandlerContext) {
      echo(ctx);
      const action = greetAction(req.name);
      if (action.kind === "error") throw new ConnectError(action.message, action.code as Code);
      if (action.kind === "sleep") await sleep(action.ms, undefined, { signal: ctx.signal });
      return { greeting: `${prefix}, ${req.name}` };
    },
    async *greetStream(req, ctx) {
      echo(ctx);
      for (let i = 1; i <= 3; i++) yield { greeting: `${prefix}, ${req.name} #${i}` };
    },
    async greetClientStream(reqs, ctx) {
      echo(ctx);
      const names: string[] = [];
      for await (const r of reqs) names.push(r.name);
      return { greeting: `${prefix}, ${names.join(", ")}` };
    },
    async *greetBidi(reqs, ctx) {
      echo(ctx);
      for await (const r of reqs) yield { greeting: `${prefix}, ${r.name}` };
    },
  };
}

export { Code };

// The provider side of `npm run soak`: a dubbo-mesh provider with a greeter whose requests script what it does
// (`sleep:<ms>`, `count:<n>`), run as a child process so its memory, descriptors and event loop are its own.
// It prints its port on IPC, then answers each "sample" message with its process figures.
import { setTimeout as sleep } from "node:timers/promises";
import { createProvider } from "@dubbo-mesh/provider";
import { createDubboMetrics, createJsonLogger } from "@dubbo-mesh/runtime";
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { processStats } from "./process-stats.mjs";

function scripted(name) {
  const [verb, arg] = name.split(":");
  return { verb, n: Number(arg) };
}

const greeter = {
  async greet(req, ctx) {
    const { verb, n } = scripted(req.name);
    if (verb === "sleep") await sleep(n, undefined, { signal: ctx.signal });
    return { greeting: `hello, ${req.name}` };
  },
  async *greetStream(req, ctx) {
    const { verb, n } = scripted(req.name);
    const count = verb === "count" ? n : 3;
    for (let i = 1; i <= count; i++) {
      if (verb === "tick") await sleep(n, undefined, { signal: ctx.signal });
      yield { greeting: `#${i}` };
    }
  },
  async greetClientStream(reqs) {
    const names = [];
    for await (const r of reqs) names.push(r.name);
    return { greeting: names.join(", ") };
  },
  async *greetBidi(reqs) {
    for await (const r of reqs) yield { greeting: r.name };
  },
};

const stats = processStats();
// Warnings and errors (a client closed for too many pings, a keepalive timeout, ...) go to stderr, prefixed, so the
// run's output says what the provider did about a failure; info events are dropped.
const json = createJsonLogger((line) => process.stderr.write(`provider: ${line}`));
const logger = { info() {}, warn: json.warn, error: json.error };
const provider = createProvider({
  port: 0,
  host: "127.0.0.1",
  logger,
  metrics: createDubboMetrics({ application: { name: "soak-provider" } }).provider,
});
provider.service(GreeterService, greeter);
const { port } = await provider.start();
process.send({ type: "listening", port });
process.on("message", async (message) => {
  if (message.type === "sample") process.send({ type: "sample", id: message.id, ...stats.sample() });
  if (message.type === "stop") {
    await provider.stop({ graceMs: 2000 });
    process.disconnect();
  }
});

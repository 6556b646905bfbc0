/**
 * The local mesh demo (`npm start`): three greeter providers (each its own process, protocol and QOS port), a
 * consumer balancing every call over them on the client side, a rolling restart under load, live counts and probe
 * states, a summary. Nothing but Node is needed: no Docker, no Envoy.
 *
 * Flags: --duration <seconds> (default 12, 1-600), --providers <n> (default 3, 1-10), --concurrency <n> (default 16,
 * 1-256), --no-restart. Exit codes: 0 every call succeeded; 1 some call failed (they are listed); 2 a bad flag.
 */
import { parseArgs } from "node:util";
import { runDemo } from "./run-demo.js";

const usage = "usage: npm start -- [--duration seconds] [--providers n] [--concurrency n] [--no-restart]";

/** A flag's value as an integer within bounds, or an exit-2 message naming the flag. */
function bounded(values: Record<string, unknown>, name: string, fallback: number, min: number, max: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`--${name} must be an integer between ${min} and ${max}, got ${String(raw)}`);
  }
  return value;
}

let options: Parameters<typeof runDemo>[0];
try {
  const { values, positionals } = parseArgs({
    options: {
      duration: { type: "string" },
      providers: { type: "string" },
      concurrency: { type: "string" },
      "no-restart": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
    allowPositionals: true,
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  if (positionals.length > 0) throw new RangeError(`unexpected argument ${positionals[0]}`);
  const providers = bounded(values, "providers", 3, 1, 10);
  options = {
    duration: bounded(values, "duration", 12, 1, 600),
    providers,
    concurrency: bounded(values, "concurrency", 16, 1, 256),
    restart: !values["no-restart"] && providers >= 2,
    out: (line) => console.log(line),
    err: (line) => console.error(line),
  };
} catch (e) {
  console.error(`demo: ${e instanceof Error ? e.message : String(e)}\n${usage}`);
  process.exit(2);
}

const stop = new AbortController();
process.once("SIGINT", () => {
  console.log("\nCtrl-C: stopping the load and the providers ...");
  stop.abort();
});
const failures = await runDemo(options, stop.signal);
process.exit(failures === 0 ? 0 : 1);

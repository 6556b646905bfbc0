/**
 * The local demo (`npm start`): starts the greeter provider as its own process, waits for its "listening" line,
 * runs the consumer against it, stops the provider with SIGTERM, and exits with the consumer's status.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
const port = process.env.DUBBO_PROTOCOL_PORT ?? "50052";

const provider = spawn(process.execPath, [here("provider.js")], {
  env: { ...process.env, DUBBO_PROTOCOL_PORT: port },
  stdio: ["ignore", "pipe", "inherit"],
});
provider.stdout.setEncoding("utf8");
const listening = new Promise<void>((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error("the provider did not start listening within 10 s")), 10_000);
  provider.stdout.on("data", (chunk: string) => {
    process.stdout.write(chunk);
    if (chunk.includes('"provider-listening"')) {
      clearTimeout(timer);
      resolve();
    }
  });
  provider.once("exit", (code) => reject(new Error(`the provider exited with ${code} before listening`)));
});

let status = 1;
try {
  await listening;
  const consumer = spawn(process.execPath, [here("consumer.js")], {
    env: { ...process.env, DUBBO_CONSUMER_URL: `http://127.0.0.1:${port}` },
    stdio: "inherit",
  });
  const [code] = await once(consumer, "exit");
  status = typeof code === "number" ? code : 1;
} catch (e) {
  console.error(JSON.stringify({ event: "demo-failed", message: e instanceof Error ? e.message : String(e) }));
} finally {
  provider.kill("SIGTERM");
  await once(provider, "exit");
}
process.exit(status);

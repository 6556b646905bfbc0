import { createConsumer } from "@dubbo-mesh/consumer";
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { expect, it } from "vitest";
import { startContractProvider } from "./support/start-provider.js";

// The provider opens its port before connect's general path has loaded (it loads in the background); calls for the
// general path that arrive in that moment must wait for it, not fail.
it("calls for the general path made right after start() are served (Triple HTTP/1.1, JSON, streaming)", async () => {
  const provider = await startContractProvider();
  const consumer = createConsumer({ timeout: 10_000 });
  try {
    const triple = consumer.reference(GreeterService, { url: provider.url, protocol: "triple", json: true });
    const grpc = consumer.reference(GreeterService, { url: provider.url });
    const [unary, streamed] = await Promise.all([
      triple.greet({ name: "early" }),
      (async () => {
        const out: string[] = [];
        for await (const r of grpc.greetStream({ name: "early" })) out.push(r.greeting);
        return out;
      })(),
    ]);
    expect(unary.greeting).toBe("hello, early");
    expect(streamed).toEqual(["hello, early #1", "hello, early #2", "hello, early #3"]);
  } finally {
    consumer.close();
    await provider.close();
  }
});

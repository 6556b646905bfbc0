/**
 * The greeter consumer (`npm run consumer`): calls the provider at DUBBO_CONSUMER_URL (default http://127.0.0.1:50052)
 * with all four call kinds, prints each reply, exits 0 on success and non-zero with the gRPC code on failure.
 */
import { Code, ConnectError, createConsumer } from "@dubbo-mesh/consumer";
import { GreeterService } from "./gen/greet/v1/greet_pb.js";

const url = process.env.DUBBO_CONSUMER_URL ?? "http://127.0.0.1:50052";
const consumer = createConsumer({ application: "greeter-consumer", timeout: 5000 });
const greeter = consumer.reference(GreeterService, { url, version: "1.0.0" });

async function* names(...list: string[]) {
  for (const name of list) yield { name };
}

try {
  const unary = await greeter.greet({ name: "alice" });
  console.log(JSON.stringify({ event: "greet", reply: unary.greeting }));
  for await (const r of greeter.greetStream({ name: "bob" })) {
    console.log(JSON.stringify({ event: "greet-stream", reply: r.greeting }));
  }
  const joined = await greeter.greetClientStream(names("carol", "dave"));
  console.log(JSON.stringify({ event: "greet-client-stream", reply: joined.greeting }));
  for await (const r of greeter.greetBidi(names("erin", "frank"))) {
    console.log(JSON.stringify({ event: "greet-bidi", reply: r.greeting }));
  }
  consumer.close();
} catch (e) {
  const err = ConnectError.from(e);
  console.error(JSON.stringify({ event: "call-failed", code: Code[err.code], message: err.rawMessage }));
  consumer.close();
  process.exit(10 + err.code);
}

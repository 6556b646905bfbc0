/**
 * Client contestant: the dubbo-mesh consumer — `createConsumer().reference(GreeterService, { url, timeout: 0 })` —
 * calling unary Greet on the server at env URL (one HTTP/2 connection).
 */
import { createConsumer } from "@dubbo-mesh/consumer";
import { GreeterService } from "@dubbo-mesh/sample-greeter";
import { expectGreeting, runClientLoop } from "../lib/client-loop.mjs";
import { greeting } from "../lib/greeting.mjs";

const name = process.env.NAME ?? "world";
const expected = greeting(name);
const consumer = createConsumer();
const greeter = consumer.reference(GreeterService, { url: process.env.URL, timeout: 0 });

await runClientLoop(
  async () => expectGreeting((await greeter.greet({ name })).greeting, expected),
  () => consumer.close(),
);

/**
 * The greeter consumer (`npm run consumer`): calls the provider with all four call kinds, prints each reply, exits 0
 * on success and 10 + the gRPC code on failure. The target is DUBBO_CONSUMER_URL; unset, it is
 * http://127.0.0.1:50052 outside Kubernetes and, inside a pod, the mesh address of `providedBy`
 * (greeter-provider.<POD_NAMESPACE>.svc.cluster.local:50052), as Dubbo's Java mesh sample.
 * With DUBBO_CONSUMER_INTERVAL_MS set it keeps calling Greet at that interval, with probes on its QOS port, until
 * SIGTERM — the long-running form for docker compose and Kubernetes.
 */
import { type Client, Code, ConnectError, DubboReference, dubbo, main } from "dubbo-mesh";
import { GreeterService } from "./gen/greet/v1/greet_pb.js";

class Greeting {
  @DubboReference(GreeterService, { version: "1.0.0", providedBy: "greeter-provider", lazy: true })
  accessor greeter!: Client<typeof GreeterService>;
}

const inPod = process.env.KUBERNETES_SERVICE_HOST !== undefined;
const url = process.env.DUBBO_CONSUMER_URL || (inPod ? undefined : "http://127.0.0.1:50052");
const interval = Number(process.env.DUBBO_CONSUMER_INTERVAL_MS ?? 0);

async function* names(...list: string[]) {
  for (const name of list) yield { name };
}

async function allCallKinds(greeter: Client<typeof GreeterService>): Promise<void> {
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
}

await main(async () => {
  const app = dubbo({
    configFile: new URL("../dubbo-consumer.properties", import.meta.url),
    handleSignals: interval > 0,
  });
  const { greeter } = app.consume(Greeting, { url });
  if (interval > 0) {
    await app.start();
    for (let i = 0; ; i++) {
      const reply = await greeter.greet({ name: `call-${i}` }).catch((e: unknown) => ConnectError.from(e));
      const line =
        reply instanceof ConnectError
          ? { event: "greet-failed", code: Code[reply.code] }
          : { event: "greet", reply: reply.greeting };
      console.log(JSON.stringify(line));
      await new Promise((r) => setTimeout(r, interval));
    }
  }
  try {
    await allCallKinds(greeter);
    await app.stop();
  } catch (e) {
    const err = ConnectError.from(e);
    console.error(JSON.stringify({ event: "call-failed", code: Code[err.code], message: err.rawMessage }));
    process.exit(10 + err.code);
  }
});

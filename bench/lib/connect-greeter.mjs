/**
 * The bench's GreeterService implementation for connect-style servers (dubbo-mesh's provider and plain
 * connect-node): unary `Greet`, server-streaming `GreetStream` (`stream:<n>` -> n replies), client-streaming
 * `GreetClientStream` (replies with the number of requests) and bidi `GreetBidi` (one reply per request, as it
 * arrives). The sample's own GreeterImpl appends the serving address and streams a fixed 3 messages, so the bench
 * brings its own.
 */
import { clientStreamGreeting, greeting, streamCount, streamGreeting } from "./greeting.mjs";

/** A connect ServiceImpl<typeof GreeterService> (the methods the bench calls). */
export function connectGreeter() {
  return {
    async greet(req) {
      return { greeting: greeting(req.name) };
    },
    async *greetStream(req) {
      const n = streamCount(req.name);
      for (let i = 1; i <= n; i++) yield { greeting: streamGreeting(i) };
    },
    async greetClientStream(reqs) {
      let count = 0;
      for await (const _ of reqs) count++;
      return { greeting: clientStreamGreeting(count) };
    },
    async *greetBidi(reqs) {
      for await (const req of reqs) yield { greeting: greeting(req.name) };
    },
  };
}

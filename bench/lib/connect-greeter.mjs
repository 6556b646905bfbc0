/**
 * The bench's GreeterService implementation for connect-style servers (dubbo-mesh's provider and plain
 * connect-node): unary `Greet` and server-streaming `GreetStream` (`stream:<n>` -> n replies). The sample's own
 * GreeterImpl appends the serving address and streams a fixed 3 messages, so the bench brings its own.
 */
import { greeting, streamCount, streamGreeting } from "./greeting.mjs";

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
  };
}

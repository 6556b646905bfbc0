/**
 * One call of each kind on a connect-style `Client<typeof GreeterService>` (the dubbo-mesh consumer's references
 * and connect-node's `createClient` have the same API), every reply checked — what the client contestants measure.
 */
import { expectGreeting, pingPongRequests } from "./client-loop.mjs";
import { bidiName, clientStreamGreeting, greeting, streamGreeting } from "./greeting.mjs";

/** The call function of `cfg.kind` (see client-loop.mjs `loadConfig`) on `client`. */
export function connectCall(client, { kind, messages, name }) {
  const expected = greeting(name);
  switch (kind) {
    case "unary":
      return async () => expectGreeting((await client.greet({ name })).greeting, expected);
    case "server-stream":
      return async (received) => {
        let i = 0;
        for await (const res of client.greetStream({ name: `stream:${messages}` })) {
          expectGreeting(res.greeting, streamGreeting(++i));
          received();
        }
        if (i !== messages) throw new Error(`got ${i} messages, expected ${messages}`);
      };
    case "client-stream": {
      const request = { name };
      async function* requests() {
        for (let i = 0; i < messages; i++) yield request;
      }
      return async () =>
        expectGreeting((await client.greetClientStream(requests())).greeting, clientStreamGreeting(messages));
    }
    case "bidi":
      return async (received) => {
        const pp = pingPongRequests(messages, bidiName);
        let i = 0;
        for await (const res of client.greetBidi(pp.requests)) {
          expectGreeting(res.greeting, greeting(bidiName(++i)));
          received();
          pp.replied();
        }
        if (i !== messages) throw new Error(`got ${i} replies, expected ${messages}`);
      };
  }
  throw new Error(`unknown call kind ${kind}`);
}

/**
 * What every benchmark server answers, so all contestants do the same work: `Greet` replies `hello, <name>`;
 * `GreetStream` with the name `stream:<n>` replies n greetings `hello, <i>` (n capped at MAX_STREAM), and with any
 * other name one greeting; `GreetClientStream` reads every request and replies `hello, <number of requests>`;
 * `GreetBidi` answers each request `hello, <name>` as it arrives.
 */

/** Upper bound of messages of one GreetStream call. */
export const MAX_STREAM = 100_000;

/** The unary reply text. */
export function greeting(name) {
  return `hello, ${name}`;
}

/** How many messages a GreetStream call with this name answers. */
export function streamCount(name) {
  if (!name.startsWith("stream:")) return 1;
  const n = Number.parseInt(name.slice(7), 10);
  return Number.isFinite(n) && n > 0 ? Math.min(n, MAX_STREAM) : 1;
}

/** The i-th (1-based) streamed reply text. */
export function streamGreeting(i) {
  return `hello, ${i}`;
}

/** The GreetClientStream reply after `count` requests. */
export function clientStreamGreeting(count) {
  return `hello, ${count}`;
}

/** The name of the i-th (1-based) request of a bidi ping-pong call: its reply is `greeting(bidiName(i))`. */
export function bidiName(i) {
  return String(i);
}

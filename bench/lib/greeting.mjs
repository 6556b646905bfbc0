/**
 * What every benchmark server answers, so all contestants do the same work: `Greet` replies `hello, <name>`;
 * `GreetStream` with the name `stream:<n>` replies n greetings `hello, <i>` (n capped at MAX_STREAM), and with any
 * other name one greeting.
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

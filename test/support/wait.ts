import { setTimeout as sleep } from "node:timers/promises";

/** How often `until` and `settled` look again, in milliseconds. */
const POLL_MS = 10;

/**
 * Waits until `check()` is (or resolves to) true, looking every 10 ms after each answer; fails with "timed out waiting
 * for <what>" after `timeoutMs`. For state that no event announces (counters, a peer's view, a scrape); wait on the
 * event itself where there is one.
 */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (${timeoutMs} ms)`);
    await sleep(POLL_MS);
  }
}

/**
 * Waits until `read()` has returned the same value over 20 looks in a row (200 ms), and returns it; fails with
 * "<what> kept changing" if it has not settled after `timeoutMs`.
 */
export async function settled(read: () => number, what: string, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let last = read();
  for (let same = 0; same < 20; ) {
    if (Date.now() > deadline) throw new Error(`${what} kept changing (last ${last})`);
    await sleep(POLL_MS);
    const now = read();
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return last;
}

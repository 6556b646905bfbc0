/**
 * Re-measuring when the shared machine interfered: a measurement during which other processes used more than
 * `maxOthers` of the CPU is taken again (after waiting briefly for quiet), at most twice and within a run-wide budget
 * of `budget` repeats; the attempt with the least interference is kept. Bounded, so a busy machine costs at most
 * `budget` extra measurements.
 */
import { waitQuiet } from "./cpu-load.mjs";

/** A `measure(label, fn)` that runs `fn()` (resolving with `{ foreignCpu, ... }`) and repeats it when disturbed. */
export function createRemeasurer({ maxOthers, budget, log }) {
  const state = { left: budget, used: 0 };
  async function measure(label, fn) {
    let best = await fn();
    for (let attempt = 0; attempt < 2 && best.foreignCpu > maxOthers && state.left > 0; attempt++) {
      state.left--;
      state.used++;
      log(`${label}: other processes took ${(best.foreignCpu * 100).toFixed(0)}% of the CPU; measuring again`);
      await waitQuiet({ maxWaitS: 5 });
      const again = await fn();
      if (again.foreignCpu < best.foreignCpu) best = again;
    }
    return best;
  }
  return { measure, state };
}

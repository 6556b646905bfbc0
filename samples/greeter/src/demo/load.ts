import { Code, ConnectError } from "dubbo-mesh";

/** What the load generator has seen so far. */
export interface LoadStats {
  calls: number;
  failures: number;
  /** Calls answered, by the instance named in the reply (`… from 127.0.0.1:50061`). */
  byInstance: Map<string, number>;
  /** The first few failures, as `CODE: message`. */
  failureSamples: string[];
}

/**
 * Runs `concurrency` loops that each call `greet` back to back until `signal` aborts, counting replies by the serving
 * instance the greeter names at the end of every reply.
 */
export async function runLoad(
  greet: (name: string) => Promise<{ greeting: string }>,
  concurrency: number,
  signal: AbortSignal,
  stats: LoadStats,
): Promise<void> {
  const worker = async (id: number) => {
    for (let i = 0; !signal.aborted; i++) {
      try {
        const { greeting } = await greet(`demo-${id}-${i}`);
        const instance = greeting.slice(greeting.lastIndexOf(" from ") + 6);
        stats.byInstance.set(instance, (stats.byInstance.get(instance) ?? 0) + 1);
      } catch (e) {
        stats.failures++;
        const err = ConnectError.from(e);
        if (stats.failureSamples.length < 5) stats.failureSamples.push(`${Code[err.code]}: ${err.rawMessage}`);
      }
      stats.calls++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
}

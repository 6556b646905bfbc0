import type { AddressAnswer } from "./dns-query.js";
import type { NameResolver, ResolverListener } from "./resolver.js";

/** Options of the DNS resolver. */
export interface DnsResolverOptions {
  /** Queries all addresses of a name (see `createAddressQuery`). */
  query: (host: string) => Promise<AddressAnswer>;
  /** Resolve again at least this often, in ms, whatever the TTL. */
  intervalMs: number;
  /** Never resolve more often than this, in ms (a TTL of 0, a burst of connection failures). */
  minIntervalMs: number;
}

/**
 * Resolves the host of `url` to all of its A/AAAA records — the pods of a headless Service — and reports one address
 * per record, each dialled at its IP with `url`'s host as `:authority`. Resolves again when the answer's TTL expires,
 * every `intervalMs` at the latest, and soon after `requestResolution()` (a connection failed), never more often than
 * every `minIntervalMs`. A failed resolution is retried after `minIntervalMs`, doubling up to `intervalMs`.
 *
 * Invariant: at most one query runs at a time, and at most one timer is pending (`timer` is due at `dueAt`).
 */
export function createDnsResolver(url: URL, options: DnsResolverOptions, listener: ResolverListener): NameResolver {
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  let closed = false;
  let running = false;
  let lastStarted = Number.NEGATIVE_INFINITY;
  let failures = 0;
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Number.POSITIVE_INFINITY;

  const schedule = (ms: number) => {
    if (closed) return;
    if (timer) clearTimeout(timer);
    dueAt = Date.now() + ms;
    timer = setTimeout(resolveNow, ms);
    timer.unref();
  };

  function resolveNow(): void {
    timer = undefined;
    dueAt = Number.POSITIVE_INFINITY;
    if (closed || running) return;
    running = true;
    lastStarted = Date.now();
    options.query(host).then(
      (answer) => {
        running = false;
        if (closed) return;
        failures = 0;
        listener.onAddresses(answer.ips.map((ip) => ({ url, ip })));
        const ttlMs = answer.ttlSeconds === undefined ? options.intervalMs : answer.ttlSeconds * 1000;
        schedule(Math.min(options.intervalMs, Math.max(options.minIntervalMs, ttlMs)));
      },
      (error: unknown) => {
        running = false;
        if (closed) return;
        failures++;
        listener.onError(error instanceof Error ? error : new Error(String(error)));
        schedule(Math.min(options.intervalMs, options.minIntervalMs * 2 ** (failures - 1)));
      },
    );
  }

  resolveNow();
  return {
    requestResolution() {
      if (closed || running) return;
      const wait = Math.max(0, lastStarted + options.minIntervalMs - Date.now());
      if (Date.now() + wait < dueAt) schedule(wait);
    },
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
    },
  };
}

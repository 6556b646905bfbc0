/**
 * The slice of the runtime the QOS server talks to. The runtime's Lifecycle and DubboMetrics satisfy these
 * interfaces structurally, so qos needs no compile-time import of the runtime's classes, and tests can pass
 * the real ones.
 */

/** The three probe kinds served at `/live`, `/ready` and `/startup`. */
export type QosProbeKind = "liveness" | "readiness" | "startup";

/** QosLifecycle is what the QOS server reads and changes: probes, exported services, online flags. */
export interface QosLifecycle {
  /** The application state, e.g. `starting`, `started`, `stopping`, `stopped`; shown by `ls`. */
  readonly state: string;
  /** Evaluates one probe kind; `failed` names what made it fail. */
  probe(kind: QosProbeKind): Promise<{ ok: boolean; failed: readonly string[] }>;
  /** The exported services, by fully-qualified proto name. */
  services(): readonly string[];
  /** The app flag (no service) or one service's own flag; undefined for an unknown service. */
  isOnline(service?: string): boolean | undefined;
  /** Sets the app flag (no service) or one service's flag; false for an unknown service. */
  setOnline(online: boolean, service?: string): boolean;
}

/** QosMetrics renders the application's metrics in the Prometheus text format 0.0.4 (the runtime's DubboMetrics). */
export interface QosMetrics {
  render(): string | Promise<string>;
}

/** One effective configuration entry, as printed by `getConfig`: `key = value (source)`. */
export interface QosConfigEntry {
  readonly key: string;
  readonly value: string;
  /** Where the value came from, e.g. `code`, `env`, `file`, `default`. */
  readonly source: string;
}

/** One listening port, as printed by `ps`. */
export interface QosPort {
  /** The protocol served, e.g. `tri`. */
  readonly protocol: string;
  /** The bound host; empty or undefined for all interfaces. */
  readonly host?: string;
  readonly port: number;
}

/** One consumer reference, as printed by `ls`. */
export interface QosReference {
  /** The fully-qualified proto service name. */
  readonly service: string;
  /** Where calls go, e.g. `greeter-provider.default.svc.cluster.local:50052`. */
  readonly address?: string;
}

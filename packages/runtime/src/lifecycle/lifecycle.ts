import { errorMessage } from "../error-message.js";
import { createJsonLogger } from "../logger.js";
import { type ApplicationState, assertLegalTransition } from "./application-state.js";
import type { LifecycleChange, LifecycleListener } from "./lifecycle-change.js";
import {
  defaultProbeCheckTimeoutMs,
  type ProbeCheck,
  type ProbeCheckFn,
  type ProbeCheckOptions,
  type ProbeKind,
  type ProbeResult,
  runProbeCheck,
} from "./probe-check.js";

/** Options of a Lifecycle. */
export interface LifecycleOptions {
  /**
   * Called when an `onChange` listener throws. The change itself has already happened and the other
   * listeners still run. Default: one JSON line on stdout (no stack trace).
   */
  onListenerError?: (error: unknown, change: LifecycleChange) => void;
}

/**
 * Lifecycle is the single state machine of an application: its phase (`starting -> started -> stopping ->
 * stopped`), whether it and each exported service are online, and the probe checks. The gRPC health service,
 * the QOS probes and commands, and graceful shutdown all read and change this one object; none of them keeps
 * a copy of the state.
 *
 * @example
 * const lifecycle = createLifecycle();
 * lifecycle.addService("greet.v1.GreeterService");
 * lifecycle.transition("started");
 * lifecycle.isServing("greet.v1.GreeterService"); // true
 * lifecycle.setOnline(false); // drain: readiness 503, health NOT_SERVING
 */
export class Lifecycle {
  // Invariant: #state only moves along assertLegalTransition's table, one step per transition() call.
  #state: ApplicationState = "starting";
  // Invariant: #reachedStarted is true iff #state has ever been "started" (it stays true while stopping/stopped).
  #reachedStarted = false;
  // The app-level online flag; it starts online. Offline takes the whole application out of rotation.
  #appOnline = true;
  // Invariant: #exported holds every service added with addService, in insertion order; nothing is ever removed.
  readonly #exported = new Set<string>();
  // Invariant: #offlineServices is a subset of #exported (setOnline refuses unknown services).
  readonly #offlineServices = new Set<string>();
  readonly #listeners = new Set<LifecycleListener>();
  readonly #checks: Record<ProbeKind, Map<string, ProbeCheck>> = {
    liveness: new Map(),
    readiness: new Map(),
    startup: new Map(),
  };
  readonly #onListenerError: (error: unknown, change: LifecycleChange) => void;

  /** Creates a lifecycle in state `starting`, online, with no services and no checks. */
  constructor(options: LifecycleOptions = {}) {
    this.#onListenerError = options.onListenerError ?? logListenerError;
  }

  /** The current application state. */
  get state(): ApplicationState {
    return this.#state;
  }

  /**
   * transition moves the application to `to`. Legal moves: starting -> started, starting -> stopping,
   * started -> stopping, stopping -> stopped. Anything else (including staying in place) throws an Error
   * naming both states.
   */
  transition(to: ApplicationState): void {
    const from = this.#state;
    assertLegalTransition(from, to);
    this.#state = to;
    if (to === "started") {
      this.#reachedStarted = true;
    }
    this.#emit({ type: "state", from, to });
  }

  /** addService records an exported service by its fully-qualified proto name, e.g. `greet.v1.GreeterService`. */
  addService(service: string): void {
    if (service === "") {
      throw new Error("service name must not be empty");
    }
    if (this.#exported.has(service)) {
      return;
    }
    this.#exported.add(service);
    this.#emit({ type: "service", service });
  }

  /** services lists the exported services in the order they were added. */
  services(): string[] {
    return [...this.#exported];
  }

  /**
   * setOnline puts the whole application (no `service`) or one exported service online or offline.
   * It returns false, and changes nothing, for a service that was never exported. Listeners are notified
   * only when something actually changed.
   */
  setOnline(online: boolean, service?: string): boolean {
    if (service === undefined || service === "") {
      if (this.#appOnline !== online) {
        this.#appOnline = online;
        this.#emit({ type: "online", service: undefined, online });
      }
      return true;
    }
    if (!this.#exported.has(service)) {
      return false;
    }
    const wasOnline = !this.#offlineServices.has(service);
    if (wasOnline !== online) {
      if (online) {
        this.#offlineServices.delete(service);
      } else {
        this.#offlineServices.add(service);
      }
      this.#emit({ type: "online", service, online });
    }
    return true;
  }

  /**
   * isOnline reads the app flag (no `service`) or one service's own flag, which does not include the app
   * flag. Undefined for a service that was never exported.
   */
  isOnline(service?: string): boolean | undefined {
    if (service === undefined || service === "") {
      return this.#appOnline;
    }
    if (!this.#exported.has(service)) {
      return undefined;
    }
    return !this.#offlineServices.has(service);
  }

  /**
   * isServing answers what the gRPC health service reports. For `""` or no argument: started and the app
   * online. For a service: that, and the service exported and online. Undefined for a service that was never
   * exported, so the health service can answer NOT_FOUND.
   */
  isServing(service?: string): boolean | undefined {
    const appServing = this.#state === "started" && this.#appOnline;
    if (service === undefined || service === "") {
      return appServing;
    }
    const serviceOnline = this.isOnline(service);
    return serviceOnline === undefined ? undefined : appServing && serviceOnline;
  }

  /**
   * onChange subscribes `listener` to every change of state, online flags and exported services, and returns
   * the function that unsubscribes it. Listeners run synchronously, after the change is visible.
   */
  onChange(listener: LifecycleListener): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * addCheck registers a probe check under a name unique within its kind, and returns the function that
   * removes it. A check fails when it returns false, throws, rejects or runs past `timeoutMs` (default 1000).
   */
  addCheck(kind: ProbeKind, name: string, fn: ProbeCheckFn, options: ProbeCheckOptions = {}): () => void {
    const checks = this.#checks[kind];
    if (checks.has(name)) {
      throw new Error(`a ${kind} check named "${name}" is already registered`);
    }
    const timeoutMs = options.timeoutMs ?? defaultProbeCheckTimeoutMs;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new Error(`${kind} check "${name}": timeoutMs must be a positive number, got ${timeoutMs}`);
    }
    const check: ProbeCheck = { name, fn, timeoutMs };
    checks.set(name, check);
    return () => {
      if (checks.get(name) === check) {
        checks.delete(name);
      }
    };
  }

  /**
   * probe evaluates one probe kind. All checks of the kind run concurrently.
   * - liveness: every liveness check passes (no checks: pass).
   * - readiness: state is `started`, the app is online, and every readiness check passes.
   * - startup: start-up has completed (`started`, or later), and every startup check passes.
   * `failed` names the failing checks; lifecycle conditions appear as `lifecycle:state=<state>` and
   * `lifecycle:offline`.
   */
  async probe(kind: ProbeKind): Promise<ProbeResult> {
    const failed: string[] = [];
    if (kind === "readiness") {
      if (this.#state !== "started") {
        failed.push(`lifecycle:state=${this.#state}`);
      }
      if (!this.#appOnline) {
        failed.push("lifecycle:offline");
      }
    } else if (kind === "startup" && !this.#reachedStarted) {
      failed.push(`lifecycle:state=${this.#state}`);
    }
    const checks = [...this.#checks[kind].values()];
    const results = await Promise.all(checks.map(runProbeCheck));
    checks.forEach((check, index) => {
      if (results[index] !== true) {
        failed.push(check.name);
      }
    });
    return { ok: failed.length === 0, failed };
  }

  #emit(change: LifecycleChange): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(change);
      } catch (error) {
        this.#onListenerError(error, change);
      }
    }
  }
}

/** createLifecycle returns a new Lifecycle in state `starting`; see Lifecycle. */
export function createLifecycle(options: LifecycleOptions = {}): Lifecycle {
  return new Lifecycle(options);
}

function logListenerError(error: unknown, change: LifecycleChange): void {
  createJsonLogger().error({ event: "lifecycle.listener-error", change, message: errorMessage(error) });
}

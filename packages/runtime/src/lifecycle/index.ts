export {
  type ApplicationState,
  assertLegalTransition,
  isLegalTransition,
} from "./application-state.js";
export { createLifecycle, Lifecycle, type LifecycleOptions } from "./lifecycle.js";
export type { LifecycleChange, LifecycleListener } from "./lifecycle-change.js";
export {
  defaultProbeCheckTimeoutMs,
  type ProbeCheckFn,
  type ProbeCheckOptions,
  type ProbeKind,
  type ProbeResult,
} from "./probe-check.js";

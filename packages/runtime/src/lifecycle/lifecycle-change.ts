import type { ApplicationState } from "./application-state.js";

/**
 * LifecycleChange describes one change of the lifecycle, delivered to every `onChange` listener after the
 * change is visible through the getters. Listeners typically re-read `isServing()` for what they watch.
 *
 * - `state`: the application moved from `from` to `to`.
 * - `online`: the app (`service` undefined) or one service went online or offline.
 * - `service`: a service was exported (added to `services()`).
 */
export type LifecycleChange =
  | { readonly type: "state"; readonly from: ApplicationState; readonly to: ApplicationState }
  | { readonly type: "online"; readonly service: string | undefined; readonly online: boolean }
  | { readonly type: "service"; readonly service: string };

/** A function notified of every lifecycle change. */
export type LifecycleListener = (change: LifecycleChange) => void;

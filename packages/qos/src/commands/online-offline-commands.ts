import type { QosCommand, QosCommandContext, QosCommandResult } from "../qos-command.js";

/**
 * What a bare (argument-less) online/offline command changes:
 * - `app-and-services`: `online` -- the app and every exported service (undoes any offline).
 * - `app`: `offline`, `onlineApp`, `offlineApp` -- the app flag only.
 * - `services`: `onlineInterface`, `offlineInterface` -- every exported service, not the app flag.
 * With an argument, every form changes just that service.
 */
type BareScope = "app-and-services" | "app" | "services";

function setOnline(context: QosCommandContext, online: boolean, bareScope: BareScope): QosCommandResult {
  const { lifecycle } = context.options;
  const service = context.args[0];
  if (service !== undefined) {
    if (!lifecycle.setOnline(online, service)) {
      return { body: `No such service: ${service}`, status: 400 };
    }
    return { body: "OK", logFields: { service, online } };
  }
  if (bareScope !== "services") {
    lifecycle.setOnline(online);
  }
  if (bareScope !== "app") {
    for (const exported of lifecycle.services()) {
      lifecycle.setOnline(online, exported);
    }
  }
  return { body: "OK", logFields: { scope: bareScope, online } };
}

/** `online [service]`: bring the app and every service (or one service) back online. PROTECTED. */
export const onlineCommand: QosCommand = {
  name: "online",
  level: "PROTECTED",
  summary: "Bring the application and all its services online, or one service: online <service>",
  usage: "online [service]",
  run: (context) => setOnline(context, true, "app-and-services"),
};

/** `offline [service]`: take the app (or one service) out of rotation: readiness 503, health NOT_SERVING. PROTECTED. */
export const offlineCommand: QosCommand = {
  name: "offline",
  level: "PROTECTED",
  summary: "Take the application out of rotation (ready 503, health NOT_SERVING), or one service",
  usage: "offline [service]",
  run: (context) => setOnline(context, false, "app"),
};

/** `onlineApp [service]`: Dubbo alias; the app flag only (or one service). PROTECTED. */
export const onlineAppCommand: QosCommand = {
  name: "onlineApp",
  level: "PROTECTED",
  summary: "Bring the application online (not individually offlined services), or one service",
  usage: "onlineApp [service]",
  run: (context) => setOnline(context, true, "app"),
};

/** `offlineApp [service]`: Dubbo alias of `offline`. PROTECTED. */
export const offlineAppCommand: QosCommand = {
  name: "offlineApp",
  level: "PROTECTED",
  summary: "Take the application out of rotation, or one service (same as offline)",
  usage: "offlineApp [service]",
  run: (context) => setOnline(context, false, "app"),
};

/** `onlineInterface [service]`: every exported service (or one) online; the app flag is untouched. PROTECTED. */
export const onlineInterfaceCommand: QosCommand = {
  name: "onlineInterface",
  level: "PROTECTED",
  summary: "Bring every exported service online, or one service; the application flag is untouched",
  usage: "onlineInterface [service]",
  run: (context) => setOnline(context, true, "services"),
};

/** `offlineInterface [service]`: every exported service (or one) offline; readiness is untouched. PROTECTED. */
export const offlineInterfaceCommand: QosCommand = {
  name: "offlineInterface",
  level: "PROTECTED",
  summary: "Take every exported service offline (health NOT_SERVING), or one; readiness is untouched",
  usage: "offlineInterface [service]",
  run: (context) => setOnline(context, false, "services"),
};

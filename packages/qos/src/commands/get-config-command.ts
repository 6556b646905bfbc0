import { ok, type QosCommand } from "../qos-command.js";

/** `getConfig [prefix]`: the effective configuration as `key = value (source)` lines. PRIVATE (loopback only). */
export const getConfigCommand: QosCommand = {
  name: "getConfig",
  level: "PRIVATE",
  summary: "Show the effective configuration with the source of each value",
  usage: "getConfig [key-prefix]",
  async run({ options, args }) {
    if (options.getConfig === undefined) {
      return ok("No configuration available");
    }
    const prefix = args[0] ?? "";
    const entries = (await options.getConfig()).filter((entry) => entry.key.startsWith(prefix));
    if (entries.length === 0) {
      return ok(prefix === "" ? "No configuration entries" : `No configuration entries under ${prefix}`);
    }
    return ok(entries.map((entry) => `${entry.key} = ${entry.value} (${entry.source})`).join("\n"));
  },
};

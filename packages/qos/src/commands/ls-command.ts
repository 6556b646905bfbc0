import { formatTable } from "../format-table.js";
import { ok, type QosCommand } from "../qos-command.js";

/** `ls`: the application state, exported services with their online flag, and consumer references. PROTECTED. */
export const lsCommand: QosCommand = {
  name: "ls",
  level: "PROTECTED",
  summary: "List exported services (online or offline) and consumer references",
  usage: "ls",
  run({ options }) {
    const { lifecycle } = options;
    const lines = [`Application: ${lifecycle.state}, ${lifecycle.isOnline() === false ? "offline" : "online"}`];
    const services = lifecycle.services();
    lines.push("As Provider side:");
    lines.push(
      services.length === 0
        ? "  (none)"
        : formatTable(
            services.map((service) => [service, lifecycle.isOnline(service) === false ? "offline" : "online"]),
            "  ",
          ),
    );
    const references = options.listReferences();
    lines.push("As Consumer side:");
    lines.push(
      references.length === 0
        ? "  (none)"
        : formatTable(
            references.map((reference) => [reference.service, reference.address ?? ""]),
            "  ",
          ),
    );
    return ok(lines.join("\n"));
  },
};

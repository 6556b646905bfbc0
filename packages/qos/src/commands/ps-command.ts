import { formatTable } from "../format-table.js";
import { ok, type QosCommand } from "../qos-command.js";

/** `ps`: the listening ports, protocol ports first, then the QOS port. PROTECTED. */
export const psCommand: QosCommand = {
  name: "ps",
  level: "PROTECTED",
  summary: "List the listening ports (protocols and qos)",
  usage: "ps",
  run({ options, qosPort }) {
    const rows = [
      ...options.listPorts().map((port) => [port.protocol, hostLabel(port.host), String(port.port)]),
      ["qos", hostLabel(options.host), String(qosPort)],
    ];
    return ok(formatTable([["protocol", "host", "port"], ...rows]));
  },
};

function hostLabel(host: string | undefined): string {
  return host === undefined || host === "" ? "*" : host;
}

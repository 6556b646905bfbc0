import { ok, type QosCommand } from "../qos-command.js";

/** `version`: the dubbo-mesh version and the Node.js version. PROTECTED. */
export const versionCommand: QosCommand = {
  name: "version",
  level: "PROTECTED",
  summary: "Show the dubbo-mesh and Node.js versions",
  usage: "version",
  run({ options }) {
    return ok(`dubbo-mesh ${options.version}\nnode ${process.version}`);
  },
};

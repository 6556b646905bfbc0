import type { QosCommand } from "../qos-command.js";

/** `quit`: answers `BYE!` and closes the connection. PUBLIC. */
export const quitCommand: QosCommand = {
  name: "quit",
  level: "PUBLIC",
  summary: "Close the connection",
  usage: "quit",
  run() {
    return { body: "BYE!", close: true, quiet: true };
  },
};

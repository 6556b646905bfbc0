/** Fields of one log event; `event` is a stable dotted name such as `qos.started` or `qos.refused`. */
export type QosLogFields = { event: string } & Record<string, unknown>;

/**
 * QosLogger receives one event per call, by level. It has the shape of the runtime's Logger, so an
 * application passes its own logger straight through.
 */
export interface QosLogger {
  info(fields: QosLogFields): void;
  warn(fields: QosLogFields): void;
  error(fields: QosLogFields): void;
}

function writeJsonLine(level: string, fields: QosLogFields): void {
  process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level, component: "qos", ...fields })}\n`);
}

/**
 * jsonLineLogger is the default QosLogger: one JSON object per line on stdout, with `time`, `level` and
 * `component: "qos"`. It never prints stack traces; errors arrive as a `message` field.
 */
export const jsonLineLogger: QosLogger = {
  info: (fields) => writeJsonLine("info", fields),
  warn: (fields) => writeJsonLine("warn", fields),
  error: (fields) => writeJsonLine("error", fields),
};

/** errorMessage extracts a one-line message from anything thrown, for logs and response bodies. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

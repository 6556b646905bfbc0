import { createJsonLogger } from "@dubbo-mesh/runtime";

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

const base = createJsonLogger();

/**
 * jsonLineLogger is the default QosLogger: one JSON object per line on stdout, with `time`, `level` and
 * `component: "qos"`. It never prints stack traces; errors arrive as a `message` field.
 */
export const jsonLineLogger: QosLogger = {
  info: (fields) => base.info({ component: "qos", ...fields }),
  warn: (fields) => base.warn({ component: "qos", ...fields }),
  error: (fields) => base.error({ component: "qos", ...fields }),
};

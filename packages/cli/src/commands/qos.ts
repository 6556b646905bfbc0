import { millisecondsFlag, type ParsedArgs, stringFlag, UsageError } from "../args.js";
import { EXIT_FAILURE, EXIT_OK } from "../exit-codes.js";
import type { Io } from "../io.js";
import type { Command } from "./command.js";

/** Default deadline of the QOS request, in ms. */
const DEFAULT_TIMEOUT_MS = 5000;

/**
 * `dubbo-mesh qos <command> [args...]`: one HTTP GET `/<command>/<arg>...` to an application's QOS port — probes
 * (`live`, `ready`, `startup`) and commands (`ls`, `ps`, `offline`, `online`, `getConfig`, `metrics`, ...) — the
 * answer printed. It exits 0 on a 2xx answer and 1 otherwise, so `dubbo-mesh qos ready` is a readiness check.
 */
export const qosCommand: Command = {
  name: "qos",
  summary: "Run a QOS command (offline, online, ready, ls, metrics, ...) on an application's operations port.",
  usage: "qos <command> [args...] [flags]",
  description: [
    "Sends GET /<command>/<args...> to the QOS port and prints the answer. Probes: live, ready, startup (200 true " +
      "or 503 false). Commands: help, ls, ps, version, online, offline (optionally for one service), getConfig, " +
      "metrics. Only loopback clients may run every command; others are refused with 403.",
    "--qos defaults to 127.0.0.1 and the port in DUBBO_APPLICATION_QOS_PORT, else 22222.",
    "Exit codes: 0 for a 2xx answer (printed on standard output); 1 for any other answer or an unreachable port " +
      "(the status and body on standard error); 2 bad command line.",
  ],
  options: {
    qos: {
      type: "string",
      valueName: "host:port",
      description: "The QOS address (http://host:port works too). Default 127.0.0.1:22222.",
    },
    timeout: {
      type: "string",
      valueName: "ms",
      description: `Deadline of the request in ms; 0 = none. Default ${DEFAULT_TIMEOUT_MS}.`,
    },
  },
  examples: [
    "dubbo-mesh qos ready",
    "dubbo-mesh qos offline",
    "dubbo-mesh qos offline greet.v1.GreeterService --qos 127.0.0.1:22222",
    "dubbo-mesh qos metrics --qos 10.0.0.7:22222",
  ],
  run: runQos,
};

/** Turns `--qos` into the base URL of QOS requests. */
function qosBase(text: string): URL {
  const withScheme = /^https?:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`--qos '${text}' is not host:port`);
  }
  if (url.pathname !== "/" || url.search !== "" || url.port === "") {
    throw new UsageError(`--qos '${text}' must be host:port (e.g. 127.0.0.1:22222)`);
  }
  return url;
}

async function runQos(args: ParsedArgs, io: Io): Promise<number> {
  const [command, ...rest] = args.positionals;
  if (command === undefined || command === "") throw new UsageError("missing <command> (e.g. ready, offline, ls)");
  const port = io.env.DUBBO_APPLICATION_QOS_PORT || "22222";
  const base = qosBase(stringFlag(args, "qos") ?? `127.0.0.1:${port}`);
  const timeout = millisecondsFlag(args, "timeout", DEFAULT_TIMEOUT_MS);
  const url = new URL([command, ...rest].map(encodeURIComponent).join("/"), base);
  let response: Response;
  let body: string;
  try {
    response = await fetch(url, { signal: timeout > 0 ? AbortSignal.timeout(timeout) : undefined });
    body = (await response.text()).trimEnd();
  } catch (e) {
    const reason = e instanceof Error ? describeFetchError(e) : String(e);
    io.err(`qos ${command}: cannot reach QOS at ${base.host}: ${reason}`);
    return EXIT_FAILURE;
  }
  if (response.ok) {
    io.out(body);
    return EXIT_OK;
  }
  io.err(`qos ${command}: ${response.status} ${response.statusText}${body === "" ? "" : `: ${body}`}`);
  return EXIT_FAILURE;
}

function describeFetchError(e: Error): string {
  if (e.name === "TimeoutError") return "no answer within the timeout";
  const cause = (e as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : e.message;
}

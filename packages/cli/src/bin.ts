#!/usr/bin/env node
/**
 * The `dubbo-mesh` executable: runs the command line and exits with the command's code. Anything unexpected is
 * printed as one line (no stack trace unless DEBUG is set) and exits 1.
 */
import { errorMessage } from "@dubbo-mesh/runtime";
import { processIo } from "./io.js";
import { runCli } from "./run.js";

try {
  process.exitCode = await runCli(process.argv.slice(2), processIo());
} catch (e) {
  const text = process.env.DEBUG && e instanceof Error ? (e.stack ?? e.message) : errorMessage(e);
  process.stderr.write(`dubbo-mesh: ${text}\n`);
  process.exitCode = 1;
}

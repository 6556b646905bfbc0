/**
 * Where a command writes and what it may read: standard output for results, standard error for diagnostics. Commands
 * take an `Io` instead of touching `process`, so the dispatcher decides the streams and tests could capture them.
 */
export interface Io {
  /** Writes one result line (a newline is added) to standard output. */
  out(text: string): void;
  /** Writes one diagnostic line (a newline is added) to standard error. */
  err(text: string): void;
  /** The environment (defaults such as `DUBBO_APPLICATION_QOS_PORT` come from here). */
  readonly env: NodeJS.ProcessEnv;
  /** Reads all of standard input as text (for `invoke ... -`). */
  readStdin(): Promise<string>;
}

/** The `Io` of this process: `process.stdout`, `process.stderr`, `process.env` and `process.stdin`. */
export function processIo(): Io {
  return {
    out: (text) => void process.stdout.write(`${text}\n`),
    err: (text) => void process.stderr.write(`${text}\n`),
    env: process.env,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

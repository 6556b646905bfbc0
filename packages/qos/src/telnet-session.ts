import type { Socket } from "node:net";
import type { PeerAccess } from "./access-control.js";
import type { CommandExecutor } from "./command-executor.js";
import type { QosLogger } from "./qos-logger.js";

/** The telnet prompt, as Dubbo's. */
export const telnetPrompt = "dubbo>";

/** The longest telnet line accepted, in bytes; a longer one closes the connection. */
export const maxTelnetLineBytes = 8 * 1024;

/** Answer bytes a client may leave unread before the session stops reading its next lines. */
const maxUnreadAnswerBytes = 64 * 1024;

/** Options of a telnet session. */
export interface TelnetSessionOptions {
  /** Print a welcome line before the first prompt (for a client that connected and stayed silent). */
  greet: boolean;
  /** Time a line may take from its first byte to its newline, in ms; a slower one closes the connection. */
  lineTimeoutMs: number;
  /** Where the session reports a client it closed for breaking a limit. */
  logger: QosLogger;
}

// Telnet negotiation (IAC ...) is stripped: IAC SB ... IAC SE, IAC WILL/WONT/DO/DONT <option>, IAC <command>.
// A sequence cut off at the end of a chunk does not match yet and stays in #pending until the rest arrives.
const telnetNegotiation = /\xff\xfa[\s\S]*?\xff\xf0|\xff[\xfb-\xfe][\s\S]|\xff[\xf0-\xf9\xff]/g;

/**
 * TelnetSession serves the line protocol of the QOS port: a `dubbo>` prompt, one `command arg...` per line,
 * the answer, the prompt again. Lines are handled one at a time, in order. `quit` answers `BYE!` and closes.
 * What a client can make it hold is bounded: a line longer than maxTelnetLineBytes, or one not finished within
 * lineTimeoutMs, ends the session (reading stops at once and the socket is destroyed); and while lines wait for
 * their turn, or answers wait for the client to read them, the session reads nothing more.
 */
export class TelnetSession {
  readonly #socket: Socket;
  readonly #access: PeerAccess;
  readonly #executor: CommandExecutor;
  // Received bytes as latin1 text (one char per byte) not yet split into lines.
  #pending = "";
  readonly #lines: string[] = [];
  // Invariant: #busy is true while a line is being executed; lines arriving meanwhile wait in #lines.
  #busy = false;
  #closed = false;
  readonly #lineTimeoutMs: number;
  readonly #logger: QosLogger;
  // Invariant: #lineTimer runs exactly while #pending holds the start of an unfinished line.
  #lineTimer: NodeJS.Timeout | undefined;
  readonly #onData = (chunk: Buffer): void => this.#receive(chunk);

  /** Starts a session on a socket whose first bytes (if any) were already unshifted back into it. */
  constructor(socket: Socket, access: PeerAccess, executor: CommandExecutor, options: TelnetSessionOptions) {
    this.#socket = socket;
    this.#access = access;
    this.#executor = executor;
    this.#lineTimeoutMs = options.lineTimeoutMs;
    this.#logger = options.logger;
    socket.on("data", this.#onData);
    socket.on("close", () => {
      this.#closed = true;
      clearTimeout(this.#lineTimer);
    });
    socket.on("drain", () => this.#resumeIfIdle());
    const welcome = options.greet ? "Welcome to the dubbo-mesh QOS port. Type help for the commands.\r\n" : "";
    this.#write(`${welcome}${telnetPrompt}`);
    socket.resume();
  }

  #receive(chunk: Buffer): void {
    if (this.#closed) {
      return;
    }
    this.#pending += chunk.toString("latin1");
    this.#pending = this.#pending.replace(telnetNegotiation, "");
    let newline = this.#pending.indexOf("\n");
    while (newline >= 0) {
      this.#lines.push(this.#pending.slice(0, newline));
      this.#pending = this.#pending.slice(newline + 1);
      newline = this.#pending.indexOf("\n");
    }
    if (this.#pending.length > maxTelnetLineBytes) {
      this.#bye("Line too long, bye.", "qos.telnet-line-too-long");
      return;
    }
    if (this.#pending === "") {
      clearTimeout(this.#lineTimer);
      this.#lineTimer = undefined;
    } else if (this.#lineTimer === undefined) {
      this.#lineTimer = setTimeout(
        () => this.#bye("Line not finished in time, bye.", "qos.telnet-line-timeout"),
        this.#lineTimeoutMs,
      );
      this.#lineTimer.unref();
    }
    if (this.#lines.length > 0) {
      this.#socket.pause(); // one line at a time: read on once the queue is empty (see #resumeIfIdle)
      void this.#drain();
    }
  }

  /** Ends the session on a client that broke a limit: no more reading, a last line, the socket destroyed. */
  #bye(message: string, event: string): void {
    this.#closed = true;
    clearTimeout(this.#lineTimer);
    this.#lines.length = 0;
    this.#pending = "";
    const socket = this.#socket;
    socket.off("data", this.#onData);
    socket.pause();
    this.#logger.warn({ event, peer: this.#access.peer });
    // The last line goes out (best effort: unread input may turn the close into a reset), then the socket is gone.
    if (socket.writable) socket.end(`\r\n${message}\r\n`, () => socket.destroy());
    else socket.destroy();
    setTimeout(() => socket.destroy(), 1000).unref(); // a client that reads nothing does not hold it either
  }

  async #drain(): Promise<void> {
    if (this.#busy) {
      return;
    }
    this.#busy = true;
    try {
      let raw = this.#lines.shift();
      while (raw !== undefined && !this.#closed) {
        await this.#handleLine(Buffer.from(raw, "latin1").toString("utf8").trim());
        raw = this.#lines.shift();
      }
    } finally {
      this.#busy = false;
    }
    this.#resumeIfIdle();
  }

  /** Reads on once every line was answered and the client has read the answers. */
  #resumeIfIdle(): void {
    if (
      !this.#closed &&
      !this.#busy &&
      this.#lines.length === 0 &&
      this.#socket.writableLength <= maxUnreadAnswerBytes
    ) {
      this.#socket.resume();
    }
  }

  async #handleLine(line: string): Promise<void> {
    if (line === "") {
      this.#write(telnetPrompt);
      return;
    }
    const [name = "", ...args] = line.split(/\s+/);
    const result = await this.#executor.execute({ name, args, access: this.#access, transport: "telnet" });
    const text = result.body.replace(/\r?\n/g, "\r\n").replace(/\r\n$/, "");
    if (result.close) {
      this.#write(`${text}\r\n`);
      this.#closed = true;
      this.#socket.end();
      return;
    }
    this.#write(`${text}\r\n${telnetPrompt}`);
  }

  #write(text: string): void {
    if (!this.#closed && this.#socket.writable) {
      this.#socket.write(text);
    }
  }
}

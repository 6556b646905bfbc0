import type { Socket } from "node:net";
import type { PeerAccess } from "./access-control.js";
import type { CommandExecutor } from "./command-executor.js";

/** The telnet prompt, as Dubbo's. */
export const telnetPrompt = "dubbo>";

/** The longest telnet line accepted, in bytes; a longer one closes the connection. */
export const maxTelnetLineBytes = 8 * 1024;

// Telnet negotiation (IAC ...) is stripped: IAC SB ... IAC SE, IAC WILL/WONT/DO/DONT <option>, IAC <command>.
// A sequence cut off at the end of a chunk does not match yet and stays in #pending until the rest arrives.
const telnetNegotiation = /\xff\xfa[\s\S]*?\xff\xf0|\xff[\xfb-\xfe][\s\S]|\xff[\xf0-\xf9\xff]/g;

/**
 * TelnetSession serves the line protocol of the QOS port: a `dubbo>` prompt, one `command arg...` per line,
 * the answer, the prompt again. Lines are handled one at a time, in order. `quit` answers `BYE!` and closes.
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

  /**
   * Starts a session on a socket whose first bytes (if any) were already unshifted back into it. `greet`
   * prints a welcome line before the first prompt (for a client that connected and stayed silent).
   */
  constructor(socket: Socket, access: PeerAccess, executor: CommandExecutor, greet: boolean) {
    this.#socket = socket;
    this.#access = access;
    this.#executor = executor;
    socket.on("data", (chunk: Buffer) => this.#receive(chunk));
    socket.on("close", () => {
      this.#closed = true;
    });
    this.#write(`${greet ? "Welcome to the dubbo-mesh QOS port. Type help for the commands.\r\n" : ""}${telnetPrompt}`);
    socket.resume();
  }

  #receive(chunk: Buffer): void {
    this.#pending += chunk.toString("latin1");
    this.#pending = this.#pending.replace(telnetNegotiation, "");
    let newline = this.#pending.indexOf("\n");
    while (newline >= 0) {
      this.#lines.push(this.#pending.slice(0, newline));
      this.#pending = this.#pending.slice(newline + 1);
      newline = this.#pending.indexOf("\n");
    }
    if (this.#pending.length > maxTelnetLineBytes) {
      this.#write("\r\nLine too long, bye.\r\n");
      this.#socket.end();
      this.#closed = true;
      return;
    }
    void this.#drain();
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

import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { errorMessage } from "@dubbo-mesh/runtime";
import { foreignPeerRefusal, type PeerAccess, resolvePeerAccess } from "./access-control.js";
import { CommandExecutor } from "./command-executor.js";
import { builtinCommands } from "./commands/index.js";
import { forbiddenHttpResponse, handleHttpRequest } from "./http-handler.js";
import { type QosOptions, type ValidatedQosOptions, validateQosOptions } from "./qos-options.js";
import { TelnetSession } from "./telnet-session.js";

// node:http through process.getBuiltinModule, not an import: the ES module facade of node:http reads every export,
// and one of them loads Node's bundled undici (fetch) — ~40 ms of every start-up, for nothing used here.
const { createServer: createHttpServer } = process.getBuiltinModule("node:http");

/** QosServer is the operations port: probes, commands and metrics over HTTP and telnet on one TCP port. */
export interface QosServer {
  /** start binds the port and resolves with the bound port (useful with port 0). Rejects if it is taken. */
  start(): Promise<{ port: number }>;
  /** stop closes the port and every open connection. Safe to call twice, or before start. */
  stop(): Promise<void>;
}

// Access of each accepted HTTP socket, read by the request handler of the shared node:http server.
type AccessBySocket = WeakMap<Socket, PeerAccess>;

/**
 * createQosServer returns a QOS server for the options (validated now; bad options throw). HTTP and telnet
 * share the port: the first byte decides, as in Dubbo. `G` or `P` is HTTP; anything else, or silence for
 * protocolDetectMs, is telnet.
 *
 * @example
 * const qos = createQosServer({ lifecycle, metrics, port: 22222 });
 * await qos.start(); // curl localhost:22222/ready
 */
export function createQosServer(input: QosOptions): QosServer {
  const options = validateQosOptions(input);
  let boundPort = options.port;
  const executor = new CommandExecutor(options, builtinCommands, () => boundPort);
  const sockets = new Set<Socket>();
  const accessBySocket: AccessBySocket = new WeakMap();
  const http = createHttpHandler(options, executor, accessBySocket);
  let server: Server | undefined;

  const onConnection = (socket: Socket): void => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
    socket.on("error", (error) => {
      options.logger.warn({ event: "qos.connection-error", peer: socket.remoteAddress, message: error.message });
    });
    const access = resolvePeerAccess(socket.remoteAddress, options);
    socket.setTimeout(options.idleTimeoutMs, () => {
      options.logger.info({ event: "qos.idle-timeout", peer: access.peer });
      socket.destroy();
    });
    detectProtocol(socket, options.protocolDetectMs, (protocol, silent) => {
      if (!access.accepted) {
        refuse(socket, protocol, access, options);
      } else if (protocol === "http") {
        accessBySocket.set(socket, access);
        http.emit("connection", socket);
        socket.resume();
      } else {
        new TelnetSession(socket, access, executor, silent);
      }
    });
  };

  return {
    start() {
      if (server !== undefined) {
        return Promise.reject(new Error("the QOS server is already started"));
      }
      const listening = createServer({ pauseOnConnect: true }, onConnection);
      server = listening;
      return new Promise((resolve, reject) => {
        let isListening = false;
        listening.on("error", (error) => {
          if (isListening) {
            options.logger.error({ event: "qos.server-error", port: boundPort, message: error.message });
            return;
          }
          server = undefined;
          options.logger.error({ event: "qos.start-failed", port: options.port, message: error.message });
          reject(new Error(`QOS port ${options.port} (dubbo.application.qos-port): ${error.message}`));
        });
        listening.listen({ port: options.port, host: options.host }, () => {
          isListening = true;
          boundPort = (listening.address() as AddressInfo).port;
          options.logger.info({ event: "qos.started", host: options.host ?? "*", port: boundPort });
          resolve({ port: boundPort });
        });
      });
    },
    async stop() {
      const listening = server;
      server = undefined;
      if (listening === undefined) {
        return;
      }
      const closed = new Promise<void>((resolve) => listening.close(() => resolve()));
      for (const socket of sockets) {
        socket.destroy();
      }
      await closed;
      options.logger.info({ event: "qos.stopped", port: boundPort });
    },
  };
}

function createHttpHandler(
  options: ValidatedQosOptions,
  executor: CommandExecutor,
  accessBySocket: AccessBySocket,
): HttpServer {
  const http = createHttpServer({ requestTimeout: 30_000 }, (request, response) => {
    const access = accessBySocket.get(request.socket);
    if (access === undefined) {
      response.destroy();
      return;
    }
    handleHttpRequest(request, response, access, executor).catch((error: unknown) => {
      options.logger.error({ event: "qos.http-failed", peer: access.peer, message: errorMessage(error) });
      response.destroy();
    });
  });
  http.on("clientError", (error, socket) => {
    options.logger.warn({ event: "qos.http-bad-request", message: error.message });
    if (socket.writable) {
      socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
    } else {
      socket.destroy();
    }
  });
  return http;
}

/**
 * detectProtocol waits for the first bytes (or for `timeoutMs` of silence), puts them back into the socket
 * and reports which protocol to speak. The socket arrives paused (pauseOnConnect).
 */
function detectProtocol(
  socket: Socket,
  timeoutMs: number,
  dispatch: (protocol: "http" | "telnet", silent: boolean) => void,
): void {
  let decided = false;
  const decide = (chunk: Buffer | undefined): void => {
    if (decided) {
      return;
    }
    decided = true;
    clearTimeout(timer);
    socket.off("data", onData);
    socket.pause();
    if (chunk !== undefined) {
      socket.unshift(chunk);
    }
    const first = chunk?.[0];
    dispatch(first === 0x47 || first === 0x50 ? "http" : "telnet", chunk === undefined);
  };
  const onData = (chunk: Buffer): void => decide(chunk);
  const timer = setTimeout(() => decide(undefined), timeoutMs);
  socket.on("data", onData);
  socket.once("close", () => {
    decided = true;
    clearTimeout(timer);
  });
  socket.resume();
}

function refuse(socket: Socket, protocol: "http" | "telnet", access: PeerAccess, options: ValidatedQosOptions): void {
  options.logger.warn({ event: "qos.refused", peer: access.peer, transport: protocol });
  // Drain whatever the client still sends so that closing does not reset the connection before it reads.
  socket.on("data", () => {});
  socket.resume();
  socket.end(protocol === "http" ? forbiddenHttpResponse() : `${foreignPeerRefusal}\r\n`);
  setTimeout(() => socket.destroy(), 1000).unref();
}

import type { Server as HttpServer } from "node:http";
import { type AddressInfo, createServer, type Server, type Socket } from "node:net";
import { createHttp1Server, errorMessage } from "@dubbo-mesh/runtime";
import { foreignPeerRefusal, type PeerAccess, resolvePeerAccess } from "./access-control.js";
import { CommandExecutor } from "./command-executor.js";
import { builtinCommands } from "./commands/index.js";
import { forbiddenHttpResponse, handleHttpRequest } from "./http-handler.js";
import { type QosOptions, type ValidatedQosOptions, validateQosOptions } from "./qos-options.js";
import { TelnetSession } from "./telnet-session.js";

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
 * protocolDetectMs, is telnet. Since anyone who can reach the port gets this far, every connection is bounded: at
 * most maxConnections at once, closed after idleTimeoutMs of silence, and a request or line that takes longer than
 * requestTimeoutMs from its first byte ends the connection.
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
  let http: HttpServer | undefined;
  let server: Server | undefined;
  // Connections refused over maxConnections since the last log line; logged at most once a second.
  let dropped = 0;
  let dropLog: NodeJS.Timeout | undefined;
  const onDrop = (): void => {
    dropped++;
    dropLog ??= setTimeout(() => {
      options.logger.warn({ event: "qos.connections-dropped", count: dropped, maxConnections: options.maxConnections });
      dropped = 0;
      dropLog = undefined;
    }, 1000).unref();
  };

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
      } else if (protocol === "http" && http !== undefined) {
        accessBySocket.set(socket, access);
        http.emit("connection", socket);
        socket.resume();
      } else if (protocol === "http") {
        socket.destroy(); // the server stopped meanwhile
      } else {
        new TelnetSession(socket, access, executor, {
          greet: silent,
          lineTimeoutMs: options.requestTimeoutMs,
          logger: options.logger,
        });
      }
    });
  };

  return {
    start() {
      if (server !== undefined) {
        return Promise.reject(new Error("the QOS server is already started"));
      }
      const listening = createServer({ pauseOnConnect: true }, onConnection);
      listening.maxConnections = options.maxConnections;
      listening.on("drop", onDrop);
      server = listening;
      http = createHttpHandler(options, executor, accessBySocket);
      return new Promise((resolve, reject) => {
        let isListening = false;
        listening.on("error", (error) => {
          if (isListening) {
            options.logger.error({ event: "qos.server-error", port: boundPort, message: error.message });
            return;
          }
          server = undefined;
          http?.close();
          http = undefined;
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
      http?.close(); // stops its slow-request sweep
      http = undefined;
      clearTimeout(dropLog);
      dropLog = undefined;
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
  // The whole request within requestTimeoutMs, headers included (QOS requests are small: a path, a form).
  const limit = Math.ceil(options.requestTimeoutMs);
  const http = createHttp1Server({ headersTimeout: limit, requestTimeout: limit }, (request, response) => {
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
  http.on("clientError", (error: NodeJS.ErrnoException, socket) => {
    const timedOut = error.code === "ERR_HTTP_REQUEST_TIMEOUT";
    options.logger.warn({
      event: timedOut ? "qos.http-request-timeout" : "qos.http-bad-request",
      message: error.message,
    });
    if (socket.writable) {
      const status = timedOut ? "408 Request Timeout" : "400 Bad Request";
      // Then closed, not half-closed: a client that trickles on must not keep the socket.
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`, () => socket.destroy());
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

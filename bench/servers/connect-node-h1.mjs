/**
 * Benchmark server: plain @connectrpc/connect-node on node:http (HTTP/1.1) — `connectNodeAdapter` with the bench
 * greeter on `http.createServer`, for the HTTP/1.1 JSON row: its Connect protocol's unary call is the same exchange
 * as Triple's (`POST /<service>/<method>`, `application/json` body, JSON reply).
 */
import http from "node:http";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { connectGreeter } from "../lib/connect-greeter.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";

const handler = connectNodeAdapter({ routes: (router) => router.service(GreeterService, connectGreeter()) });
const server = http.createServer(handler);
server.listen(requestedPort(), "127.0.0.1", () => announceListening(server.address().port, () => server.close()));

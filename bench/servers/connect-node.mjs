/**
 * Benchmark server: plain @connectrpc/connect-node — `connectNodeAdapter` with the bench greeter on
 * `http2.createServer` (cleartext HTTP/2), nothing else.
 */
import http2 from "node:http2";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { connectGreeter } from "../lib/connect-greeter.mjs";
import { GreeterService } from "../lib/greet-schema.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";

const handler = connectNodeAdapter({ routes: (router) => router.service(GreeterService, connectGreeter()) });
const server = http2.createServer(handler);
server.listen(requestedPort(), "127.0.0.1", () => announceListening(server.address().port, () => server.close()));

/**
 * Benchmark server: a minimal Triple HTTP/1.1 JSON unary server on node:http — the practical limit of a Node server
 * for the HTTP/1.1 JSON row. `POST /greet.v1.GreeterService/Greet` with an `application/json` body: read it, parse
 * it with @bufbuild/protobuf's JSON (`fromJsonString`, the codec every contestant uses), answer the greeting as JSON.
 * No deadlines, headers, limits beyond a size cap, or error mapping beyond 400/404/413.
 */
import http from "node:http";
import { create, fromJsonString, toJsonString } from "@bufbuild/protobuf";
import { GreetRequestSchema, GreetResponseSchema } from "../lib/greet-schema.mjs";
import { greeting } from "../lib/greeting.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";

const GREET = "/greet.v1.GreeterService/Greet";
const MAX_REQUEST = 4 * 1024 * 1024;

function reply(res, status, body) {
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

const server = http.createServer((req, res) => {
  if (req.method !== "POST" || req.url !== GREET) {
    req.resume();
    reply(res, 404, '{"code":"unimplemented"}');
    return;
  }
  const chunks = [];
  let size = 0;
  req.on("data", (chunk) => {
    size += chunk.length;
    if (size <= MAX_REQUEST) chunks.push(chunk);
  });
  req.on("end", () => {
    if (size > MAX_REQUEST) return reply(res, 413, '{"code":"resource_exhausted"}');
    let name;
    try {
      name = fromJsonString(GreetRequestSchema, Buffer.concat(chunks).toString("utf8")).name;
    } catch {
      return reply(res, 400, '{"code":"invalid_argument"}');
    }
    reply(res, 200, toJsonString(GreetResponseSchema, create(GreetResponseSchema, { greeting: greeting(name) })));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(requestedPort(), "127.0.0.1", () => announceListening(server.address().port, () => server.close()));

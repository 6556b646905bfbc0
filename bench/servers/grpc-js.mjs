/**
 * Benchmark server: @grpc/grpc-js with raw serialize/deserialize functions over @bufbuild/protobuf's
 * toBinary/fromBinary and the generated schemas, so its serialization cost equals every other contestant's. With the
 * `DUBBO_SSL_SERVER_*` env of the TLS rows it serves TLS (`ServerCredentials.createSsl`).
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { GreetRequestSchema, GreetResponseSchema } from "../lib/greet-schema.mjs";
import { clientStreamGreeting, greeting, streamCount, streamGreeting } from "../lib/greeting.mjs";
import { announceListening, requestedPort } from "../lib/server-main.mjs";
import { serverTlsFromEnv } from "../lib/tls-certs.mjs";

const serialize = (msg) => {
  const bytes = toBinary(GreetResponseSchema, msg);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
};
const deserialize = (buf) => fromBinary(GreetRequestSchema, buf);
const method = (name, requestStream, responseStream) => ({
  path: `/greet.v1.GreeterService/${name}`,
  requestStream,
  responseStream,
  requestSerialize: (msg) => Buffer.from(toBinary(GreetRequestSchema, msg)),
  requestDeserialize: deserialize,
  responseSerialize: serialize,
  responseDeserialize: (buf) => fromBinary(GreetResponseSchema, buf),
});
const reply = (text) => create(GreetResponseSchema, { greeting: text });

const server = new grpc.Server();
server.addService(
  {
    greet: method("Greet", false, false),
    greetStream: method("GreetStream", false, true),
    greetClientStream: method("GreetClientStream", true, false),
    greetBidi: method("GreetBidi", true, true),
  },
  {
    greet(call, callback) {
      callback(null, reply(greeting(call.request.name)));
    },
    greetStream(call) {
      const n = streamCount(call.request.name);
      for (let i = 1; i <= n; i++) call.write(reply(streamGreeting(i)));
      call.end();
    },
    greetClientStream(call, callback) {
      let count = 0;
      call.on("data", () => count++);
      call.on("end", () => callback(null, reply(clientStreamGreeting(count))));
    },
    greetBidi(call) {
      call.on("data", (req) => call.write(reply(greeting(req.name))));
      call.on("end", () => call.end());
    },
  },
);
const tls = serverTlsFromEnv();
const credentials = tls
  ? grpc.ServerCredentials.createSsl(null, [{ private_key: tls.key, cert_chain: tls.cert }])
  : grpc.ServerCredentials.createInsecure();
server.bindAsync(`127.0.0.1:${requestedPort()}`, credentials, (err, port) => {
  if (err) throw err;
  announceListening(port, () => server.forceShutdown());
});

import type * as http2 from "node:http2";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { ConnectError } from "@connectrpc/connect";
import { grpc } from "@dubbo-mesh/protocol";
import type { GrpcCall } from "./grpc-call.js";

/**
 * Sends the request messages of a streaming call as the caller's iterable yields them, then half-closes the stream.
 * Respects write backpressure: when the stream's buffer is full (`write` returns false) it waits for 'drain' before
 * asking the iterable for the next message, so a fast producer is held to the pace HTTP/2 flow control allows.
 * Stops as soon as the call has ended (the iterable is then closed by `for await`'s return); a message that does not
 * serialize, or an iterable that throws, fails the call.
 */
export async function sendMessages<I extends DescMessage>(
  stream: http2.ClientHttp2Stream,
  call: GrpcCall<DescMessage>,
  codec: grpc.Codec,
  input: AsyncIterable<MessageInitShape<I>>,
): Promise<void> {
  try {
    for await (const message of input) {
      if (call.ended) break;
      if (!stream.write(grpc.frameMessage(codec.serialize(message)))) await drained(stream);
      if (call.ended) break;
    }
    if (!call.ended && !stream.closed) stream.end();
  } catch (e) {
    call.fail(ConnectError.from(e));
  }
}

/** Resolves when the stream can take more data, or has closed. */
function drained(stream: http2.ClientHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

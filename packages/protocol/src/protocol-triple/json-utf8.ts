import { isUtf8 } from "node:buffer";
import type { DescMessage } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";

/**
 * Refuses a JSON request body that is not valid UTF-8 with INVALID_ARGUMENT (HTTP 400), in the words of the gRPC
 * `+json` codec: protobuf's JSON mapping requires UTF-8, and decoding the bytes leniently would hand the handler
 * U+FFFD in place of what the caller sent (binary protobuf refuses the same bytes in a string field).
 */
export function assertJsonUtf8(bytes: Uint8Array, desc: DescMessage): void {
  if (!isUtf8(bytes)) {
    throw new ConnectError(`cannot decode message ${desc.typeName} from JSON: invalid UTF-8`, Code.InvalidArgument);
  }
}

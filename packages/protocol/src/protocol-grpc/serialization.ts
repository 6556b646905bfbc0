import { isUtf8 } from "node:buffer";
import {
  type BinaryReadOptions,
  type BinaryWriteOptions,
  create,
  type DescMessage,
  fromBinary,
  fromJson,
  type JsonReadOptions,
  type JsonWriteOptions,
  type MessageShape,
  toBinary,
  toJson,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import type { GrpcCodecKind } from "./content-type.js";

/** Serializes and parses the messages of one type in one codec. */
export interface Codec<Desc extends DescMessage = DescMessage> {
  /** Parses a message; throws the ConnectError a peer should get (see `createCodec`). */
  parse(bytes: Uint8Array): MessageShape<Desc>;
  /** Serializes a message, or the init shape of one (a plain object, as handlers may return). */
  serialize(message: unknown): Uint8Array;
  /**
   * JSON codecs only: serializes to the JSON text itself, for a body that goes out as a string (node:http writes a
   * string body and the response head in one write, and skips encoding it first).
   */
  serializeText?(message: unknown): string;
}

/** Options of the codecs: @bufbuild/protobuf's own, binary and JSON. */
export interface CodecOptions {
  binary?: Partial<BinaryReadOptions & BinaryWriteOptions>;
  json?: Partial<JsonReadOptions & JsonWriteOptions>;
}

/** The message of a value, made one of `desc` if it is an init shape (as connect normalizes a handler's return). */
export function normalizeMessage<Desc extends DescMessage>(desc: Desc, value: unknown): MessageShape<Desc> {
  const v = value as { $typeName?: string } | null | undefined;
  if (v !== null && typeof v === "object" && v.$typeName === desc.typeName) return v as MessageShape<Desc>;
  return create(desc, v as never);
}

/**
 * Creates the codec of a message type. Binary: @bufbuild/protobuf's wire format, unknown fields kept; bytes that
 * are not such a message are INTERNAL (`parse binary: ...`), as gRPC servers and connect answer. JSON: protobuf's
 * JSON mapping, unknown fields ignored (as connect does); bytes that are not UTF-8 — which the JSON mapping requires
 * — and JSON that is not the message are INVALID_ARGUMENT. A message that cannot be serialized is INTERNAL.
 */
export function createCodec<Desc extends DescMessage>(
  desc: Desc,
  kind: GrpcCodecKind,
  options: CodecOptions = {},
): Codec<Desc> {
  if (kind === "proto") {
    // Without options of its own, none are passed: @bufbuild/protobuf's defaults (unknown fields kept, both ways) are
    // these, and an options object costs an Object.assign per message.
    const read: Partial<BinaryReadOptions> | undefined = options.binary && {
      readUnknownFields: true,
      ...options.binary,
    };
    const write: Partial<BinaryWriteOptions> | undefined = options.binary && { ...options.binary };
    return {
      parse(bytes) {
        try {
          return fromBinary(desc, bytes, read);
        } catch (e) {
          throw new ConnectError(`parse binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
        }
      },
      serialize(message) {
        try {
          return toBinary(desc, normalizeMessage(desc, message), write);
        } catch (e) {
          throw new ConnectError(`serialize binary: ${e instanceof Error ? e.message : String(e)}`, Code.Internal);
        }
      },
    };
  }
  const read: Partial<JsonReadOptions> = { ignoreUnknownFields: true, ...options.json };
  const write: Partial<JsonWriteOptions> = { ...options.json };
  const serializeText = (message: unknown): string => {
    try {
      return JSON.stringify(toJson(desc, normalizeMessage(desc, message), write));
    } catch (e) {
      throw ConnectError.from(e, Code.Internal);
    }
  };
  return {
    parse(bytes) {
      // isUtf8 and a lenient decode of checked bytes: the same as a fatal TextDecoder, at a fraction of its cost.
      if (!isUtf8(bytes)) {
        throw new ConnectError(`cannot decode message ${desc.typeName} from JSON: invalid UTF-8`, Code.InvalidArgument);
      }
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        throw new ConnectError(
          `cannot decode message ${desc.typeName} from JSON: ${e instanceof Error ? e.message : String(e)}`,
          Code.InvalidArgument,
        );
      }
      try {
        return fromJson(desc, json as never, read);
      } catch (e) {
        throw ConnectError.from(e, Code.InvalidArgument);
      }
    },
    serialize(message) {
      return Buffer.from(serializeText(message));
    },
    serializeText,
  };
}

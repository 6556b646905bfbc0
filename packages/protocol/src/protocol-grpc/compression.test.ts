import { gunzipSync, gzipSync } from "node:zlib";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { compress, decompress, parseEncoding, parseResponseEncoding, responseEncoding } from "./compression.js";

async function rejection(p: Promise<unknown>): Promise<ConnectError> {
  try {
    await p;
  } catch (e) {
    return ConnectError.from(e);
  }
  throw new Error("did not reject");
}

describe("grpc-encoding", () => {
  it("reads identity, gzip (any case) and absent; anything else is UNIMPLEMENTED naming what is accepted", () => {
    expect(parseEncoding(undefined)).toBe("identity");
    expect(parseEncoding("identity")).toBe("identity");
    expect(parseEncoding("gzip")).toBe("gzip");
    expect(parseEncoding("GZip")).toBe("gzip");
    const error = parseEncoding("br");
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.Unimplemented);
    expect((error as ConnectError).rawMessage).toBe(
      'unsupported grpc-encoding "br": this server accepts gzip,identity',
    );
  });

  it("answers gzip only to a gzip request whose client accepts gzip", () => {
    expect(responseEncoding("gzip", "identity, gzip")).toBe("gzip");
    expect(responseEncoding("gzip", "identity")).toBe("identity");
    expect(responseEncoding("gzip", undefined)).toBe("identity");
    expect(responseEncoding("identity", "gzip")).toBe("identity");
  });
});

describe("decompress / compress", () => {
  it("round-trips through gzip", async () => {
    const data = Buffer.from("hello ".repeat(100));
    const packed = await compress(data);
    expect(gunzipSync(packed).equals(data)).toBe(true);
    expect(Buffer.from(await decompress("gzip", packed, 1000)).equals(data)).toBe(true);
  });

  it("stops inflating at the limit: RESOURCE_EXHAUSTED naming it", async () => {
    const bomb = gzipSync(Buffer.alloc(1 << 20));
    const error = await rejection(decompress("gzip", bomb, 1000));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.rawMessage).toBe("message size is larger than configured readMaxBytes 1000 after decompression");
    expect(await decompress("gzip", gzipSync(Buffer.alloc(1000)), 1000)).toHaveLength(1000);
  });

  it("bytes that are not gzip are INTERNAL; a compressed message without an encoding is INTERNAL", async () => {
    const bad = await rejection(decompress("gzip", new Uint8Array([1, 2, 3]), 1000));
    expect(bad.code).toBe(Code.Internal);
    expect(bad.rawMessage).toMatch(/^decompression failed/);
    const none = await rejection(decompress("identity", new Uint8Array([1]), 1000));
    expect(none.code).toBe(Code.Internal);
    expect(none.rawMessage).toMatch(/compressed envelope, but no grpc-encoding/);
  });

  it("a response's grpc-encoding: identity, gzip or absent; one the client did not offer is INTERNAL", () => {
    expect(parseResponseEncoding(undefined)).toBe("identity");
    expect(parseResponseEncoding("GZIP")).toBe("gzip");
    const e = parseResponseEncoding("br");
    expect(e).toBeInstanceOf(ConnectError);
    expect((e as ConnectError).code).toBe(Code.Internal);
    expect((e as ConnectError).rawMessage).toMatch(/"br" was not offered/);
  });
});

import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError, type Consumer } from "@dubbo-mesh/consumer";
import { reflection } from "@dubbo-mesh/protocol";

type Request = MessageInitShape<typeof reflection.ServerReflectionRequestSchema>;
type Response = reflection.ServerReflectionResponse;

/** Per-call settings of reflection requests. */
export interface ReflectionCallOptions {
  /** Request metadata (the user's `--metadata`, so an authenticating proxy lets reflection through too). */
  readonly headers: Headers;
}

/**
 * The questions `invoke` asks a server's `grpc.reflection.v1.ServerReflection`. Every method opens one bidi stream,
 * writes its requests, closes the sending side and reads one answer per request (servers answer in order).
 */
export interface ReflectionClient {
  /** Fully-qualified names of every service the server lists. */
  listServices(): Promise<string[]>;
  /**
   * The file declaring `symbol` (a service, method or message), usually followed by its dependencies. Fails with
   * NOT_FOUND, carrying the server's message, when the server does not know the symbol.
   */
  fileContainingSymbol(symbol: string): Promise<FileDescriptorProto[]>;
  /** Files by name, with whatever dependencies the server adds; names the server does not know are left out. */
  filesByName(names: readonly string[]): Promise<FileDescriptorProto[]>;
}

async function* each<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}

/**
 * A reflection client over a consumer reference to `url`. Reflection always travels as gRPC over HTTP/2 (it is a
 * bidi stream), whatever protocol the method call itself uses. A server without reflection fails with
 * UNIMPLEMENTED and a message saying that `invoke` needs it.
 */
export function createReflectionClient(
  consumer: Consumer,
  url: string,
  options: ReflectionCallOptions,
): ReflectionClient {
  const client = consumer.reference(reflection.ServerReflection, { url });
  const ask = async (requests: readonly Request[]): Promise<Response[]> => {
    const answers: Response[] = [];
    try {
      for await (const answer of client.serverReflectionInfo(each(requests), { headers: options.headers })) {
        answers.push(answer);
      }
    } catch (e) {
      const err = ConnectError.from(e);
      if (err.code !== Code.Unimplemented) throw err;
      throw new ConnectError(
        `${url} does not serve grpc.reflection.v1.ServerReflection, which invoke needs to learn the schema (${err.rawMessage})`,
        Code.Unimplemented,
      );
    }
    return answers;
  };
  return {
    async listServices() {
      const [answer] = await ask([{ messageRequest: { case: "listServices", value: "" } }]);
      const r = answer?.messageResponse;
      if (r?.case === "listServicesResponse") return r.value.service.map((s) => s.name);
      throw unexpected(r, "list_services");
    },
    async fileContainingSymbol(symbol) {
      const [answer] = await ask([{ messageRequest: { case: "fileContainingSymbol", value: symbol } }]);
      const r = answer?.messageResponse;
      if (r?.case === "fileDescriptorResponse") return decode(r.value.fileDescriptorProto);
      throw unexpected(r, `file_containing_symbol ${symbol}`);
    },
    async filesByName(names) {
      if (names.length === 0) return [];
      const answers = await ask(names.map((name) => ({ messageRequest: { case: "fileByFilename", value: name } })));
      return answers.flatMap((a) =>
        a.messageResponse.case === "fileDescriptorResponse" ? decode(a.messageResponse.value.fileDescriptorProto) : [],
      );
    },
  };
}

function decode(files: readonly Uint8Array[]): FileDescriptorProto[] {
  return files.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

function unexpected(r: Response["messageResponse"] | undefined, question: string): ConnectError {
  if (r?.case === "errorResponse") {
    const code = r.value.errorCode in Code ? (r.value.errorCode as Code) : Code.Unknown;
    return new ConnectError(r.value.errorMessage || `reflection ${question} failed`, code);
  }
  return new ConnectError(
    `reflection ${question}: the server sent no usable answer (${r?.case ?? "none"})`,
    Code.Internal,
  );
}

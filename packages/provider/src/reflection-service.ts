import { type DescFile, type DescService, toBinary } from "@bufbuild/protobuf";
import { nestedTypes } from "@bufbuild/protobuf/reflect";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { Code, type reflection } from "@dubbo-mesh/protocol";

type Request = reflection.ServerReflectionRequest;
type ResponseInit = Omit<reflection.ServerReflectionResponse, "$typeName" | "originalRequest"> & {
  originalRequest?: Request;
};

/** The symbols and files that reflection can describe, built once from the exported services. */
class DescriptorIndex {
  readonly #files = new Map<string, DescFile>();
  readonly #bySymbol = new Map<string, DescFile>();

  constructor(services: readonly DescService[]) {
    for (const service of services) this.#addFile(service.file);
  }

  #addFile(file: DescFile): void {
    const name = file.proto.name;
    if (this.#files.has(name)) return;
    this.#files.set(name, file);
    for (const type of nestedTypes(file)) {
      this.#bySymbol.set(type.typeName, file);
      if (type.kind === "service") for (const m of type.methods) this.#bySymbol.set(`${type.typeName}.${m.name}`, file);
    }
    for (const dep of file.dependencies) this.#addFile(dep);
  }

  /** The file and its transitive dependencies as serialized FileDescriptorProtos, the file first. */
  serialize(file: DescFile): Uint8Array[] {
    const out: Uint8Array[] = [];
    const seen = new Set<string>();
    const visit = (f: DescFile) => {
      if (seen.has(f.proto.name)) return;
      seen.add(f.proto.name);
      out.push(toBinary(FileDescriptorProtoSchema, f.proto));
      for (const dep of f.dependencies) visit(dep);
    };
    visit(file);
    return out;
  }

  byName(name: string): DescFile | undefined {
    return this.#files.get(name);
  }

  bySymbol(symbol: string): DescFile | undefined {
    return this.#bySymbol.get(symbol);
  }
}

/**
 * Creates `grpc.reflection.v1.ServerReflection` over the services a provider exports (including health and itself), so
 * grpcurl, grpc_cli, Postman and `dubbo-mesh invoke` can discover and call methods without the .proto files.
 * Extensions are not indexed: those requests answer NOT_FOUND.
 */
export function createReflectionService(
  services: () => readonly DescService[],
): ServiceImpl<typeof reflection.ServerReflection> {
  let index: DescriptorIndex | undefined;
  const answer = (req: Request): ResponseInit => {
    index ??= new DescriptorIndex(services());
    const r = req.messageRequest;
    const notFound = (what: string): ResponseInit => ({
      validHost: req.host,
      originalRequest: req,
      messageResponse: {
        case: "errorResponse",
        value: {
          $typeName: "grpc.reflection.v1.ErrorResponse",
          errorCode: Code.NotFound,
          errorMessage: `${what} not found`,
        },
      },
    });
    const files = (file: DescFile | undefined, what: string): ResponseInit =>
      file
        ? {
            validHost: req.host,
            originalRequest: req,
            messageResponse: {
              case: "fileDescriptorResponse",
              value: {
                $typeName: "grpc.reflection.v1.FileDescriptorResponse",
                fileDescriptorProto: index?.serialize(file) ?? [],
              },
            },
          }
        : notFound(what);
    switch (r.case) {
      case "listServices":
        return {
          validHost: req.host,
          originalRequest: req,
          messageResponse: {
            case: "listServicesResponse",
            value: {
              $typeName: "grpc.reflection.v1.ListServiceResponse",
              service: services().map((s) => ({ $typeName: "grpc.reflection.v1.ServiceResponse", name: s.typeName })),
            },
          },
        };
      case "fileByFilename":
        return files(index.byName(r.value), `file ${r.value}`);
      case "fileContainingSymbol":
        return files(index.bySymbol(r.value), `symbol ${r.value}`);
      case "fileContainingExtension":
        return notFound(`extension ${r.value.containingType}/${r.value.extensionNumber}`);
      case "allExtensionNumbersOfType":
        return notFound(`extensions of ${r.value}`);
      default:
        return notFound("request kind");
    }
  };
  return {
    async *serverReflectionInfo(requests) {
      for await (const req of requests) yield answer(req);
    },
  };
}

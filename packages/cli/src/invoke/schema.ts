import { create, createFileRegistry, type DescFile, type FileRegistry } from "@bufbuild/protobuf";
import { protoCamelCase } from "@bufbuild/protobuf/reflect";
import {
  type DescriptorProto,
  type FileDescriptorProto,
  FileDescriptorSetSchema,
  file_google_protobuf_any,
  file_google_protobuf_api,
  file_google_protobuf_descriptor,
  file_google_protobuf_duration,
  file_google_protobuf_empty,
  file_google_protobuf_field_mask,
  file_google_protobuf_source_context,
  file_google_protobuf_struct,
  file_google_protobuf_timestamp,
  file_google_protobuf_type,
  file_google_protobuf_wrappers,
} from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@dubbo-mesh/consumer";
import type { ReflectionClient } from "./reflection-client.js";

/** Well-known types bundled with @bufbuild/protobuf, used when a server does not return one it imports. */
const bundled: ReadonlyMap<string, FileDescriptorProto> = new Map(
  [
    file_google_protobuf_any,
    file_google_protobuf_api,
    file_google_protobuf_descriptor,
    file_google_protobuf_duration,
    file_google_protobuf_empty,
    file_google_protobuf_field_mask,
    file_google_protobuf_source_context,
    file_google_protobuf_struct,
    file_google_protobuf_timestamp,
    file_google_protobuf_type,
    file_google_protobuf_wrappers,
  ].map((file: DescFile) => [file.proto.name, file.proto]),
);

/** Rounds of "ask for the imports still missing" before giving up (a server answering in circles). */
const MAX_ROUNDS = 16;

/**
 * Learns the schema around `symbol` through reflection: the file declaring it and every file it imports, directly
 * or not (asked for by name when the server did not send them; well-known types fall back to the bundled copies),
 * as one `FileRegistry`. Fails with NOT_FOUND when the server does not know the symbol or an import.
 */
export async function loadSchema(client: ReflectionClient, symbol: string): Promise<FileRegistry> {
  const files = new Map<string, FileDescriptorProto>();
  const add = (list: readonly FileDescriptorProto[]) => {
    for (const f of list) if (!files.has(f.name)) files.set(f.name, f);
  };
  add(await client.fileContainingSymbol(symbol));
  for (let round = 0; ; round++) {
    const missing = [...new Set([...files.values()].flatMap((f) => f.dependency))].filter((n) => !files.has(n));
    if (missing.length === 0) break;
    if (round === MAX_ROUNDS) throw notFound(missing, files);
    add(await client.filesByName(missing));
    add(missing.flatMap((name) => bundled.get(name) ?? []));
    const still = missing.filter((n) => !files.has(n));
    if (still.length > 0) throw notFound(still, files);
  }
  for (const file of files.values()) fillJsonNames(file.messageType);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: dependenciesFirst(files) }));
}

/**
 * Gives every field its JSON name. protoc always fills `json_name` in, but descriptors built by protobufjs (what
 * @grpc/proto-loader hands to @grpc/reflection) leave it empty, and @bufbuild/protobuf takes it as given: the JSON
 * would have `""` keys. The default is protobuf's own lowerCamelCase of the field name.
 */
function fillJsonNames(messages: readonly DescriptorProto[]): void {
  for (const message of messages) {
    for (const field of message.field) if (!field.jsonName) field.jsonName = protoCamelCase(field.name);
    fillJsonNames(message.nestedType);
  }
}

function notFound(names: readonly string[], files: ReadonlyMap<string, FileDescriptorProto>): ConnectError {
  const importers = [...files.values()].filter((f) => f.dependency.some((d) => names.includes(d))).map((f) => f.name);
  return new ConnectError(
    `reflection: the server does not provide ${names.join(", ")} (imported by ${importers.join(", ")})`,
    Code.NotFound,
  );
}

/** Orders files so that each comes after everything it imports, as `createFileRegistry` needs for a set. */
function dependenciesFirst(files: ReadonlyMap<string, FileDescriptorProto>): FileDescriptorProto[] {
  const ordered: FileDescriptorProto[] = [];
  const visited = new Set<string>();
  const visit = (file: FileDescriptorProto) => {
    if (visited.has(file.name)) return;
    visited.add(file.name);
    for (const dep of file.dependency) {
      const d = files.get(dep);
      if (d) visit(d);
    }
    ordered.push(file);
  };
  for (const file of files.values()) visit(file);
  return ordered;
}

import { create, createFileRegistry, type DescMethodUnary, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema, file_google_protobuf_struct, type ValueSchema } from "@bufbuild/protobuf/wkt";

/**
 * A generic method: Dubbo's call of an interface method without a .proto. Its request is the JSON array of the
 * arguments (`["Dubbo"]`), its response the JSON of the return value; both travel as `google.protobuf.Value`, whose
 * JSON mapping is any JSON value, so `application/json` bodies are exactly what Dubbo Java documents.
 */
export type GenericMethod = DescMethodUnary<typeof ValueSchema, typeof ValueSchema>;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Checks a Java interface name (`org.apache.dubbo.samples.api.GreetingsService`) for use as a service name: dotted
 * identifiers. Throws naming what is wrong.
 */
export function checkInterfaceName(interfaceName: string): void {
  if (!interfaceName.split(".").every((part) => identifier.test(part))) {
    throw new Error(
      `invalid interface name "${interfaceName}": expected dotted identifiers (letters, digits, _), e.g. org.example.GreetingsService`,
    );
  }
}

/**
 * Builds the service descriptor of an interface service called generically: one method per name, each taking and
 * answering `google.protobuf.Value` (see `GenericMethod`). The path of a method is `/<interfaceName>/<method>`, as
 * Dubbo routes interface services. Throws naming a bad interface or method name.
 */
export function createGenericService(interfaceName: string, methodNames: readonly string[]): DescService {
  checkInterfaceName(interfaceName);
  for (const name of methodNames) {
    if (!identifier.test(name)) throw new Error(`invalid method name "${name}" of ${interfaceName}`);
  }
  const dot = interfaceName.lastIndexOf(".");
  const pkg = dot === -1 ? "" : interfaceName.slice(0, dot);
  const serviceName = interfaceName.slice(dot + 1);
  const file = create(FileDescriptorProtoSchema, {
    name: `dubbo-mesh/generic/${interfaceName}.proto`,
    package: pkg,
    dependency: [file_google_protobuf_struct.proto.name],
    syntax: "proto3",
    service: [
      {
        name: serviceName,
        method: methodNames.map((name) => ({
          name,
          inputType: ".google.protobuf.Value",
          outputType: ".google.protobuf.Value",
        })),
      },
    ],
  });
  const registry = createFileRegistry(file, (name) =>
    name === file_google_protobuf_struct.proto.name ? file_google_protobuf_struct : undefined,
  );
  const service = registry.getService(interfaceName);
  if (!service) throw new Error(`internal: no descriptor built for ${interfaceName}`);
  return service;
}

const cache = new Map<string, GenericMethod>();

/** The generic method `method` of `interfaceName` (descriptors made once per pair). */
export function genericMethod(interfaceName: string, method: string): GenericMethod {
  const key = `${interfaceName}/${method}`;
  let found = cache.get(key);
  if (!found) {
    found = createGenericService(interfaceName, [method]).methods[0] as GenericMethod;
    cache.set(key, found);
  }
  return found;
}

import type * as grpc from "@grpc/grpc-js";

/** Metadata as a plain object (first value per key; binary `-bin` values as Buffer). */
export type MetadataRecord = Record<string, string | Buffer>;

/** Converts grpc-js metadata to a {@link MetadataRecord}, keeping the first value of each key. */
export function toRecord(metadata: grpc.Metadata | undefined): MetadataRecord {
  const record: MetadataRecord = {};
  for (const [key, value] of Object.entries(metadata?.getMap() ?? {})) {
    record[key] = value;
  }
  return record;
}

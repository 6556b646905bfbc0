/**
 * The identity of an exported service: its fully-qualified protobuf name plus Dubbo's version and group.
 * An empty string means "none". Always compared field by field — never concatenated into one string, so
 * `("a.B", "1", "0")` and `("a.B", "10", "")` can never collide.
 */
export interface ServiceKey {
  readonly service: string;
  readonly version: string;
  readonly group: string;
}

/** Builds a ServiceKey, treating undefined version/group as none. */
export function serviceKey(service: string, version?: string, group?: string): ServiceKey {
  return { service, version: version ?? "", group: group ?? "" };
}

/** A human-readable form for logs and errors (`greet.v1.GreeterService version=1.0.0 group=a`); not a map key. */
export function formatServiceKey(key: ServiceKey): string {
  let s = key.service;
  if (key.version !== "") s += ` version=${key.version}`;
  if (key.group !== "") s += ` group=${key.group}`;
  return s;
}

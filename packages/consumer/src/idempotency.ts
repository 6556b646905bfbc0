import type { DescMethod } from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";

/** Which methods of a reference are idempotent: all (`true`), none (`false`), or those named (`["Greet"]`). */
export type IdempotentOption = boolean | readonly string[];

/**
 * Creates the test of whether a failed call of a method may run again even though the provider may have executed it.
 * A method is idempotent when the reference says so (`true`, or its name — the proto name "Greet" or the local name
 * "greet" — is listed), or when its proto declares `option idempotency_level = IDEMPOTENT` or `NO_SIDE_EFFECTS`.
 */
export function idempotencyOf(option: IdempotentOption = false): (method: DescMethod) => boolean {
  const names = typeof option === "boolean" ? undefined : new Set(option);
  return (method) =>
    option === true ||
    (names !== undefined && (names.has(method.name) || names.has(method.localName))) ||
    method.idempotency === MethodOptions_IdempotencyLevel.IDEMPOTENT ||
    method.idempotency === MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS;
}

/**
 * Normalises a configuration key to its canonical kebab-case spelling. Each dot-separated segment written in
 * camelCase becomes kebab-case (`qosAcceptForeignIp` -> `qos-accept-foreign-ip`, `qosAcceptForeignIP` likewise) and
 * the whole key is lower-cased; surrounding whitespace is dropped.
 */
export function canonicalKey(key: string): string {
  return key
    .trim()
    .split(".")
    .map((segment) =>
      segment
        .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
        .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
        .toLowerCase(),
    )
    .join(".");
}

/** The camelCase spelling of a canonical kebab-case key (`qos-accept-foreign-ip` -> `qosAcceptForeignIp`). */
export function camelKey(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_match, c: string) => c.toUpperCase());
}

/**
 * Environment variable names that set a canonical key, preferred first: the key upper-cased with `.` and `-` as `_`
 * (`dubbo.application.qos-accept-foreign-ip` -> `DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP`), then, when different,
 * the env form of the camelCase spelling (`DUBBO_APPLICATION_QOSACCEPTFOREIGNIP`).
 */
export function envNamesFor(key: string): string[] {
  const kebab = key.replace(/[.-]/g, "_").toUpperCase();
  const camel = camelKey(key).replace(/[.-]/g, "_").toUpperCase();
  return kebab === camel ? [kebab] : [kebab, camel];
}

const SECRET_KEY =
  /(password|passwd|secret|token|credential|private-key|key-store|keystore|trust-store|truststore|api-key|access-key)/i;

/**
 * True when a key's value should be masked when displayed (passwords, secrets, tokens, key and trust stores). A key
 * ending in `-path` names the file a secret is in, not the secret, and is shown.
 */
export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key) && !key.endsWith("-path");
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_v, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The known key closest to `key` by edit distance, or undefined when none is close enough to be a plausible typo
 * (distance at most a quarter of the key's length, and at least 2 allowed).
 */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  const limit = Math.max(2, Math.floor(key.length / 4));
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const distance = editDistance(key, candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return bestDistance <= limit ? best : undefined;
}

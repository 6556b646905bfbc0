import type { X509Certificate } from "node:crypto";

/**
 * Who the other end of a TLS connection proved to be: the names of its verified certificate. For a workload in a
 * SPIFFE mesh (Istio, SPIRE) `spiffeId` is the identity (`spiffe://cluster.local/ns/default/sa/greeter`).
 */
export interface PeerIdentity {
  /** The certificate's first `spiffe://` URI SAN, if any. */
  readonly spiffeId: string | undefined;
  /** Every URI SAN. */
  readonly uris: readonly string[];
  /** Every DNS SAN. */
  readonly dnsNames: readonly string[];
  /** Every IP address SAN. */
  readonly ipAddresses: readonly string[];
  /** The subject's distinguished name, one `attribute=value` per line as Node prints it (e.g. `CN=greeter`). */
  readonly subject: string;
  /** SHA-256 fingerprint of the certificate, `AB:CD:...`. */
  readonly fingerprint256: string;
}

/** The identity a certificate states: its SANs by kind and its subject. */
export function peerIdentityOf(cert: X509Certificate): PeerIdentity {
  const sans = parseSubjectAltName(cert.subjectAltName ?? "");
  const uris = sans.filter((s) => s.kind === "URI").map((s) => s.value);
  return {
    spiffeId: uris.find((u) => u.toLowerCase().startsWith("spiffe://")),
    uris,
    dnsNames: sans.filter((s) => s.kind === "DNS").map((s) => s.value),
    ipAddresses: sans.filter((s) => s.kind === "IP Address").map((s) => s.value),
    subject: cert.subject,
    fingerprint256: cert.fingerprint256,
  };
}

/** One entry of a subjectAltName as Node prints it: `DNS:a.example`, `URI:spiffe://td/x`, `IP Address:10.0.0.1`. */
export interface SubjectAltName {
  readonly kind: string;
  readonly value: string;
}

/**
 * Parses Node's subjectAltName text (`DNS:a, URI:spiffe://td/x, IP Address:1.2.3.4`). Node quotes a value that
 * contains a comma or a quote as a JSON string (`URI:"spiffe://td/a,b"`), so a comma inside one never splits it.
 */
export function parseSubjectAltName(text: string): SubjectAltName[] {
  const out: SubjectAltName[] = [];
  let i = 0;
  while (i < text.length) {
    while (text[i] === " " || text[i] === ",") i++;
    const colon = text.indexOf(":", i);
    if (colon < 0) break;
    const kind = text.slice(i, colon);
    let value: string;
    if (text[colon + 1] === '"') {
      let j = colon + 2;
      while (j < text.length && text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const quoted = text.slice(colon + 1, j + 1);
      try {
        value = JSON.parse(quoted) as string;
      } catch {
        value = quoted.slice(1, -1);
      }
      i = j + 1;
    } else {
      const comma = text.indexOf(", ", colon + 1);
      const end = comma < 0 ? text.length : comma;
      value = text.slice(colon + 1, end);
      i = end;
    }
    out.push({ kind, value });
  }
  return out;
}

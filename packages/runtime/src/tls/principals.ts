import type { PeerIdentity } from "./peer-identity.js";

/**
 * Who may call, as Istio's AuthorizationPolicy `source.principals` and trust domains name workloads:
 * - `principals`: SPIFFE IDs, written `spiffe://cluster.local/ns/default/sa/web` or in Istio's form without the scheme
 *   (`cluster.local/ns/default/sa/web`); one `*` at the start or the end matches any prefix or suffix
 *   (`cluster.local/ns/default/*`), a lone `*` any verified identity;
 * - `trustDomains`: any SPIFFE ID of these trust domains (`cluster.local`).
 * A peer is allowed when it matches any entry of either list.
 */
export interface PrincipalRule {
  principals?: readonly string[];
  trustDomains?: readonly string[];
}

/** The trust domain of a SPIFFE ID (`spiffe://cluster.local/ns/x` -> `cluster.local`), or undefined. */
export function trustDomainOf(spiffeId: string): string | undefined {
  const m = /^spiffe:\/\/([^/]+)/i.exec(spiffeId);
  return m?.[1]?.toLowerCase();
}

/** Whether a peer's identity satisfies a rule; a peer without a verified SPIFFE ID matches only a lone `*`. */
export function matchesPrincipalRule(rule: PrincipalRule, peer: PeerIdentity | undefined): boolean {
  if (peer === undefined) return false;
  const id = peer.spiffeId;
  for (const pattern of rule.principals ?? []) {
    if (pattern === "*") return true;
    if (id !== undefined && matchesPattern(stripScheme(pattern), stripScheme(id))) return true;
  }
  if (id === undefined) return false;
  const domain = trustDomainOf(id);
  return (rule.trustDomains ?? []).some((d) => d.toLowerCase() === domain);
}

/** Checks a rule's entries, throwing an Error that names the bad one: no empty names, at most one `*` at an end. */
export function checkPrincipalRule(rule: PrincipalRule, where: string): void {
  for (const p of rule.principals ?? []) {
    const inner = p.slice(1, -1);
    if (p.trim() === "" || inner.includes("*") || (p.length > 1 && p.startsWith("*") && p.endsWith("*"))) {
      throw new Error(`${where}: principal ${JSON.stringify(p)} is not a SPIFFE ID or a pattern with one * at an end`);
    }
  }
  for (const d of rule.trustDomains ?? []) {
    if (!/^[a-z0-9._-]+$/i.test(d)) throw new Error(`${where}: trust domain ${JSON.stringify(d)} is not a domain name`);
  }
}

function stripScheme(id: string): string {
  return id.replace(/^spiffe:\/\//i, "");
}

function matchesPattern(pattern: string, id: string): boolean {
  if (pattern.endsWith("*")) return id.startsWith(pattern.slice(0, -1));
  if (pattern.startsWith("*")) return id.endsWith(pattern.slice(1));
  return pattern === id;
}

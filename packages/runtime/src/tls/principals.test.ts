import { describe, expect, it } from "vitest";
import type { PeerIdentity } from "./peer-identity.js";
import { parseSubjectAltName } from "./peer-identity.js";
import { checkPrincipalRule, matchesPrincipalRule, trustDomainOf } from "./principals.js";

const peer = (spiffeId: string | undefined): PeerIdentity => ({
  spiffeId,
  uris: spiffeId ? [spiffeId] : [],
  dnsNames: [],
  ipAddresses: [],
  subject: "CN=web",
  fingerprint256: "",
});

describe("principal rules (Istio AuthorizationPolicy principals)", () => {
  const web = peer("spiffe://cluster.local/ns/default/sa/web");
  it("matches SPIFFE IDs with or without the scheme, and * at one end", () => {
    expect(matchesPrincipalRule({ principals: ["cluster.local/ns/default/sa/web"] }, web)).toBe(true);
    expect(matchesPrincipalRule({ principals: ["spiffe://cluster.local/ns/default/sa/web"] }, web)).toBe(true);
    expect(matchesPrincipalRule({ principals: ["cluster.local/ns/default/*"] }, web)).toBe(true);
    expect(matchesPrincipalRule({ principals: ["*/sa/web"] }, web)).toBe(true);
    expect(matchesPrincipalRule({ principals: ["cluster.local/ns/other/*"] }, web)).toBe(false);
    expect(matchesPrincipalRule({ principals: ["cluster.local/ns/default/sa/we"] }, web)).toBe(false);
  });
  it("matches trust domains; nobody without a verified identity, except for a lone *", () => {
    expect(matchesPrincipalRule({ trustDomains: ["cluster.local"] }, web)).toBe(true);
    expect(matchesPrincipalRule({ trustDomains: ["other.example"] }, web)).toBe(false);
    expect(matchesPrincipalRule({ trustDomains: ["cluster.local"] }, undefined)).toBe(false);
    expect(matchesPrincipalRule({ principals: ["*"] }, peer(undefined))).toBe(true);
    expect(matchesPrincipalRule({ principals: ["*"] }, undefined)).toBe(false);
    expect(trustDomainOf("spiffe://Cluster.Local/ns/a")).toBe("cluster.local");
  });
  it("refuses patterns with a * inside and empty names", () => {
    expect(() => checkPrincipalRule({ principals: ["cluster.local/*/sa/web"] }, "x")).toThrow(/one \* at an end/);
    expect(() => checkPrincipalRule({ principals: [""] }, "x")).toThrow(/principal ""/);
    expect(() => checkPrincipalRule({ trustDomains: ["a/b"] }, "x")).toThrow(/trust domain "a\/b"/);
  });
});

describe("parseSubjectAltName", () => {
  it("splits Node's text by entry and keeps quoted commas", () => {
    expect(parseSubjectAltName('DNS:a.example, URI:"spiffe://td/a,b", IP Address:10.0.0.1')).toEqual([
      { kind: "DNS", value: "a.example" },
      { kind: "URI", value: "spiffe://td/a,b" },
      { kind: "IP Address", value: "10.0.0.1" },
    ]);
    expect(parseSubjectAltName("")).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { camelKey, canonicalKey, closestKey, envNamesFor, isSecretKey } from "./key-names.js";

describe("canonicalKey", () => {
  it("turns camelCase segments into kebab-case", () => {
    expect(canonicalKey("dubbo.application.qosAcceptForeignIp")).toBe("dubbo.application.qos-accept-foreign-ip");
    expect(canonicalKey("dubbo.application.qosAcceptForeignIP")).toBe("dubbo.application.qos-accept-foreign-ip");
    expect(canonicalKey("dubbo.application.metadataServicePort")).toBe("dubbo.application.metadata-service-port");
    expect(canonicalKey("dubbo.shutdownHook.listenIgnore")).toBe("dubbo.shutdown-hook.listen-ignore");
  });

  it("leaves kebab-case keys alone and trims", () => {
    expect(canonicalKey("  dubbo.application.qos-accept-foreign-ip ")).toBe("dubbo.application.qos-accept-foreign-ip");
    expect(canonicalKey("dubbo.service.shutdown.wait")).toBe("dubbo.service.shutdown.wait");
  });
});

describe("camelKey", () => {
  it("is the inverse spelling", () => {
    expect(camelKey("dubbo.application.qos-accept-foreign-ip")).toBe("dubbo.application.qosAcceptForeignIp");
  });
});

describe("envNamesFor", () => {
  it("upper-cases with . and - as _, then the camel form", () => {
    expect(envNamesFor("dubbo.protocol.port")).toEqual(["DUBBO_PROTOCOL_PORT"]);
    expect(envNamesFor("dubbo.application.qos-accept-foreign-ip")).toEqual([
      "DUBBO_APPLICATION_QOS_ACCEPT_FOREIGN_IP",
      "DUBBO_APPLICATION_QOSACCEPTFOREIGNIP",
    ]);
    expect(envNamesFor("dubbo.service.shutdown.wait.seconds")).toEqual(["DUBBO_SERVICE_SHUTDOWN_WAIT_SECONDS"]);
  });
});

describe("isSecretKey", () => {
  it("recognises secret-looking keys", () => {
    for (const key of [
      "dubbo.ssl.server-key-password",
      "dubbo.x.token",
      "dubbo.x.client-secret",
      "dubbo.ssl.key-store",
    ]) {
      expect(isSecretKey(key), key).toBe(true);
    }
    expect(isSecretKey("dubbo.application.qos-accept-foreign-ip-whitelist")).toBe(false);
    expect(isSecretKey("dubbo.protocol.port")).toBe(false);
  });
});

describe("closestKey", () => {
  const known = ["dubbo.protocol.port", "dubbo.application.qos-port", "dubbo.consumer.timeout"];
  it("suggests a near miss", () => {
    expect(closestKey("dubbo.protocol.prot", known)).toBe("dubbo.protocol.port");
    expect(closestKey("dubbo.consumer.timeuot", known)).toBe("dubbo.consumer.timeout");
  });
  it("suggests nothing for an unrelated key", () => {
    expect(closestKey("dubbo.zzz.qqqqqqqqqq", known)).toBeUndefined();
  });
});

import { hostname, networkInterfaces } from "node:os";

/** The host labels of Dubbo's metrics: `hostname` and `ip`. */
export interface HostIdentity {
  readonly hostname: string;
  readonly ip: string;
}

/**
 * hostIdentity names this host as Dubbo's metrics do (NetUtils.getLocalHostName / getLocalHost): the host name, and
 * the first non-internal IPv4 address (else IPv6, else 127.0.0.1) — in a pod, the pod's address.
 */
export function hostIdentity(): HostIdentity {
  const addresses = Object.values(networkInterfaces())
    .flat()
    .filter((a) => a !== undefined && !a.internal);
  const ip = addresses.find((a) => a?.family === "IPv4") ?? addresses.find((a) => a?.family === "IPv6");
  return { hostname: hostname(), ip: ip?.address ?? "127.0.0.1" };
}

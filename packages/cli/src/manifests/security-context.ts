import type { IPodSecurityContext } from "kubernetes-models/v1/PodSecurityContext";
import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";

/** UID and GID of the `node` user in the official Node.js images, which the sample Dockerfile runs as. */
export const NODE_USER_ID = 1000;

/** Pod-level: never root, the runtime's default seccomp profile. */
export function podSecurityContext(): IPodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: NODE_USER_ID,
    runAsGroup: NODE_USER_ID,
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/**
 * Container-level: no privilege escalation, no Linux capabilities (the ports are above 1024), and a read-only root
 * file system: a dubbo-mesh application writes only to stdout.
 */
export function containerSecurityContext(): ISecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ["ALL"] },
  };
}

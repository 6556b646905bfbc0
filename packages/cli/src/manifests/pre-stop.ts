/** How long the preStop hook waits for the QOS `offline` reply; it runs alongside the sleep, not before it. */
export const PRE_STOP_OFFLINE_TIMEOUT_MS = 2000;

/**
 * The preStop exec command: take the application offline through its QOS port on loopback (loopback may run every
 * command; `/ready` then answers 503 and the gRPC health service NOT_SERVING, so kubelet and Envoy's active health
 * checks drain it), then keep the container alive for `sleepSeconds` so balancers stop sending before SIGTERM.
 *
 * It is one `node -e` process, not `sh -c "curl ...; sleep"`: `node:*-slim` images have neither curl nor wget, and
 * distroless Node images have no shell. `fetch` and the sleep start together; a failed or refused `offline` (QOS
 * disabled, say) still sleeps, because draining by time alone is better than none.
 */
export function preStopCommand(qosPort: number, sleepSeconds: number): string[] {
  const offline = `http://127.0.0.1:${qosPort}/offline`;
  const script =
    `fetch(${JSON.stringify(offline)},{signal:AbortSignal.timeout(${PRE_STOP_OFFLINE_TIMEOUT_MS})})` +
    `.then((r)=>r.text()).catch(()=>"");setTimeout(()=>{},${sleepSeconds * 1000})`;
  return ["node", "-e", script];
}

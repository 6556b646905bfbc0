import { createProvider, type ProviderOptions } from "@dubbo-mesh/provider";
import { silentLogger } from "@dubbo-mesh/runtime";
import { contractGreeter } from "./contract-greeter.js";
import { GreeterService } from "./greeter-proto.js";

/** A dubbo-mesh provider on 127.0.0.1 serving the greeter contract, for tests. */
export interface TestProvider {
  readonly port: number;
  readonly target: string;
  readonly url: string;
  close(): Promise<void>;
}

/** Starts a provider on a free loopback port with the contract greeter (unversioned) and optional extra setup. */
export async function startContractProvider(
  options: ProviderOptions = {},
  setup?: (p: ReturnType<typeof createProvider>) => void,
): Promise<TestProvider> {
  const provider = createProvider({ port: 0, host: "127.0.0.1", logger: silentLogger, ...options });
  if (setup) setup(provider);
  else provider.service(GreeterService, contractGreeter());
  const { port } = await provider.start();
  return {
    port,
    target: `127.0.0.1:${port}`,
    url: `http://127.0.0.1:${port}`,
    close: () => provider.stop({ graceMs: 1000 }),
  };
}

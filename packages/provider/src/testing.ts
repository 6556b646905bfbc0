/**
 * @dubbo-mesh/provider/testing — serving without a port, for tests of service implementations and interceptors. Its
 * own entry point, so that the provider's main entry does not load connect's protocol handlers at start-up.
 */
export {
  createInMemoryTransport,
  type InMemoryServices,
  type InMemoryTransportOptions,
} from "./in-memory-transport.js";

import * as grpc from "@grpc/grpc-js";
import { healthServiceDefinition } from "../peers/protos.js";

/** A grpc-js client of grpc.health.v1.Health: Check, and Watch collecting statuses as they arrive. */
export interface GrpcJsHealthClient {
  check(service: string): Promise<string>;
  watch(service: string): { statuses: string[]; ended: Promise<string>; cancel(): void };
  close(): void;
}

/** Creates a health client for `host:port` with @grpc/grpc-js (an independent implementation). */
export function createGrpcJsHealthClient(target: string): GrpcJsHealthClient {
  const Ctor = grpc.makeGenericClientConstructor(healthServiceDefinition(), "Health");
  const client = new Ctor(target, grpc.credentials.createInsecure()) as grpc.Client & Record<string, CallableFunction>;
  return {
    check(service) {
      return new Promise((resolve, reject) => {
        client.Check({ service }, (err: grpc.ServiceError | null, res: { status: string }) => {
          if (err) reject(err);
          else resolve(res.status);
        });
      });
    },
    watch(service) {
      const statuses: string[] = [];
      const call = client.Watch({ service }) as grpc.ClientReadableStream<{ status: string }>;
      call.on("data", (m: { status: string }) => statuses.push(m.status));
      const ended = new Promise<string>((resolve) => {
        call.on("status", (s: grpc.StatusObject) => resolve(grpc.status[s.code] ?? String(s.code)));
        call.on("error", () => {});
      });
      return { statuses, ended, cancel: () => call.cancel() };
    },
    close: () => client.close(),
  };
}

import type * as http from "node:http";
import type * as http2 from "node:http2";

/** A request as either of Node's HTTP servers delivers it. */
export type NodeRequest = http.IncomingMessage | http2.Http2ServerRequest;
/** A response as either of Node's HTTP servers delivers it. */
export type NodeResponse = http.ServerResponse | http2.Http2ServerResponse;

/** Writes the status line and headers on either kind of response (their typings differ, their behaviour does not). */
export function writeHead(res: NodeResponse, status: number, headers?: Record<string, string>): void {
  (res as http.ServerResponse).writeHead(status, headers);
}

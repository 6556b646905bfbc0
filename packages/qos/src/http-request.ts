import type { IncomingMessage } from "node:http";

/** A QOS command read from an HTTP request. */
export interface HttpCommandRequest {
  readonly name: string;
  readonly args: string[];
}

/** The largest POST body read, in bytes; longer bodies are rejected with 413. */
export const maxHttpBodyBytes = 64 * 1024;

/**
 * parseCommandPath reads `/cmd`, `/cmd/arg1/arg2` and `/cmd?x=arg`: path segments after the command, then
 * query values, become the arguments (query names are ignored, as in Dubbo; a parameter with an empty value
 * contributes its name, so `/offline?greet.v1.GreeterService` works too).
 */
export function parseCommandPath(url: string): HttpCommandRequest {
  const parsed = new URL(url, "http://qos.invalid");
  const [name = "", ...rest] = parsed.pathname
    .split("/")
    .filter((segment) => segment !== "")
    .map(decodeSegment);
  return { name, args: [...rest, ...paramValues(parsed.searchParams)] };
}

/** formArgs reads the values of an `application/x-www-form-urlencoded` body, by the same rule as queries. */
export function formArgs(body: string): string[] {
  return paramValues(new URLSearchParams(body));
}

/**
 * readBody collects a request body up to maxHttpBodyBytes; it resolves undefined when the body is too long.
 */
export async function readBody(request: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxHttpBodyBytes) {
      return undefined;
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

function paramValues(params: URLSearchParams): string[] {
  return [...params].map(([name, value]) => (value === "" ? name : value)).filter((arg) => arg !== "");
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

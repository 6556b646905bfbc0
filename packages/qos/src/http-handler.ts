import type { IncomingMessage, ServerResponse } from "node:http";
import { foreignPeerRefusal, type PeerAccess } from "./access-control.js";
import type { CommandExecutor } from "./command-executor.js";
import { formArgs, parseCommandPath, readBody } from "./http-request.js";

/** The content type of every QOS answer except `metrics`. */
export const textContentType = "text/plain; charset=utf-8";

/**
 * handleHttpRequest serves one QOS request: `GET /cmd[/arg...][?x=arg]` or `POST /cmd` with a form body.
 * The answer is text/plain and the connection closes after it.
 */
export async function handleHttpRequest(
  request: IncomingMessage,
  response: ServerResponse,
  access: PeerAccess,
  executor: CommandExecutor,
): Promise<void> {
  const method = request.method ?? "";
  if (method !== "GET" && method !== "POST") {
    send(response, 405, `Method ${method} not allowed; use GET or POST`, textContentType, { Allow: "GET, POST" });
    return;
  }
  const { name, args } = parseCommandPath(request.url ?? "/");
  if (method === "POST") {
    const body = await readBody(request);
    if (body === undefined) {
      send(response, 413, "Request body too large", textContentType);
      return;
    }
    args.push(...formArgs(body));
  }
  if (name === "") {
    send(response, 404, "No command given. Try /help for the list of commands.", textContentType);
    return;
  }
  const result = await executor.execute({ name, args, access, transport: "http" });
  send(response, result.status, result.body, result.contentType ?? textContentType);
}

/**
 * forbiddenHttpResponse is the raw answer to an HTTP client whose address may not connect at all:
 * 403 with an explanation, then the connection closes.
 */
export function forbiddenHttpResponse(): string {
  const body = `${foreignPeerRefusal}\n`;
  return [
    "HTTP/1.1 403 Forbidden",
    `Content-Type: ${textContentType}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    "Connection: close",
    "",
    body,
  ].join("\r\n");
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (response.headersSent) {
    response.end();
    return;
  }
  response.writeHead(status, {
    ...headers,
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    Connection: "close",
  });
  response.end(body);
}

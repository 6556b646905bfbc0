import type { HandlerContext } from "@connectrpc/connect";
import { type AttachmentValue, attachmentsFromHeaders, attachmentsToHeaders } from "@dubbo-mesh/protocol";

/**
 * The Dubbo attachments of a call: its request metadata without the protocol's own headers, `-bin` values as bytes,
 * names restored through `tri-header-convert` (`userId`, not `userid`) — what Dubbo Java's
 * `RpcContext.getServerAttachment()` holds for the same request.
 */
export function attachmentsOf(context: HandlerContext): Record<string, string | Uint8Array> {
  return attachmentsFromHeaders(context.requestHeader);
}

/**
 * Adds attachments to a call's response metadata, as Dubbo 3.3 sends them: lower-cased names, bytes base64 under
 * `<name>-bin`, `tri-header-convert` for names that had upper-case letters.
 */
export function setResponseAttachments(
  context: HandlerContext,
  attachments: Readonly<Record<string, AttachmentValue>>,
): void {
  attachmentsToHeaders(attachments, context.responseHeader);
}

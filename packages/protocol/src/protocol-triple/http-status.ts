import { Code } from "@connectrpc/connect";

/**
 * The HTTP status of a failed Triple HTTP unary call, by gRPC code. The Triple spec takes this table from the Connect
 * protocol (dubbo-js is Connect renamed), so Triple and Connect clients read the same status.
 */
export function codeToHttpStatus(code: Code): number {
  switch (code) {
    case Code.Canceled:
      return 499;
    case Code.InvalidArgument:
    case Code.FailedPrecondition:
    case Code.OutOfRange:
      return 400;
    case Code.DeadlineExceeded:
      return 504;
    case Code.NotFound:
    case Code.Unimplemented:
      return 404;
    case Code.AlreadyExists:
    case Code.Aborted:
      return 409;
    case Code.PermissionDenied:
      return 403;
    case Code.ResourceExhausted:
      return 429;
    case Code.Unavailable:
      return 503;
    case Code.Unauthenticated:
      return 401;
    default:
      return 500;
  }
}

/**
 * The gRPC code for an HTTP status when an error body carries no code of its own (a proxy's error page, say), as
 * gRPC's "HTTP to gRPC status code mapping" gives it.
 */
export function codeFromHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 408:
      return Code.DeadlineExceeded;
    case 415:
      return Code.Internal;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

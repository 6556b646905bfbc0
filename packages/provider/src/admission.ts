import type * as Http from "node:http";
import type * as http2 from "node:http2";
import { grpc, headerRetryAfter } from "@dubbo-mesh/protocol";

/** What `createAdmission` needs. */
export interface AdmissionOptions {
  /**
   * Calls in progress the provider takes at once (`dubbo.provider.executes`), counted from a stream's or request's
   * arrival to its close; 0 = no limit.
   */
  maxCalls: number;
  /** Paths never refused nor counted: health checks and reflection, so a probe does not fail because the app is busy. */
  exempt: (path: string) => boolean;
  /** Told of every refused call, with its path (query included for HTTP/1.1), once. */
  onShed?: (path: string) => void;
  /** Seconds an HTTP/1.1 client is asked to wait (`Retry-After`). Default 1. */
  retryAfterSeconds?: number;
}

/**
 * Admission control at the point where a call first arrives, before any serving path sees it: each hook says whether
 * it refused the call (and answered it) or the caller should serve it. Counted calls are released when their stream
 * (by the caller, see `release`) or response closes, however they end.
 */
export interface Admission {
  /**
   * An HTTP/2 stream, whatever protocol it carries (gRPC, gRPC-web, Connect, Triple): "refused" (reset already),
   * "counted" (the caller calls `release` when it closes) or "exempt" (not counted).
   */
  admitStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): "refused" | "counted" | "exempt";
  /** Releases a stream `admitStream` counted, once it closed. */
  release(): void;
  /** An HTTP/1.1 request. */
  refuseRequest(req: Http.IncomingMessage, res: Http.ServerResponse): boolean;
  /** Calls counted now. */
  inProgress(): number;
}

/**
 * Creates the provider's admission control: at most `maxCalls` calls in progress; one more is refused at once,
 * without reading its body:
 * - HTTP/2: RST_STREAM REFUSED_STREAM. HTTP/2 (RFC 9113 §8.7) and gRPC (PROTOCOL-HTTP2.md: "no processing occurred,
 *   can be retried, possibly elsewhere") define it as the refusal of a request that was not processed, which every
 *   gRPC client reports as UNAVAILABLE and may retry for any method: grpc-js/grpc-go transparently, Envoy/Istio by
 *   their default `refused-stream` retry, our consumer as an attempt the provider refused (on another endpoint). It
 *   is what grpc-go's load-shedding hook (`tap.ServerInHandle`) sent. Refusing is protocol-neutral: no serving path
 *   (gRPC engine, connect's general path) is involved.
 * - HTTP/1.1 (Triple HTTP, curl): 503 with `Retry-After` and `Connection: close` — the body is never read, so the
 *   connection cannot carry another request.
 */
export function createAdmission(options: AdmissionOptions): Admission {
  const { maxCalls, exempt, onShed } = options;
  const retryAfter = String(options.retryAfterSeconds ?? 1);
  let inProgress = 0;
  const release = () => {
    inProgress--;
  };
  const admit = (path: string): "exempt" | "admit" | "refuse" => {
    if (maxCalls === 0 || exempt(path)) return "exempt";
    if (inProgress >= maxCalls) {
      onShed?.(path);
      return "refuse";
    }
    inProgress++;
    return "admit";
  };
  return {
    admitStream(stream, headers) {
      const verdict = admit(headers[":path"] ?? "");
      if (verdict === "exempt") return "exempt";
      if (verdict === "refuse") {
        stream.close(grpc.http2Error.refusedStream);
        return "refused";
      }
      return "counted";
    },
    release,
    refuseRequest(req, res) {
      const verdict = admit(req.url ?? "");
      if (verdict === "exempt") return false;
      if (verdict === "refuse") {
        res.shouldKeepAlive = false;
        res.writeHead(503, { [headerRetryAfter]: retryAfter, connection: "close", "content-length": 0 });
        res.end();
        return true;
      }
      res.on("close", release); // a response closes once: no once() wrapper needed
      return false;
    },
    inProgress: () => inProgress,
  };
}

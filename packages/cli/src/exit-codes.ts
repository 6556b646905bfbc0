/** The command did what was asked (for `health`: the service is SERVING). */
export const EXIT_OK = 0;
/** The command ran but the answer is negative: NOT_SERVING, a QOS answer other than 2xx, an unreachable QOS port. */
export const EXIT_FAILURE = 1;
/** The command line is wrong: unknown command or flag, missing argument, bad value. */
export const EXIT_USAGE = 2;
/** `health` could not check at all (unreachable, deadline, NOT_FOUND), as grpc_health_probe's non-SERVING errors. */
export const EXIT_CHECK_FAILED = 2;
/** `invoke` failures exit with this plus the gRPC status code (e.g. 15 for NOT_FOUND), as the greeter sample does. */
export const EXIT_RPC_BASE = 10;

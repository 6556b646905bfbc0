#!/usr/bin/python3
"""Independent grpcio client for grpc.health.v1.Health (no generated code).

Usage:
  /usr/bin/python3 health_client.py <host:port> check <service>
      Prints one JSON line: {"status": "SERVING"|"NOT_SERVING"|"UNKNOWN"|"SERVICE_UNKNOWN"}
      or, if the call failed, {"code": "<STATUS CODE NAME>", "details": "..."} (e.g. NOT_FOUND).
      Exit 0 when either was printed (the JSON is the answer); 2 on usage errors.
  /usr/bin/python3 health_client.py <host:port> watch <service> <count> <timeoutSec>
      Prints {"status": ...} on its own JSON line for each status received, until <count> statuses arrived
      (then cancels the call, exit 0) or <timeoutSec> passed (exit 1). A failure other than the timeout prints
      {"code": ..., "details": ...} as the last line and exits 3.
Use "" as <service> for the whole server. Pass `--version V` / `--group G` after the arguments to add the
tri-service-version / tri-service-group request headers; --tls, --cacert, --cert, --key, --servername for TLS.
"""

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import pb  # noqa: E402
from channel import add_tls_arguments, open_channel  # noqa: E402

STATUS_NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}
CHECK_TIMEOUT = 5.0


def status_name(value):
    return STATUS_NAMES.get(value, "STATUS_%d" % value)


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main(argv):
    parser = argparse.ArgumentParser(description="grpcio health client")
    parser.add_argument("target")
    parser.add_argument("mode", choices=["check", "watch"])
    parser.add_argument("service")
    parser.add_argument("count", nargs="?", type=int, default=1)
    parser.add_argument("timeout", nargs="?", type=float, default=5.0)
    parser.add_argument("--version")
    parser.add_argument("--group")
    add_tls_arguments(parser)
    args = parser.parse_args(argv)

    metadata = []
    if args.version:
        metadata.append(("tri-service-version", args.version))
    if args.group:
        metadata.append(("tri-service-group", args.group))

    channel = open_channel(args.target, args)
    try:
        if args.mode == "check":
            check = channel.unary_unary(
                "/grpc.health.v1.Health/Check",
                request_serializer=pb.encode_string,
                response_deserializer=pb.decode_enum,
            )
            try:
                emit({"status": status_name(check(args.service, metadata=metadata, timeout=CHECK_TIMEOUT))})
            except grpc.RpcError as error:
                emit({"code": error.code().name, "details": error.details()})
            return 0

        watch = channel.unary_stream(
            "/grpc.health.v1.Health/Watch",
            request_serializer=pb.encode_string,
            response_deserializer=pb.decode_enum,
        )
        call = watch(args.service, metadata=metadata, timeout=args.timeout)
        received = 0
        try:
            for status in call:
                emit({"status": status_name(status)})
                received += 1
                if received >= args.count:
                    call.cancel()
                    return 0
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                return 1
            if error.code() == grpc.StatusCode.CANCELLED and received >= args.count:
                return 0
            emit({"code": error.code().name, "details": error.details()})
            return 3
        # The server ended the stream before <count> statuses arrived.
        emit({"code": call.code().name, "details": call.details(), "ended": True})
        return 3
    finally:
        channel.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

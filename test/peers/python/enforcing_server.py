#!/usr/bin/python3
"""A grpcio (C-core) fixture.v1.GreeterService server with gRPC's ping enforcement set explicitly to its defaults.

Usage: /usr/bin/python3 enforcing_server.py

Serves Greet on 127.0.0.1 (a free port): `sleep:<ms>` waits that long, then answers "hello, <name>". The transport
counts a PING received sooner than 5 minutes after the previous one, with no HEADERS or DATA sent in between, as a
strike; after 2 strikes the next such PING gets GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings"). A PING while no call is
open is allowed only every 2 hours. Prints {"event": "listening", "port": N} on stdout, then serves until killed.
"""

import json
import os
import sys
import time
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import pb  # noqa: E402


def greet(request, context):
    name = pb.decode_string(request)
    if name.startswith("sleep:"):
        time.sleep(int(name[len("sleep:"):]) / 1000)
    return pb.encode_string("hello, " + name)


def main():
    options = [
        ("grpc.http2.min_ping_interval_without_data_ms", 5 * 60 * 1000),
        ("grpc.http2.max_ping_strikes", 2),
        ("grpc.keepalive_permit_without_calls", 0),
    ]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8), options=options)
    handler = grpc.method_handlers_generic_handler(
        "fixture.v1.GreeterService", {"Greet": grpc.unary_unary_rpc_method_handler(greet)}
    )
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(json.dumps({"event": "listening", "port": port}), flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()

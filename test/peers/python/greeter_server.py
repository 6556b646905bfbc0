#!/usr/bin/python3
"""Independent grpcio server for the fixture.v1.GreeterService contract (no generated code).

Usage: /usr/bin/python3 greeter_server.py
Listens on 127.0.0.1 (a free port), prints {"port": N} on stdout once serving, and serves until SIGTERM / stdin closes.

The contract (as test/peers/grpc-js-greeter.ts):
  Greet              "hello, <name>"; name "error:<code>:<message>" fails with that status, "sleep:<ms>" waits first
  GreetStream        "hello, <name> #1" .. "#3"
  GreetClientStream  "hello, <n1>, <n2>, ..."
  GreetBidi          "hello, <name>" per request, as each arrives
Request metadata x-echo comes back as header x-echo and trailer x-echo-trailer; x-echo-bin as header x-echo-bin.
"""

import json
import os
import re
import sys
import time
from concurrent import futures

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import pb  # noqa: E402


def echo(context):
    """Sends the header echo now and sets the trailer echo, from the call's request metadata."""
    incoming = dict(context.invocation_metadata())
    headers = []
    trailers = []
    if "x-echo" in incoming:
        headers.append(("x-echo", incoming["x-echo"]))
        trailers.append(("x-echo-trailer", incoming["x-echo"]))
    if "x-echo-bin" in incoming:
        headers.append(("x-echo-bin", incoming["x-echo-bin"]))
    context.send_initial_metadata(headers)
    context.set_trailing_metadata(trailers)


def act(name, context):
    """Applies the special names: error:<code>:<message> aborts, sleep:<ms> waits."""
    error = re.match(r"^error:(\d+):(.*)$", name, re.S)
    if error:
        code = next(c for c in grpc.StatusCode if c.value[0] == int(error.group(1)))
        context.abort(code, error.group(2))
    sleep = re.match(r"^sleep:(\d+)$", name)
    if sleep:
        time.sleep(int(sleep.group(1)) / 1000)


def greet(name, context):
    echo(context)
    act(name, context)
    return "hello, " + name


def greet_stream(name, context):
    echo(context)
    act(name, context)
    for i in range(1, 4):
        yield "hello, %s #%d" % (name, i)


def greet_client_stream(names, context):
    echo(context)
    return "hello, " + ", ".join(names)


def greet_bidi(names, context):
    echo(context)
    for name in names:
        yield "hello, " + name


def handler(kind, fn):
    return kind(fn, request_deserializer=pb.decode_string, response_serializer=pb.encode_string)


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    server.add_generic_rpc_handlers(
        (
            grpc.method_handlers_generic_handler(
                "fixture.v1.GreeterService",
                {
                    "Greet": handler(grpc.unary_unary_rpc_method_handler, greet),
                    "GreetStream": handler(grpc.unary_stream_rpc_method_handler, greet_stream),
                    "GreetClientStream": handler(grpc.stream_unary_rpc_method_handler, greet_client_stream),
                    "GreetBidi": handler(grpc.stream_stream_rpc_method_handler, greet_bidi),
                },
            ),
        )
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print(json.dumps({"port": port}), flush=True)
    sys.stdin.read()  # until the test closes stdin (or kills the process)
    server.stop(0)


if __name__ == "__main__":
    main()

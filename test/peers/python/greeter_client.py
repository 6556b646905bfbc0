#!/usr/bin/python3
"""Independent grpcio client for the fixture.v1.GreeterService contract (no generated code).

Usage: /usr/bin/python3 greeter_client.py <host:port> [scenario] [--version V] [--group G]

scenario is `all` (default), one step name, or a comma-separated list of step names:
  unary          Greet with x-echo / x-echo-bin; checks greeting, header echoes, trailer x-echo-trailer
  server_stream  GreetStream -> 3 greetings "#1".."#3", echo header and trailer
  client_stream  GreetClientStream of 3 names -> one joined greeting, echo header and trailer
  bidi           GreetBidi interleaved (next name sent only after the previous reply arrived)
  deadline       Greet "sleep:2000" with a 0.2 s timeout -> DEADLINE_EXCEEDED
  error          Greet "error:5:no such user" -> NOT_FOUND "no such user"
  unimplemented  /fixture.v1.GreeterService/Nope -> UNIMPLEMENTED
--version / --group add request headers tri-service-version / tri-service-group to every call.
--tls, --cacert, --cert, --key, --servername: TLS or mTLS (see channel.py).

Prints one JSON object {"target", "scenario", "ok", "steps": {name: {...observed values, "ok"}}} on stdout
(binary metadata values as hex strings, status codes as names) and exits 0 only if every check passed.
"""

import argparse
import json
import os
import queue
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import grpc  # noqa: E402

import pb  # noqa: E402
from channel import add_tls_arguments, open_channel  # noqa: E402

SERVICE = "/fixture.v1.GreeterService/"
ECHO_ASCII = "python-echo"
ECHO_BIN = bytes([0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF])
CALL_TIMEOUT = 5.0
STEPS = ("unary", "server_stream", "client_stream", "bidi", "deadline", "error", "unimplemented")


def metadata_dict(metadata):
    """Turns grpcio metadata into a JSON-friendly dict (first value per key; bytes as hex)."""
    result = {}
    for key, value in metadata or ():
        if key not in result:
            result[key] = value.hex() if isinstance(value, bytes) else value
    return result


def raw_metadata(metadata):
    result = {}
    for key, value in metadata or ():
        result.setdefault(key, value)
    return result


class Client:
    def __init__(self, target, extra_metadata, args):
        self.channel = open_channel(target, args)
        self.extra = list(extra_metadata)

    def unary_unary(self, method):
        return self.channel.unary_unary(
            SERVICE + method, request_serializer=pb.encode_string, response_deserializer=pb.decode_string
        )

    def md(self, echo=True):
        base = [("x-echo", ECHO_ASCII), ("x-echo-bin", ECHO_BIN)] if echo else []
        return base + self.extra

    def echo_checks(self, headers, trailers):
        raw_headers = raw_metadata(headers)
        raw_trailers = raw_metadata(trailers)
        return {
            "header_echo": raw_headers.get("x-echo") == ECHO_ASCII,
            "header_echo_bin": raw_headers.get("x-echo-bin") == ECHO_BIN,
            "trailer_echo": raw_trailers.get("x-echo-trailer") == ECHO_ASCII,
        }

    def step_unary(self):
        response, call = self.unary_unary("Greet").with_call("python", metadata=self.md(), timeout=CALL_TIMEOUT)
        checks = {"greeting": response == "hello, python"}
        checks.update(self.echo_checks(call.initial_metadata(), call.trailing_metadata()))
        return {
            "greeting": response,
            "code": call.code().name,
            "headers": metadata_dict(call.initial_metadata()),
            "trailers": metadata_dict(call.trailing_metadata()),
            "checks": checks,
        }

    def step_server_stream(self):
        method = self.channel.unary_stream(
            SERVICE + "GreetStream", request_serializer=pb.encode_string, response_deserializer=pb.decode_string
        )
        call = method("python", metadata=self.md(), timeout=CALL_TIMEOUT)
        greetings = list(call)
        expected = ["hello, python #1", "hello, python #2", "hello, python #3"]
        checks = {"greetings": greetings == expected}
        checks.update(self.echo_checks(call.initial_metadata(), call.trailing_metadata()))
        return {
            "greetings": greetings,
            "code": call.code().name,
            "headers": metadata_dict(call.initial_metadata()),
            "trailers": metadata_dict(call.trailing_metadata()),
            "checks": checks,
        }

    def step_client_stream(self):
        method = self.channel.stream_unary(
            SERVICE + "GreetClientStream", request_serializer=pb.encode_string, response_deserializer=pb.decode_string
        )
        names = ["ann", "bob", "cid"]
        response, call = method.with_call(iter(names), metadata=self.md(), timeout=CALL_TIMEOUT)
        checks = {"greeting": response == "hello, ann, bob, cid"}
        checks.update(self.echo_checks(call.initial_metadata(), call.trailing_metadata()))
        return {
            "greeting": response,
            "code": call.code().name,
            "headers": metadata_dict(call.initial_metadata()),
            "trailers": metadata_dict(call.trailing_metadata()),
            "checks": checks,
        }

    def step_bidi(self):
        method = self.channel.stream_stream(
            SERVICE + "GreetBidi", request_serializer=pb.encode_string, response_deserializer=pb.decode_string
        )
        names = ["ann", "bob", "cid"]
        pending = queue.Queue()

        def requests():
            # Bounded: gives up (and so fails the call) if no reply unblocks the next name within the timeout.
            while True:
                item = pending.get(timeout=CALL_TIMEOUT)
                if item is None:
                    return
                yield item

        pending.put(names[0])
        call = method(requests(), metadata=self.md(), timeout=CALL_TIMEOUT)
        greetings = []
        for reply in call:
            greetings.append(reply)
            sent = len(greetings)
            pending.put(names[sent] if sent < len(names) else None)
        checks = {"greetings": greetings == ["hello, ann", "hello, bob", "hello, cid"]}
        checks.update(self.echo_checks(call.initial_metadata(), call.trailing_metadata()))
        return {
            "greetings": greetings,
            "code": call.code().name,
            "headers": metadata_dict(call.initial_metadata()),
            "trailers": metadata_dict(call.trailing_metadata()),
            "checks": checks,
        }

    def expect_failure(self, method, name, timeout, want_code, want_details=None):
        started = time.monotonic()
        try:
            response = self.unary_unary(method)(name, metadata=self.md(echo=False), timeout=timeout)
        except grpc.RpcError as error:
            elapsed_ms = round((time.monotonic() - started) * 1000)
            code = error.code().name
            details = error.details()
            checks = {"code": code == want_code}
            if want_details is not None:
                checks["details"] = details == want_details
            return {"code": code, "details": details, "elapsed_ms": elapsed_ms, "checks": checks}
        return {"code": "OK", "greeting": response, "checks": {"code": False}}

    def step_deadline(self):
        result = self.expect_failure("Greet", "sleep:2000", 0.2, "DEADLINE_EXCEEDED")
        result["checks"]["fast"] = result.get("elapsed_ms", 10**9) < 1500
        return result

    def step_error(self):
        return self.expect_failure("Greet", "error:5:no such user", CALL_TIMEOUT, "NOT_FOUND", "no such user")

    def step_unimplemented(self):
        return self.expect_failure("Nope", "python", CALL_TIMEOUT, "UNIMPLEMENTED")


def main(argv):
    parser = argparse.ArgumentParser(description="grpcio greeter contract client")
    parser.add_argument("target")
    parser.add_argument("scenario", nargs="?", default="all")
    parser.add_argument("--version")
    parser.add_argument("--group")
    add_tls_arguments(parser)
    args = parser.parse_args(argv)

    steps = list(STEPS) if args.scenario == "all" else [s for s in args.scenario.split(",") if s]
    unknown = [s for s in steps if s not in STEPS]
    if unknown or not steps:
        print(json.dumps({"error": "unknown scenario", "scenario": args.scenario, "known": ["all", *STEPS]}))
        return 2

    extra = []
    if args.version:
        extra.append(("tri-service-version", args.version))
    if args.group:
        extra.append(("tri-service-group", args.group))

    client = Client(args.target, extra, args)
    results = {}
    try:
        for step in steps:
            try:
                result = getattr(client, "step_" + step)()
            except grpc.RpcError as error:
                result = {"code": error.code().name, "details": error.details(), "checks": {"code": False}}
            except Exception as error:  # noqa: BLE001 - reported, not raised: one JSON object is the contract
                result = {"exception": repr(error), "checks": {"exception": False}}
            result["ok"] = all(result["checks"].values())
            results[step] = result
    finally:
        client.channel.close()

    ok = all(r["ok"] for r in results.values())
    print(json.dumps({"target": args.target, "scenario": args.scenario, "ok": ok, "steps": results}))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

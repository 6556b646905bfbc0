#!/usr/bin/python3
"""A hostile gRPC server on Python's h2 (sans-IO HTTP/2): it answers each call the way the request header
`x-hostile` names, breaking the gRPC protocol in one way per case. For testing what a client makes of it.

Usage: /usr/bin/python3 hostile_server.py

Listens on 127.0.0.1 (a free port), prints {"event": "listening", "port": N} on stdout, serves until killed.
A call is answered once its request has ended (END_STREAM). Cases (`x-hostile` value):
  ok                      a valid response: one message "hello" (GreetResponse field 1), grpc-status 0
  http:<code>             HTTP <code>, content-type text/plain, a body, no gRPC headers at all
  html                    HTTP 200, content-type text/html, an HTML body
  no-status               gRPC headers, one valid message, trailers without grpc-status
  garbled-status          gRPC headers, trailers with grpc-status "OK?"
  huge-prefix             gRPC headers, a message prefix claiming 2 GiB and 16 bytes of it, then silence
  huge-prefix-late        as huge-prefix, after one valid message (for a server stream)
  truncated               gRPC headers, a prefix claiming 10 bytes and 3 of them, then grpc-status 0
  compressed              gRPC headers without grpc-encoding, a message with the compressed flag set, grpc-status 0
  invalid-protobuf        gRPC headers, a message that is not protobuf (0xff 0xff 0xff), grpc-status 0
  two-messages            gRPC headers, two valid messages, grpc-status 0
  silence                 gRPC headers, then nothing (the connection stays and answers PINGs)
  rst:<code>              RST_STREAM with error code <code> (0..13) before any response
  message:<status>:<raw>  trailers-only with grpc-status <status> and grpc-message <raw>, sent as is
  trailers-only           HEADERS :status 200, content-type, grpc-status 5, grpc-message "nope", END_STREAM
  tcp-close               gRPC headers, half of a message, then the TCP connection closes
  goaway:<code>           gRPC headers, one message, then GOAWAY with error code <code> naming this stream as the
                          last one processed, and the connection closes (a server that gives up on the connection)
"""

import json
import socket
import struct
import threading

import h2.config
import h2.connection
import h2.events
import h2.exceptions


def message(payload, compressed=False):
    return struct.pack(">BI", 1 if compressed else 0, len(payload)) + payload


HELLO = message(b"\x0a\x05hello")
GRPC_HEADERS = [(":status", "200"), ("content-type", "application/grpc")]


def respond(conn, sock, stream_id, case):
    """Queues the response of `case` on `conn`; returns False when the connection is to be closed."""

    def data(payload, end=False):
        conn.send_data(stream_id, payload, end_stream=end)

    def trailers(fields):
        conn.send_headers(stream_id, fields, end_stream=True)

    if case == "ok":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(HELLO)
        trailers([("grpc-status", "0")])
    elif case.startswith("http:"):
        conn.send_headers(stream_id, [(":status", case[5:]), ("content-type", "text/plain")])
        data(b"upstream says no\n", end=True)
    elif case == "html":
        conn.send_headers(stream_id, [(":status", "200"), ("content-type", "text/html")])
        data(b"<html><body>Welcome to nginx!</body></html>\n", end=True)
    elif case == "no-status":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(HELLO)
        trailers([("x-note", "no status here")])
    elif case == "garbled-status":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(HELLO)
        trailers([("grpc-status", "OK?")])
    elif case in ("huge-prefix", "huge-prefix-late"):
        conn.send_headers(stream_id, GRPC_HEADERS)
        if case == "huge-prefix-late":
            data(HELLO)
        data(struct.pack(">BI", 0, 0x80000000) + b"\x0a" * 16)
    elif case == "truncated":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(struct.pack(">BI", 0, 10) + b"\x0a\x08h")
        trailers([("grpc-status", "0")])
    elif case == "compressed":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(message(b"\x0a\x05hello", compressed=True))
        trailers([("grpc-status", "0")])
    elif case == "invalid-protobuf":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(message(b"\xff\xff\xff"))
        trailers([("grpc-status", "0")])
    elif case == "two-messages":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(HELLO + HELLO)
        trailers([("grpc-status", "0")])
    elif case == "silence":
        conn.send_headers(stream_id, GRPC_HEADERS)
    elif case.startswith("rst:"):
        conn.reset_stream(stream_id, error_code=int(case[4:]))
    elif case.startswith("message:"):
        _, status, raw = case.split(":", 2)
        conn.send_headers(stream_id, GRPC_HEADERS + [("grpc-status", status), ("grpc-message", raw)], end_stream=True)
    elif case == "trailers-only":
        conn.send_headers(
            stream_id, GRPC_HEADERS + [("grpc-status", "5"), ("grpc-message", "nope")], end_stream=True
        )
    elif case == "tcp-close":
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(HELLO[:5])
        sock.sendall(conn.data_to_send())
        return False
    elif case.startswith("goaway:"):
        conn.send_headers(stream_id, GRPC_HEADERS)
        data(HELLO)
        conn.close_connection(error_code=int(case[7:]), last_stream_id=stream_id)
        sock.sendall(conn.data_to_send())
        return False
    else:
        conn.send_headers(stream_id, GRPC_HEADERS + [("grpc-status", "3"), ("grpc-message", "unknown case")], end_stream=True)
    return True


def serve(sock):
    config = h2.config.H2Configuration(client_side=False, header_encoding="utf-8", validate_inbound_headers=False)
    conn = h2.connection.H2Connection(config=config)
    conn.initiate_connection()
    sock.sendall(conn.data_to_send())
    cases = {}
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return
            for event in conn.receive_data(chunk):
                if isinstance(event, h2.events.RequestReceived):
                    cases[event.stream_id] = dict(event.headers).get("x-hostile", "ok")
                elif isinstance(event, h2.events.DataReceived):
                    conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    if not respond(conn, sock, event.stream_id, cases.pop(event.stream_id, "ok")):
                        return
            sock.sendall(conn.data_to_send())
    except (OSError, h2.exceptions.ProtocolError):
        return
    finally:
        sock.close()


def main():
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    print(json.dumps({"event": "listening", "port": listener.getsockname()[1]}), flush=True)
    while True:
        sock, _ = listener.accept()
        threading.Thread(target=serve, args=(sock,), daemon=True).start()


if __name__ == "__main__":
    main()

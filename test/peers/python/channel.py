"""Opens the grpcio channel of a peer script: cleartext, or TLS / mTLS with grpcurl-like flags.

  --tls                 use TLS (verify the server with --cacert, else the system roots)
  --cacert FILE         PEM CA certificates that verify the server
  --cert FILE --key FILE  client certificate and key (mTLS)
  --servername NAME     the name to verify the server certificate against (and send as SNI), instead of the host
"""

import grpc


def add_tls_arguments(parser):
    parser.add_argument("--tls", action="store_true")
    parser.add_argument("--cacert")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--servername")


def _read(path):
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


def open_channel(target, args):
    options = [("grpc.enable_http_proxy", 0)]
    if not (args.tls or args.cacert or args.cert):
        return grpc.insecure_channel(target, options=options)
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(args.cacert),
        private_key=_read(args.key),
        certificate_chain=_read(args.cert),
    )
    if args.servername:
        options.append(("grpc.ssl_target_name_override", args.servername))
    return grpc.secure_channel(target, credentials, options=options)
